// Defaults the apiserver fills in on create (and on update for fields a client dropped),
// the same ones Kubernetes applies, so stored objects are complete and controllers never
// have to guess. applyDefaults mutates its argument; it never overwrites a set value.

import type { ResourceInfo } from './resources.js';
import type { Container, KubeObject, PodSpec, ServicePort } from './types.js';
import { defaultRbac } from './rbac-types.js';
import { defaultCronJob, defaultJobSpec } from './job-defaults.js';
import { defaultStorageKind } from './storage/defaults.js';
import { defaultHorizontalPodAutoscaler } from './hpa-defaults.js';
import { defaultStatefulSet } from './statefulset-defaults.js';
import { defaultWebhookConfiguration } from './validation/webhook-configuration.js';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Kubernetes' rule: an image with tag `latest`, or no tag and no digest, is pulled
 * `Always`; anything else `IfNotPresent`. orch's demo images (orch.local/*:latest) are
 * local only, so they default to Always too; the agent treats a failed pull of an image
 * that exists locally as a soft failure for that policy.
 */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSlash = image.lastIndexOf('/');
  const colon = image.indexOf(':', lastSlash + 1);
  if (colon < 0) return 'Always';
  return image.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Container): void {
  if (!isObj(c)) return;
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') c.imagePullPolicy = defaultPullPolicy(c.image);
  if (c.terminationMessagePath === undefined) c.terminationMessagePath = '/dev/termination-log';
  const rec = c as unknown as Obj;
  if (rec.terminationMessagePolicy === undefined) rec.terminationMessagePolicy = 'File';
  if (Array.isArray(c.ports)) for (const p of c.ports) if (isObj(p) && p.protocol === undefined) p.protocol = 'TCP';
  // A limit without a request means the request equals the limit.
  const res = c.resources;
  if (isObj(res) && isObj(res.limits)) {
    const requests: Record<string, string> = isObj(res.requests) ? (res.requests as Record<string, string>) : {};
    for (const [k, v] of Object.entries(res.limits as Record<string, string>)) if (requests[k] === undefined) requests[k] = v;
    res.requests = requests;
  }
}

export function defaultPodSpec(spec: PodSpec): void {
  if (!isObj(spec)) return;
  if (spec.restartPolicy === undefined) spec.restartPolicy = 'Always';
  if (spec.terminationGracePeriodSeconds === undefined) spec.terminationGracePeriodSeconds = 30;
  if (spec.schedulerName === undefined) spec.schedulerName = 'default-scheduler';
  const rec = spec as unknown as Obj;
  if (rec.dnsPolicy === undefined) rec.dnsPolicy = 'ClusterFirst';
  if (Array.isArray(spec.containers)) spec.containers.forEach(defaultContainer);
  if (Array.isArray(spec.initContainers)) spec.initContainers.forEach(defaultContainer);
  if (Array.isArray(spec.volumes)) {
    for (const v of spec.volumes) {
      if (!isObj(v)) continue;
      if (isObj(v.configMap) && v.configMap.defaultMode === undefined) v.configMap.defaultMode = 0o644;
      // Secrets are owner-read-only by default (0400): stricter than Kubernetes' 0644, on
      // purpose — a secret file should not be readable by every user in the container.
      if (isObj(v.secret) && v.secret.defaultMode === undefined) v.secret.defaultMode = 0o400;
    }
  }
}

function defaultTemplate(spec: Obj): void {
  const tpl = spec.template;
  if (isObj(tpl) && isObj(tpl.spec)) defaultPodSpec(tpl.spec as unknown as PodSpec);
}

function defaultDeployment(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isObj(spec)) return;
  if (spec.replicas === undefined) spec.replicas = 1;
  // Malformed values are left alone for validation to report.
  if (spec.strategy === undefined) spec.strategy = {};
  const strategy = spec.strategy;
  if (isObj(strategy)) {
    if (strategy.type === undefined) strategy.type = 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      if (strategy.rollingUpdate === undefined) strategy.rollingUpdate = {};
      const ru = strategy.rollingUpdate;
      if (isObj(ru)) {
        if (ru.maxSurge === undefined) ru.maxSurge = '25%';
        if (ru.maxUnavailable === undefined) ru.maxUnavailable = '25%';
      }
    }
  }
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  if (spec.progressDeadlineSeconds === undefined) spec.progressDeadlineSeconds = 600;
  if (spec.minReadySeconds === undefined) spec.minReadySeconds = 0;
  defaultTemplate(spec);
}

function defaultReplicaSet(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isObj(spec)) return;
  if (spec.replicas === undefined) spec.replicas = 1;
  if (spec.minReadySeconds === undefined) spec.minReadySeconds = 0;
  defaultTemplate(spec);
}

