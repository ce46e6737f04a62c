// Kubernetes' NodeRestriction admission for what a node writes into its own Node (the
// authorizer, node-rules.ts, already keeps it to its own): a node may not
//   - set, change or remove labels under node-restriction.kubernetes.io/ (the prefix
//     admins use to steer workloads to nodes they trust), nor other kubernetes.io /
//     k8s.io labels outside the kubelet's own set (hostname, os, arch, instance type,
//     zone and region, and anything under kubelet.kubernetes.io/ or node.kubernetes.io/);
//   - change spec.taints once the Node exists (it could let itself receive pods meant
//     for others); taints given at registration are allowed, as for the kubelet.
// (spec.podCIDR / podCIDRs cannot be re-pointed by anyone once set: validation's 422,
// api/strategies; a standalone agent may still fill in an empty one.)
// Called with the stored Node (undefined on create) and the one about to be stored,
// inside the write's compare-and-swap (registry/store.ts WriteOpts.admit).

import { errors, type ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';

const KUBELET_LABELS = new Set([
  'kubernetes.io/hostname',
  'kubernetes.io/arch',
  'kubernetes.io/os',
  'beta.kubernetes.io/arch',
  'beta.kubernetes.io/os',
  'beta.kubernetes.io/instance-type',
  'node.kubernetes.io/instance-type',
  'failure-domain.beta.kubernetes.io/region',
  'failure-domain.beta.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
]);
const KUBELET_LABEL_NAMESPACES = ['kubelet.kubernetes.io', 'node.kubernetes.io'];

const inDomain = (domain: string, parent: string) => domain === parent || domain.endsWith('.' + parent);

/** A label key a node may not set on its own Node. */
export function isForbiddenNodeLabel(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const domain = key.slice(0, slash).toLowerCase();
  if (inDomain(domain, 'node-restriction.kubernetes.io')) return true;
  if (!inDomain(domain, 'kubernetes.io') && !inDomain(domain, 'k8s.io')) return false;
  if (KUBELET_LABELS.has(key)) return false;
  return !KUBELET_LABEL_NAMESPACES.some((ns) => inDomain(domain, ns));
}

type NodeSpec = { taints?: unknown[] };

function forbidden(node: string, what: string): ApiError {
  return errors.forbidden(`node "${node}" is not allowed to ${what} (NodeRestriction)`);
}

/** Throws 403 when node `nodeName` may not turn `current` into `next`. */
export function admitNodeWrite(nodeName: string, current: KubeObject | undefined, next: KubeObject): void {
  const before = current?.metadata.labels ?? {};
  const after = next.metadata.labels ?? {};
  const changed = new Set<string>();
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) if (before[k] !== after[k]) changed.add(k);
  const bad = [...changed].filter(isForbiddenNodeLabel).sort();
  if (bad.length) throw forbidden(nodeName, `${current ? 'modify' : 'set'} labels: ${bad.join(', ')}`);
  if (!current) return;
  const was = (current.spec ?? {}) as NodeSpec;
  const is = (next.spec ?? {}) as NodeSpec;
  if (JSON.stringify(was.taints ?? []) !== JSON.stringify(is.taints ?? [])) throw forbidden(nodeName, 'modify taints');
}
