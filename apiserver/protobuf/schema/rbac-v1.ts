// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 rbac/v1 (Role, ClusterRole,
// RoleBinding, ClusterRoleBinding): `kubectl create role|clusterrole|rolebinding|
// clusterrolebinding` sends these. Field names, numbers and types are those of upstream's
// generated.proto; the options in brackets are orch's, for the JSON shape (see
// ../schemas.ts): RoleRef's three fields and Subject's kind and name have no `omitempty`
// in types.go, so an empty value is kept.

export const RBAC_V1: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.rbac.v1;

message AggregationRule {
  repeated k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector clusterRoleSelectors = 1;
}

message ClusterRole {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  repeated PolicyRule rules = 2;
  optional AggregationRule aggregationRule = 3;
}

message ClusterRoleBinding {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  repeated Subject subjects = 2;
  optional RoleRef roleRef = 3;
}

message PolicyRule {
  repeated string verbs = 1;
  repeated string apiGroups = 2;
  repeated string resources = 3;
  repeated string resourceNames = 4;
  repeated string nonResourceURLs = 5;
}

message Role {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  repeated PolicyRule rules = 2;
}

message RoleBinding {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  repeated Subject subjects = 2;
  optional RoleRef roleRef = 3;
}

message RoleRef {
  optional string apiGroup = 1 [(keep_zero) = true];
  optional string kind = 2 [(keep_zero) = true];
  optional string name = 3 [(keep_zero) = true];
}

message Subject {
  optional string kind = 1 [(keep_zero) = true];
  optional string apiGroup = 2;
  optional string name = 3 [(keep_zero) = true];
  optional string namespace = 4;
}
`,
];