/** apps/v1 defaults: RollingUpdate with maxUnavailable 1 and maxSurge 0, history of 10. */
function defaultDaemonSet(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isObj(spec)) return;
  if (spec.updateStrategy === undefined) spec.updateStrategy = {};
  const strategy = spec.updateStrategy;
  if (isObj(strategy)) {
    if (strategy.type === undefined) strategy.type = 'RollingUpdate';
    if (strategy.type === 'RollingUpdate') {
      if (strategy.rollingUpdate === undefined) strategy.rollingUpdate = {};
      const ru = strategy.rollingUpdate;
      if (isObj(ru)) {
        if (ru.maxUnavailable === undefined) ru.maxUnavailable = 1;
        if (ru.maxSurge === undefined) ru.maxSurge = 0;
      }
    }
  }
  if (spec.revisionHistoryLimit === undefined) spec.revisionHistoryLimit = 10;
  if (spec.minReadySeconds === undefined) spec.minReadySeconds = 0;
  defaultTemplate(spec);
}

function defaultService(obj: KubeObject): void {
  const spec = obj.spec;
  if (!isObj(spec)) return;
  if (spec.type === undefined) spec.type = 'ClusterIP';
  if (spec.sessionAffinity === undefined) spec.sessionAffinity = 'None';
  if (Array.isArray(spec.ports)) {
    for (const p of spec.ports as ServicePort[]) {
      if (!isObj(p)) continue;
      if (p.protocol === undefined) p.protocol = 'TCP';
      if (p.targetPort === undefined && p.port !== undefined) p.targetPort = p.port;
    }
  }
}

/** base64 of a UTF-8 string; Buffer is available in every orch process (Node). */
function toBase64(s: string): string {
  return Buffer.from(s, 'utf8').toString('base64');
}

function defaultSecret(obj: KubeObject): void {
  if (obj.type === undefined) obj.type = 'Opaque';
  if (isObj(obj.stringData)) {
    // stringData is write-only: it wins over data for the same key, then disappears.
    const data = isObj(obj.data) ? (obj.data as Record<string, string>) : {};
    for (const [k, v] of Object.entries(obj.stringData)) if (typeof v === 'string') data[k] = toBase64(v);
    obj.data = data;
  }
  delete obj.stringData;
}

function defaultNamespace(obj: KubeObject): void {
  if (!isObj(obj.status)) obj.status = {};
  const status = obj.status as Obj;
  if (status.phase === undefined) status.phase = 'Active';
}

function defaultEvent(obj: KubeObject): void {
  if (obj.type === undefined) obj.type = 'Normal';
  if (obj.count === undefined) obj.count = 1;
}

function defaultLease(obj: KubeObject): void {
  if (!isObj(obj.spec)) obj.spec = {};
}

/** Kubernetes' defaults: endpoints an empty list, a port's protocol TCP. */
function defaultEndpointSlice(obj: KubeObject): void {
  if (obj.endpoints === undefined || obj.endpoints === null) obj.endpoints = [];
  if (Array.isArray(obj.ports)) for (const p of obj.ports) if (isObj(p) && (p.protocol === undefined || p.protocol === null)) p.protocol = 'TCP';
}

function defaultNode(obj: KubeObject): void {
  if (!isObj(obj.spec)) obj.spec = {};
}

/** Fills in defaults for a kind, in place. Unknown kinds are left as they are. */
export function applyDefaults(resource: Pick<ResourceInfo, 'kind'> & { custom?: ResourceInfo['custom'] }, obj: KubeObject): void {
  if (!isObj(obj)) return;
  // A custom kind may share a built-in's kind name; its defaults are its schema's (strategy).
  if (resource.custom) return;
  switch (resource.kind) {
    case 'Pod':
      if (isObj(obj.spec)) defaultPodSpec(obj.spec as unknown as PodSpec);
      break;
    case 'Deployment':
      defaultDeployment(obj);
      break;
    case 'ReplicaSet':
      defaultReplicaSet(obj);
      break;
    case 'DaemonSet':
      defaultDaemonSet(obj);
      break;
    case 'StatefulSet':
      defaultStatefulSet(obj, defaultPodSpec);
      break;
    case 'ControllerRevision':
      if (obj.revision === undefined) obj.revision = 0;
      break;
    case 'Service':
      defaultService(obj);
      break;
    case 'Secret':
      defaultSecret(obj);
      break;
    case 'Namespace':
      defaultNamespace(obj);
      break;
    case 'Event':
      defaultEvent(obj);
      break;
    case 'Lease':
      defaultLease(obj);
      break;
    case 'Node':
      defaultNode(obj);
      break;
    case 'EndpointSlice':
      defaultEndpointSlice(obj);
      break;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      defaultRbac(resource.kind, obj);
      break;
    case 'Job':
      defaultJobSpec(obj.spec, defaultPodSpec, true);
      break;
    case 'CronJob':
      defaultCronJob(obj as Obj, defaultPodSpec);
      break;
    case 'PersistentVolume':
    case 'PersistentVolumeClaim':
    case 'StorageClass':
      defaultStorageKind(resource.kind, obj);
      break;
    case 'HorizontalPodAutoscaler':
      defaultHorizontalPodAutoscaler(obj);
      break;
    case 'ValidatingWebhookConfiguration':
    case 'MutatingWebhookConfiguration':
      defaultWebhookConfiguration(obj as Obj, resource.kind === 'MutatingWebhookConfiguration');
      break;
  }
}
