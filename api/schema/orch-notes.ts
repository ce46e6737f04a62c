// orch's own words in the schema, where upstream's first sentence would say less than a
// reader needs or something orch does not do. Keyed like upstream-notes.ts; a field's
// notes here replace upstream's for the keys they set.

import { DAEMONSET_NOTES } from './daemonset-notes.js';
import { STATEFULSET_NOTES } from './statefulset-notes.js';
import type { UpstreamNotes } from './notes.js';
import { BATCH_NOTES } from './batch-notes.js';
import { ADMISSION_NOTES } from './admission-notes.js';

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';

export const ORCH_NOTES: UpstreamNotes = {
  ...DAEMONSET_NOTES,
  ...STATEFULSET_NOTES,
  ...BATCH_NOTES,
  ...ADMISSION_NOTES,
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
  // certificates.k8s.io/v1, from upstream's doc comments (scripts/openapi-notes.mjs predates
  // the kind). Conditions merge by type in a strategic merge patch, as every conditions list
  // in orch (upstream replaces this one whole); kubectl approves through PUT /approval.
  'io.k8s.api.certificates.v1.CertificateSigningRequest': {
    d: 'CertificateSigningRequest objects provide a mechanism to obtain x509 certificates by submitting a certificate signing request, and having it asynchronously approved and issued.',
    f: {
      metadata: { d: "Standard object's metadata." },
      spec: { d: 'spec contains the certificate request, and is immutable after creation.', required: true },
      status: { d: 'status contains information about whether the request is approved or denied, and the certificate issued by the signer, or the failure condition indicating signer failure.' },
    },
  },
  'io.k8s.api.certificates.v1.CertificateSigningRequestList': {
    d: 'CertificateSigningRequestList is a collection of CertificateSigningRequest objects',
    f: { metadata: { d: 'Standard list metadata.' }, items: { d: 'items is a collection of CertificateSigningRequest objects', required: true } },
  },
  'io.k8s.api.certificates.v1.CertificateSigningRequestSpec': {
    d: 'CertificateSigningRequestSpec contains the certificate request.',
    f: {
      request: { d: 'request contains an x509 certificate signing request encoded in a "CERTIFICATE REQUEST" PEM block (base64 in JSON and YAML).', required: true, listType: 'atomic' },
      signerName: { d: 'signerName indicates the requested signer, and is a qualified name (orch signs kubernetes.io/kube-apiserver-client-kubelet and kubernetes.io/kube-apiserver-client).', required: true },
      expirationSeconds: { d: 'expirationSeconds is the requested duration of validity of the issued certificate, at least 600; the signer caps it at --cluster-signing-duration.' },
      usages: { d: 'usages specifies a set of key usages requested in the issued certificate.', listType: 'atomic' },
      username: { d: 'username contains the name of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.' },
      uid: { d: 'uid contains the uid of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.' },
      groups: { d: 'groups contains group membership of the user that created the CertificateSigningRequest. Populated by the API server on creation and immutable.', listType: 'atomic' },
    },
  },
  'io.k8s.api.certificates.v1.CertificateSigningRequestStatus': {
    d: 'CertificateSigningRequestStatus contains conditions used to indicate approved/denied/failed status of the request, and the issued certificate.',
    f: {
      conditions: { d: 'conditions applied to the request. Known conditions are "Approved", "Denied", and "Failed".', listType: 'map', listMapKeys: ['type'], patchStrategy: 'merge', patchMergeKey: 'type' },
      certificate: { d: 'certificate is populated with an issued certificate by the signer after an Approved condition is present (PEM, base64 in JSON and YAML).', listType: 'atomic' },
    },
  },
  'io.k8s.api.certificates.v1.CertificateSigningRequestCondition': {
    d: 'CertificateSigningRequestCondition describes a condition of a CertificateSigningRequest object.',
    f: {
      type: { d: 'type of the condition. Known conditions are "Approved", "Denied", and "Failed".', required: true },
      status: { d: 'status of the condition, one of True, False, Unknown. Approved, Denied, and Failed conditions may not be "False" or "Unknown".', required: true },
      reason: { d: 'reason indicates a brief reason for the request state' },
      message: { d: 'message contains a human readable message with details about the request state' },
      lastUpdateTime: { d: 'lastUpdateTime is the time of the last update to this condition' },
      lastTransitionTime: { d: 'lastTransitionTime is the time the condition last transitioned from one status to another.' },
    },
  },
};
