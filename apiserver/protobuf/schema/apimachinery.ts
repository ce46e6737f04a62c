// Protobuf schema (proto2 text) of k8s.io/apimachinery v0.32.9: pkg/apis/meta/v1, pkg/runtime, pkg/util/intstr and pkg/api/resource.
// Field names, numbers and types are those of the upstream generated.proto; the options
// in brackets are orch's, for the JSON shape (see ../schemas.ts). No comments: the field
// documentation is upstream's (and `kubectl explain`).

export const APIMACHINERY: readonly string[] = [
`
syntax = "proto2";
package k8s.io.apimachinery.pkg.apis.meta.v1;

message Condition {
  optional string type = 1 [(keep_zero) = true];
  optional string status = 2 [(keep_zero) = true];
  optional int64 observedGeneration = 3;
  optional Time lastTransitionTime = 4;
  optional string reason = 5 [(keep_zero) = true];
  optional string message = 6 [(keep_zero) = true];
}

message DeleteOptions {
  optional int64 gracePeriodSeconds = 1 [(keep_zero) = true];
  optional Preconditions preconditions = 2;
  optional bool orphanDependents = 3 [(keep_zero) = true];
  optional string propagationPolicy = 4 [(keep_zero) = true];
  repeated string dryRun = 5;
  optional bool ignoreStoreReadErrorWithClusterBreakingPotential = 6 [(keep_zero) = true];
}

message FieldsV1 {
  optional bytes Raw = 1 [(json) = "-", (keep_zero) = true];
}

message LabelSelector {
  map<string, string> matchLabels = 1;
  repeated LabelSelectorRequirement matchExpressions = 2;
}

message LabelSelectorRequirement {
  optional string key = 1 [(keep_zero) = true];
  optional string operator = 2 [(keep_zero) = true];
  repeated string values = 3;
}

message ManagedFieldsEntry {
  optional string manager = 1;
  optional string operation = 2;
  optional string apiVersion = 3;
  optional Time time = 4;
  optional string fieldsType = 6;
  optional FieldsV1 fieldsV1 = 7;
  optional string subresource = 8;
}

message MicroTime {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}

message ObjectMeta {
  optional string name = 1;
  optional string generateName = 2;
  optional string namespace = 3;
  optional string selfLink = 4;
  optional string uid = 5;
  optional string resourceVersion = 6;
  optional int64 generation = 7;
  optional Time creationTimestamp = 8;
  optional Time deletionTimestamp = 9;
  optional int64 deletionGracePeriodSeconds = 10 [(keep_zero) = true];
  map<string, string> labels = 11;
  map<string, string> annotations = 12;
  repeated OwnerReference ownerReferences = 13;
  repeated string finalizers = 14;
  repeated ManagedFieldsEntry managedFields = 17;
}

message OwnerReference {
  optional string apiVersion = 5 [(keep_zero) = true];
  optional string kind = 1 [(keep_zero) = true];
  optional string name = 3 [(keep_zero) = true];
  optional string uid = 4 [(keep_zero) = true];
  optional bool controller = 6 [(keep_zero) = true];
  optional bool blockOwnerDeletion = 7 [(keep_zero) = true];
}

message Preconditions {
  optional string uid = 1 [(keep_zero) = true];
  optional string resourceVersion = 2 [(keep_zero) = true];
}

message Time {
  optional int64 seconds = 1;
  optional int32 nanos = 2;
}
`,
`
syntax = "proto2";
package k8s.io.apimachinery.pkg.runtime;

message RawExtension {
  optional bytes raw = 1;
}

message TypeMeta {
  optional string apiVersion = 1;
  optional string kind = 2;
}

message Unknown {
  optional TypeMeta typeMeta = 1 [(inline) = true];
  optional bytes raw = 2 [(json) = "-", (keep_zero) = true];
  optional string contentEncoding = 3;
  optional string contentType = 4;
}
`,
`
syntax = "proto2";
package k8s.io.apimachinery.pkg.util.intstr;

message IntOrString {
  optional int64 type = 1;
  optional int32 intVal = 2;
  optional string strVal = 3;
}
`,
`
syntax = "proto2";
package k8s.io.apimachinery.pkg.api.resource;

message Quantity {
  optional string string = 1;
}
`,
];
