// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 autoscaling/v2 and autoscaling/v1
// HorizontalPodAutoscaler: `kubectl autoscale` (v1.32) creates a v1 object through its
// typed client, so the body arrives as protobuf. Field names, numbers and types are those
// of upstream's generated.proto (v2's `tolerance` is 1.33's and left out); the options in
// brackets are orch's, for the JSON shape (see ../schemas.ts): pointers and fields without
// `omitempty` in types.go keep their zero (`minReplicas`, `maxReplicas`, a policy's three
// fields, a condition's type and status).

const Q = 'k8s.io.apimachinery.pkg.api.resource.Quantity';
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

export const AUTOSCALING: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.autoscaling.v2;

message HorizontalPodAutoscaler {
  optional ${META}.ObjectMeta metadata = 1;
  optional HorizontalPodAutoscalerSpec spec = 2;
  optional HorizontalPodAutoscalerStatus status = 3;
}

message HorizontalPodAutoscalerSpec {
  optional CrossVersionObjectReference scaleTargetRef = 1;
  optional int32 minReplicas = 2 [(keep_zero) = true];
  optional int32 maxReplicas = 3 [(keep_zero) = true];
  repeated MetricSpec metrics = 4;
  optional HorizontalPodAutoscalerBehavior behavior = 5;
}

message CrossVersionObjectReference {
  optional string kind = 1 [(keep_zero) = true];
  optional string name = 2 [(keep_zero) = true];
  optional string apiVersion = 3;
}

message HorizontalPodAutoscalerBehavior {
  optional HPAScalingRules scaleUp = 1;
  optional HPAScalingRules scaleDown = 2;
}

message HPAScalingRules {
  optional int32 stabilizationWindowSeconds = 3 [(keep_zero) = true];
  optional string selectPolicy = 1 [(keep_zero) = true];
  repeated HPAScalingPolicy policies = 2;
}

message HPAScalingPolicy {
  optional string type = 1 [(keep_zero) = true];
  optional int32 value = 2 [(keep_zero) = true];
  optional int32 periodSeconds = 3 [(keep_zero) = true];
}

message MetricSpec {
  optional string type = 1 [(keep_zero) = true];
  optional ObjectMetricSource object = 2;
  optional PodsMetricSource pods = 3;
  optional ResourceMetricSource resource = 4;
  optional ContainerResourceMetricSource containerResource = 7;
  optional ExternalMetricSource external = 5;
}

message MetricTarget {
  optional string type = 1 [(keep_zero) = true];
  optional ${Q} value = 2;
  optional ${Q} averageValue = 3;
  optional int32 averageUtilization = 4 [(keep_zero) = true];
}

message MetricIdentifier {
  optional string name = 1 [(keep_zero) = true];
  optional ${META}.LabelSelector selector = 2;
}

message ResourceMetricSource {
  optional string name = 1 [(keep_zero) = true];
  optional MetricTarget target = 2;
}

message ContainerResourceMetricSource {
  optional string name = 1 [(keep_zero) = true];
  optional MetricTarget target = 2;
  optional string container = 3 [(keep_zero) = true];
}

message PodsMetricSource {
  optional MetricIdentifier metric = 1;
  optional MetricTarget target = 2;
}

message ObjectMetricSource {
  optional CrossVersionObjectReference describedObject = 1;
  optional MetricTarget target = 2;
  optional MetricIdentifier metric = 3;
}

message ExternalMetricSource {
  optional MetricIdentifier metric = 1;
  optional MetricTarget target = 2;
}

message HorizontalPodAutoscalerStatus {
  optional int64 observedGeneration = 1 [(keep_zero) = true];
  optional ${META}.Time lastScaleTime = 2;
  optional int32 currentReplicas = 3;
  optional int32 desiredReplicas = 4 [(keep_zero) = true];
  repeated MetricStatus currentMetrics = 5;
  repeated HorizontalPodAutoscalerCondition conditions = 6;
}

message HorizontalPodAutoscalerCondition {
  optional string type = 1 [(keep_zero) = true];
  optional string status = 2 [(keep_zero) = true];
  optional ${META}.Time lastTransitionTime = 3;
  optional string reason = 4;
  optional string message = 5;
}

message MetricValueStatus {
  optional ${Q} value = 1;
  optional ${Q} averageValue = 2;
  optional int32 averageUtilization = 3 [(keep_zero) = true];
}

message MetricStatus {
  optional string type = 1 [(keep_zero) = true];
  optional ObjectMetricStatus object = 2;
  optional PodsMetricStatus pods = 3;
  optional ResourceMetricStatus resource = 4;
  optional ContainerResourceMetricStatus containerResource = 7;
  optional ExternalMetricStatus external = 5;
}

message ResourceMetricStatus {
  optional string name = 1 [(keep_zero) = true];
  optional MetricValueStatus current = 2;
}

message ContainerResourceMetricStatus {
  optional string name = 1 [(keep_zero) = true];
  optional MetricValueStatus current = 2;
  optional string container = 3 [(keep_zero) = true];
}

message PodsMetricStatus {
  optional MetricIdentifier metric = 1;
  optional MetricValueStatus current = 2;
}

message ObjectMetricStatus {
  optional MetricIdentifier metric = 1;
  optional MetricValueStatus current = 2;
  optional CrossVersionObjectReference describedObject = 3;
}

message ExternalMetricStatus {
  optional MetricIdentifier metric = 1;
  optional MetricValueStatus current = 2;
}
`,
`
syntax = "proto2";
package k8s.io.api.autoscaling.v1;

message HorizontalPodAutoscaler {
  optional ${META}.ObjectMeta metadata = 1;
  optional HorizontalPodAutoscalerSpec spec = 2;
  optional HorizontalPodAutoscalerStatus status = 3;
}

message CrossVersionObjectReference {
  optional string kind = 1 [(keep_zero) = true];
  optional string name = 2 [(keep_zero) = true];
  optional string apiVersion = 3;
}

message HorizontalPodAutoscalerSpec {
  optional CrossVersionObjectReference scaleTargetRef = 1;
  optional int32 minReplicas = 2 [(keep_zero) = true];
  optional int32 maxReplicas = 3 [(keep_zero) = true];
  optional int32 targetCPUUtilizationPercentage = 4 [(keep_zero) = true];
}

message HorizontalPodAutoscalerStatus {
  optional int64 observedGeneration = 1 [(keep_zero) = true];
  optional ${META}.Time lastScaleTime = 2;
  optional int32 currentReplicas = 3 [(keep_zero) = true];
  optional int32 desiredReplicas = 4 [(keep_zero) = true];
  optional int32 currentCPUUtilizationPercentage = 5 [(keep_zero) = true];
}
`,
];
