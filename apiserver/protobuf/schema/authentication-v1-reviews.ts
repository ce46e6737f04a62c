// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 authentication/v1: SelfSubjectReview (`kubectl auth whoami`), TokenReview, and the UserInfo / ExtraValue they use.
// Field names, numbers and types are those of the upstream generated.proto; the options
// in brackets are orch's, for the JSON shape (see ../schemas.ts). TokenRequest, of the
// same package, is not here (service accounts). ExtraValue is a list in JSON
// (protobuf/to-json.ts). No comments: the field documentation is upstream's.

export const AUTHENTICATION_V1_REVIEWS: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.authentication.v1;

message ExtraValue {
  repeated string items = 1;
}

message SelfSubjectReview {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional SelfSubjectReviewStatus status = 2;
}

message SelfSubjectReviewStatus {
  optional UserInfo userInfo = 1;
}

message TokenReview {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional TokenReviewSpec spec = 2;
  optional TokenReviewStatus status = 3;
}

message TokenReviewSpec {
  optional string token = 1;
  repeated string audiences = 2;
}

message TokenReviewStatus {
  optional bool authenticated = 1;
  optional UserInfo user = 2;
  repeated string audiences = 4;
  optional string error = 3;
}

message UserInfo {
  optional string username = 1;
  optional string uid = 2;
  repeated string groups = 3;
  map<string, ExtraValue> extra = 4;
}
`,
];
