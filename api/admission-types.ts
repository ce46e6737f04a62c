// admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration and
// MutatingWebhookConfiguration, and admission.k8s.io/v1 AdmissionReview (what the
// apiserver sends a webhook and what it answers). Field names are Kubernetes' own.

import type { LabelSelector, ObjectMeta } from './types.js';
import type { Status } from './errors.js';

export type WebhookOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT' | '*';

export interface RuleWithOperations {
  operations?: WebhookOperation[];
  apiGroups?: string[];
  apiVersions?: string[];
  /** 'pods', 'pods/status', 'pods/*', '*', '*\/status'. */
  resources?: string[];
  /** Cluster, Namespaced or * (default *). */
  scope?: 'Cluster' | 'Namespaced' | '*';
}

export interface ServiceReference {
  namespace: string;
  name: string;
  path?: string;
  port?: number;
}

export interface WebhookClientConfig {
  url?: string;
  service?: ServiceReference;
  /** PEM CA bundle, base64 in JSON. */
  caBundle?: string;
}

export interface MatchCondition {
  name: string;
  expression: string;
}

/** The fields Validating and Mutating webhooks share. */
export interface Webhook {
  name: string;
  clientConfig: WebhookClientConfig;
  rules?: RuleWithOperations[];
  failurePolicy?: 'Fail' | 'Ignore';
  matchPolicy?: 'Exact' | 'Equivalent';
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
  sideEffects: 'None' | 'NoneOnDryRun' | 'Some' | 'Unknown';
  timeoutSeconds?: number;
  admissionReviewVersions: string[];
  matchConditions?: MatchCondition[];
}

export interface MutatingWebhook extends Webhook {
  reinvocationPolicy?: 'Never' | 'IfNeeded';
}

export interface WebhookConfiguration<W extends Webhook = Webhook> {
  apiVersion: 'admissionregistration.k8s.io/v1';
  kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration';
  metadata: ObjectMeta;
  webhooks?: W[];
}

export type ValidatingWebhookConfiguration = WebhookConfiguration<Webhook>;
export type MutatingWebhookConfiguration = WebhookConfiguration<MutatingWebhook>;

export interface GroupVersionKindRef {
  group: string;
  version: string;
  kind: string;
}

export interface GroupVersionResourceRef {
  group: string;
  version: string;
  resource: string;
}

export interface AdmissionRequest {
  uid: string;
  kind: GroupVersionKindRef;
  resource: GroupVersionResourceRef;
  subResource?: string;
  requestKind?: GroupVersionKindRef;
  requestResource?: GroupVersionResourceRef;
  requestSubResource?: string;
  name?: string;
  namespace?: string;
  operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
  userInfo: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> };
  object?: unknown;
  oldObject?: unknown;
  dryRun?: boolean;
  /** CreateOptions / UpdateOptions / DeleteOptions (meta.k8s.io/v1). */
  options?: unknown;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: Partial<Status>;
  /** base64 of a JSON Patch (RFC 6902). */
  patch?: string;
  patchType?: 'JSONPatch';
  auditAnnotations?: Record<string, string>;
  warnings?: string[];
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}
