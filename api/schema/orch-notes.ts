// orch's own words in the schema, where upstream's first sentence would say less than a
// reader needs or something orch does not do. Keyed like upstream-notes.ts; a field's
// notes here replace upstream's for the keys they set.

import type { UpstreamNotes } from './notes.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

export const ORCH_NOTES: UpstreamNotes = {
  [`${META}.Time`]: { d: 'A point in time, serialized as an RFC 3339 string in UTC to the second ("2024-01-02T15:04:05Z").' },
  [`${META}.MicroTime`]: { d: 'A point in time with microseconds, serialized as an RFC 3339 string ("2024-01-02T15:04:05.000000Z").' },
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': {
    d: 'An integer or a string: a port number or a port name, a number of pods or a percentage ("25%").',
  },
  'io.k8s.apimachinery.pkg.api.resource.Quantity': {
    d: 'A fixed-point number with an optional suffix: binary (Ki, Mi, Gi, ...), decimal (k, M, G, ...) or m for thousandths ("500m" CPU, "128Mi" memory). Written as a string or a number.',
  },
  'io.k8s.apimachinery.pkg.runtime.RawExtension': { d: 'Any JSON object, stored as sent.' },
  [`${META}.FieldsV1`]: { d: 'The set of fields a manager owns, in the trie format of server-side apply.' },
  [`${META}.ObjectMeta`]: {
    d: 'Metadata every persisted object has: name, namespace, labels, annotations, owners, finalizers and the server-set uid, resourceVersion, generation and timestamps.',
  },
  [`${META}.ListMeta`]: { d: 'Metadata of a list: the resourceVersion it was read at and the continue token of a paged list.' },
  // Upstream's comment for these two is only a link.
  'io.k8s.api.core.v1.ConfigMapList': { f: { metadata: { d: "Standard list metadata." } } },
  'io.k8s.api.coordination.v1.Lease': { f: { metadata: { d: "Standard object's metadata." } } },
};
