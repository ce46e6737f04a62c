// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 core/v1 ServiceAccount.
// Field names, numbers and types are those of the upstream generated.proto; the options
// in brackets are orch's, for the JSON shape (see ../schemas.ts).

export const CORE_V1_SERVICEACCOUNT: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.core.v1;

message ServiceAccount {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  repeated ObjectReference secrets = 2;
  repeated LocalObjectReference imagePullSecrets = 3;
  optional bool automountServiceAccountToken = 4 [(keep_zero) = true];
}
`,
];
