// Create-only kinds that are answered, not stored (Kubernetes' "virtual" resources:
// SelfSubjectAccessReview, TokenReview, ...): a POST is validated and answered with the
// status filled in, and nothing reaches etcd. They are kept out of api/resources.ts on
// purpose: everything that walks RESOURCES (storage keys, namespace cleanup, OpenAPI,
// the CLI's type names, `get all`) is about stored kinds. Routing, discovery and protobuf
// bodies ask this table as well, so discovery lists them with verbs [create], every other
// verb is 405 and kubectl can POST them as protobuf. The answers: reviews/serve.ts.

// The read-only metrics.k8s.io kinds are listed here too (metrics-api/metrics-resources.ts):
// not stored either, and answered by metrics-api/serve.ts.

import { parseApiVersion, type ResourceInfo } from '../../api/resources.js';
import { METRICS_RESOURCES } from '../metrics-api/metrics-resources.js';

function virtual(group: string, kind: string, plural: string, namespaced = false): ResourceInfo {
  return { group, version: 'v1', kind, listKind: `${kind}List`, plural, singular: plural.replace(/s$/, ''), namespaced, shortNames: [], verbs: ['create'], subresources: [] };
}

const AUTHZ = 'authorization.k8s.io';
const AUTHN = 'authentication.k8s.io';

export const VIRTUAL_RESOURCES: readonly ResourceInfo[] = [
  virtual(AUTHN, 'SelfSubjectReview', 'selfsubjectreviews'),
  virtual(AUTHN, 'TokenReview', 'tokenreviews'),
  virtual(AUTHZ, 'LocalSubjectAccessReview', 'localsubjectaccessreviews', true),
  virtual(AUTHZ, 'SelfSubjectAccessReview', 'selfsubjectaccessreviews'),
  virtual(AUTHZ, 'SelfSubjectRulesReview', 'selfsubjectrulesreviews'),
  virtual(AUTHZ, 'SubjectAccessReview', 'subjectaccessreviews'),
  ...METRICS_RESOURCES,
];

const VIRTUAL = new Set(VIRTUAL_RESOURCES);

export function isVirtual(r: ResourceInfo): boolean {
  return VIRTUAL.has(r);
}

export function findVirtualResource(group: string, version: string, plural: string): ResourceInfo | undefined {
  return VIRTUAL_RESOURCES.find((r) => r.group === group && r.version === version && r.plural === plural);
}

/** The virtual kind for an apiVersion and kind (protobuf bodies name their kind). */
export function virtualKind(apiVersion: string, kind: string): ResourceInfo | undefined {
  const { group, version } = parseApiVersion(apiVersion);
  return VIRTUAL_RESOURCES.find((r) => r.group === group && r.version === version && r.kind === kind);
}
