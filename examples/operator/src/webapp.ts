// The WebApp custom resource (webapps.example.orch.io/v1) and what it turns into: the
// Deployment and the Service the operator keeps, both named like the WebApp and owned by
// it (a controller ownerReference), so deleting the WebApp lets the garbage collector
// delete them. Pure functions only: reconcile.ts compares these with what exists.

import type { KubernetesObject, V1Deployment, V1OwnerReference, V1Service } from '@kubernetes/client-node';

export const GROUP = 'example.orch.io';
export const VERSION = 'v1';
export const PLURAL = 'webapps';
export const KIND = 'WebApp';
/** Label on everything the operator creates: its informers watch only these. */
export const MANAGED_BY = 'app.kubernetes.io/managed-by';
export const OPERATOR_NAME = 'webapp-operator';
/** The label the Deployment's pods and the Service's selector share. */
export const INSTANCE = 'app.kubernetes.io/instance';

export interface WebAppCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface WebApp extends KubernetesObject {
  spec: { image: string; replicas?: number; port: number; imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never' };
  status?: { replicas?: number; readyReplicas?: number; observedGeneration?: number; conditions?: WebAppCondition[] };
}

function ownerRef(app: WebApp): V1OwnerReference {
  return { apiVersion: `${GROUP}/${VERSION}`, kind: KIND, name: app.metadata!.name!, uid: app.metadata!.uid!, controller: true, blockOwnerDeletion: true };
}

function labels(app: WebApp): Record<string, string> {
  return { [INSTANCE]: app.metadata!.name!, [MANAGED_BY]: OPERATOR_NAME };
}

export function desiredDeployment(app: WebApp): V1Deployment {
  const name = app.metadata!.name!;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: app.metadata!.namespace, labels: labels(app), ownerReferences: [ownerRef(app)] },
    spec: {
      replicas: app.spec.replicas ?? 1,
      selector: { matchLabels: { [INSTANCE]: name } },
      template: {
        metadata: { labels: labels(app) },
        spec: {
          containers: [
            { name: 'web', image: app.spec.image, ...(app.spec.imagePullPolicy ? { imagePullPolicy: app.spec.imagePullPolicy } : {}), ports: [{ name: 'http', containerPort: app.spec.port }] },
          ],
        },
      },
    },
  };
}

export function desiredService(app: WebApp): V1Service {
  const name = app.metadata!.name!;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: app.metadata!.namespace, labels: labels(app), ownerReferences: [ownerRef(app)] },
    spec: { selector: { [INSTANCE]: name }, ports: [{ name: 'http', protocol: 'TCP', port: app.spec.port, targetPort: app.spec.port }] },
  };
}

/** True when `obj` is controlled by this very WebApp (same uid, not a namesake). */
export function ownedBy(obj: KubernetesObject, app: WebApp): boolean {
  return (obj.metadata?.ownerReferences ?? []).some((r) => r.controller && r.uid === app.metadata!.uid);
}

/** The WebApp (namespace/name) that controls `obj`, if any. */
export function ownerKey(obj: KubernetesObject): string | undefined {
  const ref = (obj.metadata?.ownerReferences ?? []).find((r) => r.controller && r.kind === KIND && r.apiVersion.startsWith(`${GROUP}/`));
  return ref ? `${obj.metadata!.namespace}/${ref.name}` : undefined;
}

/**
 * The Deployment as it should be, keeping what others own (status, metadata the server
 * keeps, labels/annotations added by hand); undefined when it already matches. Only the
 * fields the WebApp decides are compared, so server defaults are never "drift".
 */
export function repairedDeployment(have: V1Deployment, want: V1Deployment): V1Deployment | undefined {
  const c = have.spec?.template?.spec?.containers ?? [];
  const wc = want.spec!.template.spec!.containers[0]!;
  const same =
    have.spec?.replicas === want.spec!.replicas &&
    c.length === 1 &&
    c[0]!.name === wc.name &&
    c[0]!.image === wc.image &&
    // (Left unset, the pull policy is the server's default: not drift.)
    (wc.imagePullPolicy === undefined || c[0]!.imagePullPolicy === wc.imagePullPolicy) &&
    JSON.stringify((c[0]!.ports ?? []).map((p) => p.containerPort)) === JSON.stringify([wc.ports![0]!.containerPort]) &&
    subset(want.spec!.template.metadata!.labels!, have.spec?.template?.metadata?.labels) &&
    subset(want.metadata!.labels!, have.metadata?.labels);
  if (same) return undefined;
  return {
    ...have,
    metadata: { ...have.metadata, labels: { ...have.metadata?.labels, ...want.metadata!.labels } },
    spec: {
      ...have.spec!,
      replicas: want.spec!.replicas,
      template: {
        ...have.spec!.template,
        metadata: { ...have.spec!.template.metadata, labels: { ...have.spec!.template.metadata?.labels, ...want.spec!.template.metadata!.labels } },
        spec: { ...have.spec!.template.spec!, containers: want.spec!.template.spec!.containers },
      },
    },
  };
}

/** The Service as it should be (clusterIP and other server-set fields kept); undefined when it matches. */
export function repairedService(have: V1Service, want: V1Service): V1Service | undefined {
  const p = have.spec?.ports ?? [];
  const wp = want.spec!.ports![0]!;
  const same =
    p.length === 1 &&
    p[0]!.port === wp.port &&
    String(p[0]!.targetPort) === String(wp.targetPort) &&
    JSON.stringify(have.spec?.selector ?? {}) === JSON.stringify(want.spec!.selector) &&
    subset(want.metadata!.labels!, have.metadata?.labels);
  if (same) return undefined;
  return {
    ...have,
    metadata: { ...have.metadata, labels: { ...have.metadata?.labels, ...want.metadata!.labels } },
    spec: { ...have.spec, selector: want.spec!.selector, ports: want.spec!.ports },
  };
}

function subset(want: Record<string, string>, have: Record<string, string> | undefined): boolean {
  return Object.entries(want).every(([k, v]) => have?.[k] === v);
}

/**
 * The WebApp's status from its Deployment: replica counts and a Ready condition (its
 * lastTransitionTime kept while the status does not change). Undefined when unchanged.
 */
export function nextStatus(app: WebApp, dep: V1Deployment | undefined, problem: string | undefined, now: string): WebApp['status'] | undefined {
  const want = app.spec.replicas ?? 1;
  const ready = dep?.status?.readyReplicas ?? 0;
  const replicas = dep?.status?.replicas ?? 0;
  const [status, reason, message]: [WebAppCondition['status'], string, string] = problem
    ? ['False', 'ReconcileFailed', problem]
    : ready >= want
      ? ['True', 'AllReplicasReady', `${ready}/${want} replicas ready`]
      : ['False', 'ReplicasNotReady', `${ready}/${want} replicas ready`];
  const prev = app.status?.conditions?.find((c) => c.type === 'Ready');
  const cond: WebAppCondition = { type: 'Ready', status, reason, message, lastTransitionTime: prev && prev.status === status ? prev.lastTransitionTime : now };
  const next = { replicas, readyReplicas: ready, observedGeneration: app.metadata!.generation, conditions: [cond] };
  const cur = app.status ?? {};
  const unchanged =
    cur.replicas === next.replicas &&
    cur.readyReplicas === next.readyReplicas &&
    cur.observedGeneration === next.observedGeneration &&
    prev?.status === cond.status &&
    prev?.reason === cond.reason &&
    prev?.message === cond.message;
  return unchanged ? undefined : next;
}
