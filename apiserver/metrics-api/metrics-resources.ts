// The two read-only kinds of metrics.k8s.io/v1beta1 (PodMetrics namespaced, NodeMetrics
// cluster-scoped), served from memory (metrics-store.ts), never stored. They sit with the
// virtual kinds (registry/virtual-kinds.ts) so that routing, discovery and the RBAC
// bootstrap see them, and stay out of api/resources.ts, whose kinds all live in etcd.

import { METRICS_GROUP, METRICS_VERSION } from '../../api/metrics-types.js';
import type { ResourceInfo } from '../../api/resources.js';

const metricsKind = (kind: string, plural: string, namespaced: boolean): ResourceInfo => ({
  group: METRICS_GROUP,
  version: METRICS_VERSION,
  kind,
  listKind: `${kind}List`,
  plural,
  singular: '',
  namespaced,
  shortNames: [],
  verbs: ['get', 'list'],
  subresources: [],
});

export const POD_METRICS = metricsKind('PodMetrics', 'pods', true);
export const NODE_METRICS = metricsKind('NodeMetrics', 'nodes', false);
export const METRICS_RESOURCES: readonly ResourceInfo[] = [NODE_METRICS, POD_METRICS];

export function isMetricsResource(r: ResourceInfo): boolean {
  return r === POD_METRICS || r === NODE_METRICS;
}
