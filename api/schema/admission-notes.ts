// Schema words for admissionregistration.k8s.io/v1 webhook configurations, after
// upstream's doc comments (scripts/openapi-notes.mjs predates these kinds), with what
// orch does differently: matchConditions are refused, only AdmissionReview v1 is sent.

import type { FieldNotes, UpstreamNotes } from './notes.js';

const P = 'io.k8s.api.admissionregistration.v1';

const WEBHOOK_FIELDS: Record<string, FieldNotes> = {
  name: { d: 'The name of the admission webhook, fully qualified (at least three dot-separated segments, e.g. "imagepolicy.example.com"); unique within its configuration.', required: true },
  clientConfig: { d: 'Defines how to communicate with the hook: exactly one of url (https) or service, and the caBundle its serving certificate is checked against.', required: true },
  rules: { d: 'Describes what operations on what resources/subresources the webhook cares about. The webhook cares about an operation if it matches any rule.', listType: 'atomic' },
  failurePolicy: { d: 'How errors calling the webhook are handled (unreachable, timed out, a malformed answer): Fail refuses the request, Ignore lets it through. Defaults to Fail.' },
  matchPolicy: { d: 'How the rules match requests: Exact, or Equivalent (a request to another version of the same resource matches too). Defaults to Equivalent.' },
  namespaceSelector: { d: "Decides whether to run the webhook on an object based on whether the namespace for that object matches the selector; a Namespace itself is matched on its own labels. Defaults to the empty selector, which matches everything." },
  objectSelector: { d: "Decides whether to run the webhook based on the object's labels (the new object's, or on update and delete the old object's too). Defaults to the empty selector, which matches everything." },
  sideEffects: { d: 'Whether the webhook has side effects: None or NoneOnDryRun. Requests with dryRun=true are only sent to webhooks without side effects on dry run.', required: true },
  timeoutSeconds: { d: 'How long the apiserver waits for the webhook, 1 to 30 seconds; after it the call fails and failurePolicy decides. Defaults to 10.' },
  admissionReviewVersions: { d: 'The AdmissionReview versions the webhook accepts, in order of preference; must include v1, the only version orch sends.', required: true, listType: 'atomic' },
  matchConditions: { d: 'CEL conditions a request must meet to be sent to the webhook. Not supported by orch: a configuration with matchConditions is refused.', listType: 'map', listMapKeys: ['name'] },
};

export const ADMISSION_NOTES: UpstreamNotes = {
  [`${P}.ValidatingWebhookConfiguration`]: {
    d: 'ValidatingWebhookConfiguration describes the configuration of admission webhooks that accept or reject an object without changing it.',
    f: { metadata: { d: "Standard object metadata." }, webhooks: { d: 'Webhooks is a list of webhooks and the affected resources and operations.', listType: 'map', listMapKeys: ['name'] } },
  },
  [`${P}.ValidatingWebhookConfigurationList`]: {
    d: 'ValidatingWebhookConfigurationList is a list of ValidatingWebhookConfiguration.',
    f: { metadata: { d: 'Standard list metadata.' }, items: { d: 'List of ValidatingWebhookConfiguration.', required: true } },
  },
  [`${P}.MutatingWebhookConfiguration`]: {
    d: 'MutatingWebhookConfiguration describes the configuration of admission webhooks that accept or reject and may change an object.',
    f: { metadata: { d: "Standard object metadata." }, webhooks: { d: 'Webhooks is a list of webhooks and the affected resources and operations.', listType: 'map', listMapKeys: ['name'] } },
  },
  [`${P}.MutatingWebhookConfigurationList`]: {
    d: 'MutatingWebhookConfigurationList is a list of MutatingWebhookConfiguration.',
    f: { metadata: { d: 'Standard list metadata.' }, items: { d: 'List of MutatingWebhookConfiguration.', required: true } },
  },
  [`${P}.ValidatingWebhook`]: { d: 'ValidatingWebhook describes an admission webhook and the resources and operations it applies to.', f: WEBHOOK_FIELDS },
  [`${P}.MutatingWebhook`]: {
    d: 'MutatingWebhook describes an admission webhook and the resources and operations it applies to.',
    f: {
      ...WEBHOOK_FIELDS,
      reinvocationPolicy: { d: 'Never, or IfNeeded: the webhook is called once more if a later mutating webhook changed the object after it ran. Defaults to Never.' },
    },
  },
  [`${P}.MatchCondition`]: {
    d: 'MatchCondition represents a condition which must be fulfilled for a request to be sent to a webhook (not supported by orch).',
    f: { name: { d: 'An identifier for this match condition.', required: true }, expression: { d: 'The CEL expression.', required: true } },
  },
  [`${P}.RuleWithOperations`]: {
    d: 'RuleWithOperations is a tuple of Operations and Resources.',
    f: {
      operations: { d: 'The operations the admission hook cares about: CREATE, UPDATE, DELETE, CONNECT or * for all of them.', listType: 'atomic' },
      apiGroups: { d: 'The API groups the resources belong to; "" is the core group, * is all groups.', listType: 'atomic' },
      apiVersions: { d: 'The API versions the resources belong to; * is all versions.', listType: 'atomic' },
      resources: { d: 'The resources this rule applies to: "pods", "pods/status" for a subresource, "pods/*", "*/status", "*" for all resources (not subresources), "*/*" for everything.', listType: 'atomic' },
      scope: { d: 'The scope of this rule: Cluster, Namespaced or *. Defaults to *.' },
    },
  },
  [`${P}.Rule`]: {
    d: 'Rule is a tuple of APIGroups, APIVersion, and Resources.',
    f: {
      apiGroups: { d: 'The API groups the resources belong to.', listType: 'atomic' },
      apiVersions: { d: 'The API versions the resources belong to.', listType: 'atomic' },
      resources: { d: 'The resources this rule applies to.', listType: 'atomic' },
      scope: { d: 'The scope of this rule: Cluster, Namespaced or *.' },
    },
  },
  [`${P}.WebhookClientConfig`]: {
    d: 'WebhookClientConfig contains the information to make a TLS connection with the webhook.',
    f: {
      url: { d: 'The location of the webhook as https://host[:port]/path (no user, query or fragment). Exactly one of url or service.' },
      service: { d: "A reference to the Service of the webhook: orch calls the Service's cluster IP. Exactly one of url or service." },
      caBundle: { d: "A PEM encoded CA bundle (base64 in JSON) which is used to validate the webhook's server certificate. Empty: the apiserver's system trust roots." },
    },
  },
  [`${P}.ServiceReference`]: {
    d: 'ServiceReference holds a reference to a Service.',
    f: {
      namespace: { d: 'The namespace of the service.', required: true },
      name: { d: 'The name of the service.', required: true },
      path: { d: 'An optional URL path which will be sent in any request to this service.' },
      port: { d: 'The port on the service hosting the webhook, 1-65535. Defaults to 443.' },
    },
  },
};
