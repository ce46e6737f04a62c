// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 admissionregistration.k8s.io/v1
// (ValidatingWebhookConfiguration, MutatingWebhookConfiguration), as kubectl and client-go
// send them. Field names, numbers and types are those of the upstream generated.proto
// (its `Webhooks` field is named by its JSON name here: only the number is on the wire);
// the options in brackets are orch's, for the JSON shape (see ../schemas.ts).

export const ADMISSIONREGISTRATION_V1: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.admissionregistration.v1;

message MatchCondition {
  optional string name = 1 [(keep_zero) = true];
  optional string expression = 2 [(keep_zero) = true];
}

message Rule {
  repeated string apiGroups = 1;
  repeated string apiVersions = 2;
  repeated string resources = 3;
  optional string scope = 4 [(keep_zero) = true];
}

message RuleWithOperations {
  repeated string operations = 1;
  optional Rule rule = 2 [(inline) = true];
}

message ServiceReference {
  optional string namespace = 1 [(keep_zero) = true];
  optional string name = 2 [(keep_zero) = true];
  optional string path = 3 [(keep_zero) = true];
  optional int32 port = 4 [(keep_zero) = true];
}

message WebhookClientConfig {
  optional string url = 3 [(keep_zero) = true];
  optional ServiceReference service = 1;
  optional bytes caBundle = 2;
}

message ValidatingWebhook {
  optional string name = 1 [(keep_zero) = true];
  optional WebhookClientConfig clientConfig = 2;
  repeated RuleWithOperations rules = 3;
  optional string failurePolicy = 4 [(keep_zero) = true];
  optional string matchPolicy = 9 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector namespaceSelector = 5;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector objectSelector = 10;
  optional string sideEffects = 6 [(keep_zero) = true];
  optional int32 timeoutSeconds = 7 [(keep_zero) = true];
  repeated string admissionReviewVersions = 8;
  repeated MatchCondition matchConditions = 11;
}

message MutatingWebhook {
  optional string name = 1 [(keep_zero) = true];
  optional WebhookClientConfig clientConfig = 2;
  repeated RuleWithOperations rules = 3;
  optional string failurePolicy = 4 [(keep_zero) = true];
  optional string matchPolicy = 9 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector namespaceSelector = 5;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector objectSelector = 11;
  optional string sideEffects = 6 [(keep_zero) = true];
  optional int32 timeoutSeconds = 7 [(keep_zero) = true];
  repeated string admissionReviewVersions = 8;
  optional string reinvocationPolicy = 10 [(keep_zero) = true];
  repeated MatchCondition matchConditions = 12;
}

message ValidatingWebhookConfiguration {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  repeated ValidatingWebhook webhooks = 2;
}

message MutatingWebhookConfiguration {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  repeated MutatingWebhook webhooks = 2;
}
`,
];
