// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 authorization/v1: SelfSubjectAccessReview, SubjectAccessReview, LocalSubjectAccessReview, SelfSubjectRulesReview (what `kubectl auth can-i` sends).
// Field names, numbers and types are those of the upstream generated.proto; the options
// in brackets are orch's, for the JSON shape (see ../schemas.ts). ResourceAttributes'
// fieldSelector (8) and labelSelector (9) are left out: orch's authorizers do not use
// them, so a body that sets them is refused (400) rather than answered as if they held.
// ExtraValue is a list in JSON (protobuf/to-json.ts). No comments: the field
// documentation is upstream's.

export const AUTHORIZATION_V1: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.authorization.v1;

message ExtraValue {
  repeated string items = 1;
}

message LocalSubjectAccessReview {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional SubjectAccessReviewSpec spec = 2;
  optional SubjectAccessReviewStatus status = 3;
}

message NonResourceAttributes {
  optional string path = 1;
  optional string verb = 2;
}

message NonResourceRule {
  repeated string verbs = 1;
  repeated string nonResourceURLs = 2;
}

message ResourceAttributes {
  optional string namespace = 1;
  optional string verb = 2;
  optional string group = 3;
  optional string version = 4;
  optional string resource = 5;
  optional string subresource = 6;
  optional string name = 7;
}

message ResourceRule {
  repeated string verbs = 1;
  repeated string apiGroups = 2;
  repeated string resources = 3;
  repeated string resourceNames = 4;
}

message SelfSubjectAccessReview {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional SelfSubjectAccessReviewSpec spec = 2;
  optional SubjectAccessReviewStatus status = 3;
}

message SelfSubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1;
  optional NonResourceAttributes nonResourceAttributes = 2;
}

message SelfSubjectRulesReview {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional SelfSubjectRulesReviewSpec spec = 2;
  optional SubjectRulesReviewStatus status = 3;
}

message SelfSubjectRulesReviewSpec {
  optional string namespace = 1;
}

message SubjectAccessReview {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional SubjectAccessReviewSpec spec = 2;
  optional SubjectAccessReviewStatus status = 3;
}

message SubjectAccessReviewSpec {
  optional ResourceAttributes resourceAttributes = 1;
  optional NonResourceAttributes nonResourceAttributes = 2;
  optional string user = 3;
  repeated string groups = 4;
  map<string, ExtraValue> extra = 5;
  optional string uid = 6;
}

message SubjectAccessReviewStatus {
  optional bool allowed = 1 [(keep_zero) = true];
  optional bool denied = 4;
  optional string reason = 2;
  optional string evaluationError = 3;
}

message SubjectRulesReviewStatus {
  repeated ResourceRule resourceRules = 1;
  repeated NonResourceRule nonResourceRules = 2;
  optional bool incomplete = 3 [(keep_zero) = true];
  optional string evaluationError = 4;
}
`,
];
