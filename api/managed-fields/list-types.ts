// How server-side apply treats each list of the kinds orch serves: atomic (owned and
// replaced whole — the default, as in Kubernetes), a set of scalars, or a map whose
// elements are identified by key fields. These are upstream's `x-kubernetes-list-type` /
// `x-kubernetes-list-map-keys` (or, where upstream only gives a patch merge key, a map by
// that key, as structured-merge-diff reads it), by the path of field names leading to
// the list (list elements are not part of the path). Matched by suffix, longest first,
// so a Deployment's pod template finds the same answers as a Pod.

export type ListType = { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: string[] };

const ATOMIC: ListType = { type: 'atomic' };
const SET: ListType = { type: 'set' };
const map = (...keys: string[]): ListType => ({ type: 'map', keys });

/** Suffixes of the field path (dot-joined) → list type. */
const BY_SUFFIX: [string, ListType][] = [
  // Pods (and pod templates)
  ['containers.ports', map('containerPort', 'protocol')],
  ['initContainers.ports', map('containerPort', 'protocol')],
  ['ephemeralContainers.ports', map('containerPort', 'protocol')],
  ['containers', map('name')],
  ['initContainers', map('name')],
  ['ephemeralContainers', map('name')],
  ['env', map('name')],
  ['volumeMounts', map('mountPath')],
  ['volumeDevices', map('devicePath')],
  ['volumes', map('name')],
  ['imagePullSecrets', map('name')],
  ['hostAliases', map('ip')],
  ['topologySpreadConstraints', map('topologyKey', 'whenUnsatisfiable')],
  ['schedulingGates', map('name')],
  ['resourceClaims', map('name')],
  ['status.podIPs', map('ip')],
  // Services
  ['spec.ports', map('port', 'protocol')],
  // Nodes
  ['spec.podCIDRs', SET],
  ['status.addresses', map('type')],
  // EndpointSlices
  ['endpoints.addresses', SET],
  // Every kind
  ['conditions', map('type')],
  ['metadata.finalizers', SET],
  ['metadata.ownerReferences', map('uid')],
];

/** Defaults of key fields an element may leave out (upstream's schema defaults). */
export const KEY_DEFAULTS: Record<string, unknown> = { protocol: 'TCP' };

export function listTypeAt(fieldPath: readonly string[]): ListType {
  const joined = fieldPath.join('.');
  for (const [suffix, t] of BY_SUFFIX) {
    if (joined === suffix || joined.endsWith(`.${suffix}`)) return t;
  }
  return ATOMIC;
}
