// Per-kind behaviour of every write, as Kubernetes' REST strategies: what is reset on
// create, which part is "spec" (bumps generation), whether status is a separate
// subresource, and how deletion proceeds. One strategy object per kind; the generic
// steps in object-prep.ts and deletion.ts do the rest the same way for every kind. The
// apiserver's store and the fake client both run them, so they cannot disagree.

import type { KubeObject } from '../types.js';
import type { ResourceInfo } from '../resources.js';
import { csrStrategy } from './csr.js';
import { cronJobStrategy, jobStrategy } from './job.js';
import { prepareServiceUpdate } from './service-update.js';
import { persistentVolumeClaimStrategy, persistentVolumeStrategy, storageClassStrategy } from '../storage/strategies.js';
import { crdStrategy, customResourceStrategy } from './crd.js';

export interface DeleteContext {
  /** gracePeriodSeconds from DeleteOptions, if given. */
  gracePeriodSeconds?: number;
  nowMs: number;
}

/** What DELETE does to an object that is not yet being deleted (or already is). */
export interface GracefulDecision {
  /** Seconds of grace; 0 = remove now (unless finalizers remain). */
  grace: number;
}

export interface Strategy {
  /**
   * Is there a spec-like part whose change bumps metadata.generation? ConfigMaps,
   * Secrets, Endpoints and Events have none (their data is not "desired state").
   */
  specFields: string[];
  /** Main endpoint keeps the stored status; /status changes only status. */
  statusSubresource: boolean;
  /** Called on create after defaults, before validation (e.g. reset status). */
  prepareForCreate?(obj: KubeObject): void;
  /** Called on update of the main endpoint (after status was carried over). */
  prepareForUpdate?(obj: KubeObject, old: KubeObject): void;
  /**
   * Called on an update of /status or another status-like subresource (/approval) after
   * the body's status was taken: which parts of it may change there (`now` is RFC 3339).
   */
  prepareForSubresourceUpdate?(subresource: string, obj: KubeObject, old: KubeObject, now: string): void;
  /** Graceful deletion (pods): how long to wait before the object may go. */
  gracefulDelete?(obj: KubeObject, ctx: DeleteContext): GracefulDecision;
  /**
   * Whether a change bumps generation, for kinds whose desired state is not a list of
   * top-level fields (custom resources: everything but metadata, and status when it is a
   * subresource). Without it, `specFields` decide.
   */
  specChanged?(next: KubeObject, current: KubeObject): boolean;
}

export const genericStrategy: Strategy = { specFields: ['spec'], statusSubresource: false };

const noSpec: Strategy = { specFields: [], statusSubresource: false };

const workloadStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForCreate(obj) {
    obj.status = {};
  },
};

// Status starts at zero (Go writes these four counters even when zero), then only the
// disruption controller and the eviction subresource write it, through /status.
const pdbStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForCreate(obj) {
    obj.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
};

// Go writes DaemonSetStatus's four counters even when zero; the controller fills the rest.
const daemonSetStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForCreate(obj) {
    obj.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
  },
};

// Status starts empty (Go writes desiredReplicas even when zero); the autoscaler writes it
// through /status.
const hpaStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForCreate(obj) {
    obj.status = { desiredReplicas: 0 };
  },
};

// Go writes StatefulSetStatus's replicas and availableReplicas even when zero.
const statefulSetStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForCreate(obj) {
    obj.status = { replicas: 0, availableReplicas: 0 };
  },
};

const podStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending' };
  },
  gracefulDelete(obj, ctx) {
    const spec = (obj.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    // A pod that never ran anywhere (or has finished) has nothing to stop: remove now,
    // as Kubernetes does.
    if (!spec.nodeName || phase === 'Succeeded' || phase === 'Failed') return { grace: 0 };
    const g = ctx.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    return { grace: Math.max(0, g) };
  },
};

const namespaceStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForCreate(obj) {
    obj.status = { phase: 'Active' };
    // The apiserver's namespace cleanup owns this finalizer (Kubernetes' namespace controller does).
    obj.spec = { ...(obj.spec as object | undefined), finalizers: ['kubernetes'] };
  },
  prepareForUpdate(obj, old) {
    // spec.finalizers only change through the cleanup (Kubernetes: the /finalize subresource).
    obj.spec = old.spec;
  },
};

const nodeStrategy: Strategy = {
  // Agents register their Node with its status (capacity) in one create, as kubelets do.
  specFields: ['spec'],
  statusSubresource: true,
};

const serviceStrategy: Strategy = {
  specFields: ['spec'],
  statusSubresource: true,
  prepareForUpdate: prepareServiceUpdate,
};

const webhookConfigStrategy: Strategy = { specFields: ['webhooks'], statusSubresource: false };

const STRATEGIES: Record<string, Strategy> = {
  pods: podStrategy,
  deployments: workloadStrategy,
  replicasets: workloadStrategy,
  daemonsets: daemonSetStrategy,
  statefulsets: statefulSetStrategy,
  // A snapshot with no spec/status split: no generation (as Kubernetes).
  controllerrevisions: noSpec,
  namespaces: namespaceStrategy,
  nodes: nodeStrategy,
  services: serviceStrategy,
  configmaps: noSpec,
  secrets: noSpec,
  serviceaccounts: noSpec,
  endpoints: noSpec,
  events: noSpec,
  leases: genericStrategy,
  // Like Endpoints: the whole object is data the controller rewrites, no spec/status split.
  endpointslices: noSpec,
  poddisruptionbudgets: pdbStrategy,
  horizontalpodautoscalers: hpaStrategy,
  // RBAC objects are rules and references, no spec: no generation (as Kubernetes).
  roles: noSpec,
  clusterroles: noSpec,
  rolebindings: noSpec,
  clusterrolebindings: noSpec,
  certificatesigningrequests: csrStrategy,
  jobs: jobStrategy,
  cronjobs: cronJobStrategy,
  persistentvolumes: persistentVolumeStrategy,
  persistentvolumeclaims: persistentVolumeClaimStrategy,
  storageclasses: storageClassStrategy,
  customresourcedefinitions: crdStrategy,
  // Generation follows the webhooks list (Kubernetes' webhook configuration strategy).
  validatingwebhookconfigurations: webhookConfigStrategy,
  mutatingwebhookconfigurations: webhookConfigStrategy,
};

export function strategyFor(resource: Pick<ResourceInfo, 'plural'> & { custom?: ResourceInfo['custom'] }): Strategy {
  if (resource.custom) return customResourceStrategy(resource.custom);
  return STRATEGIES[resource.plural] ?? genericStrategy;
}
