// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 apps/v1 DaemonSet and
// ControllerRevision. Field names, numbers and types are those of the upstream
// generated.proto; the options in brackets are orch's, for the JSON shape (see ../schemas.ts).

export const APPS_V1_DAEMONSET: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.apps.v1;

message ControllerRevision {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional k8s.io.apimachinery.pkg.runtime.RawExtension data = 2;
  optional int64 revision = 3 [(keep_zero) = true];
}

message DaemonSet {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional DaemonSetSpec spec = 2;
  optional DaemonSetStatus status = 3;
}

message DaemonSetCondition {
  optional string type = 1 [(keep_zero) = true];
  optional string status = 2 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
}

message DaemonSetSpec {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 1;
  optional k8s.io.api.core.v1.PodTemplateSpec template = 2;
  optional DaemonSetUpdateStrategy updateStrategy = 3;
  optional int32 minReadySeconds = 4;
  optional int32 revisionHistoryLimit = 6 [(keep_zero) = true];
}

message DaemonSetStatus {
  optional int32 currentNumberScheduled = 1 [(keep_zero) = true];
  optional int32 numberMisscheduled = 2 [(keep_zero) = true];
  optional int32 desiredNumberScheduled = 3 [(keep_zero) = true];
  optional int32 numberReady = 4 [(keep_zero) = true];
  optional int64 observedGeneration = 5;
  optional int32 updatedNumberScheduled = 6;
  optional int32 numberAvailable = 7;
  optional int32 numberUnavailable = 8;
  optional int32 collisionCount = 9 [(keep_zero) = true];
  repeated DaemonSetCondition conditions = 10;
}

message DaemonSetUpdateStrategy {
  optional string type = 1;
  optional RollingUpdateDaemonSet rollingUpdate = 2;
}

message RollingUpdateDaemonSet {
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString maxUnavailable = 1 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString maxSurge = 2 [(keep_zero) = true];
}
`,
];
