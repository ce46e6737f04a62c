// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 apps/v1 StatefulSet. Field names,
// numbers and types are those of the upstream generated.proto; the options in brackets
// are orch's, for the JSON shape (see ../schemas.ts).

export const APPS_V1_STATEFULSET: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.apps.v1;

message StatefulSet {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional StatefulSetSpec spec = 2;
  optional StatefulSetStatus status = 3;
}

message StatefulSetCondition {
  optional string type = 1 [(keep_zero) = true];
  optional string status = 2 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
}

message StatefulSetOrdinals {
  optional int32 start = 1 [(keep_zero) = true];
}

message StatefulSetPersistentVolumeClaimRetentionPolicy {
  optional string whenDeleted = 1;
  optional string whenScaled = 2;
}

message StatefulSetSpec {
  optional int32 replicas = 1 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 2;
  optional k8s.io.api.core.v1.PodTemplateSpec template = 3;
  repeated k8s.io.api.core.v1.PersistentVolumeClaim volumeClaimTemplates = 4;
  optional string serviceName = 5;
  optional string podManagementPolicy = 6;
  optional StatefulSetUpdateStrategy updateStrategy = 7;
  optional int32 revisionHistoryLimit = 8 [(keep_zero) = true];
  optional int32 minReadySeconds = 9;
  optional StatefulSetPersistentVolumeClaimRetentionPolicy persistentVolumeClaimRetentionPolicy = 10;
  optional StatefulSetOrdinals ordinals = 11;
}

message StatefulSetStatus {
  optional int64 observedGeneration = 1;
  optional int32 replicas = 2 [(keep_zero) = true];
  optional int32 readyReplicas = 3;
  optional int32 currentReplicas = 4;
  optional int32 updatedReplicas = 5;
  optional string currentRevision = 6;
  optional string updateRevision = 7;
  optional int32 collisionCount = 9 [(keep_zero) = true];
  repeated StatefulSetCondition conditions = 10;
  optional int32 availableReplicas = 11 [(keep_zero) = true];
}

message StatefulSetUpdateStrategy {
  optional string type = 1;
  optional RollingUpdateStatefulSetStrategy rollingUpdate = 2;
}

message RollingUpdateStatefulSetStrategy {
  optional int32 partition = 1 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 2 [(keep_zero) = true];
}
`,
];
