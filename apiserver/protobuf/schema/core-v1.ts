// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 core/v1: the kinds other than Pod (Service, Endpoints, ConfigMap, Secret, Namespace, Node, Event, Binding) and what they use.
// Field names, numbers and types are those of the upstream generated.proto; the options
// in brackets are orch's, for the JSON shape (see ../schemas.ts). No comments: the field
// documentation is upstream's (and `kubectl explain`).

export const CORE_V1: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.core.v1;

message AttachedVolume {
  optional string name = 1 [(keep_zero) = true];
  optional string devicePath = 2 [(keep_zero) = true];
}

message Binding {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional ObjectReference target = 2;
}

message ClientIPConfig {
  optional int32 timeoutSeconds = 1 [(keep_zero) = true];
}

message ConfigMap {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional bool immutable = 4 [(keep_zero) = true];
  map<string, string> data = 2;
  map<string, bytes> binaryData = 3;
}

message ConfigMapNodeConfigSource {
  optional string namespace = 1 [(keep_zero) = true];
  optional string name = 2 [(keep_zero) = true];
  optional string uid = 3;
  optional string resourceVersion = 4;
  optional string kubeletConfigKey = 5 [(keep_zero) = true];
}

message ContainerImage {
  repeated string names = 1;
  optional int64 sizeBytes = 2;
}

message DaemonEndpoint {
  optional int32 Port = 1 [(keep_zero) = true];
}

message EndpointAddress {
  optional string ip = 1 [(keep_zero) = true];
  optional string hostname = 3;
  optional string nodeName = 4 [(keep_zero) = true];
  optional ObjectReference targetRef = 2;
}

message EndpointPort {
  optional string name = 1;
  optional int32 port = 2 [(keep_zero) = true];
  optional string protocol = 3;
  optional string appProtocol = 4 [(keep_zero) = true];
}

message EndpointSubset {
  repeated EndpointAddress addresses = 1;
  repeated EndpointAddress notReadyAddresses = 2;
  repeated EndpointPort ports = 3;
}

message Endpoints {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  repeated EndpointSubset subsets = 2;
}

message Event {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional ObjectReference involvedObject = 2;
  optional string reason = 3;
  optional string message = 4;
  optional EventSource source = 5;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time firstTimestamp = 6;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTimestamp = 7;
  optional int32 count = 8;
  optional string type = 9;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime eventTime = 10;
  optional EventSeries series = 11;
  optional string action = 12;
  optional ObjectReference related = 13;
  optional string reportingComponent = 14 [(keep_zero) = true];
  optional string reportingInstance = 15 [(keep_zero) = true];
}

message EventSeries {
  optional int32 count = 1;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime lastObservedTime = 2;
}

message EventSource {
  optional string component = 1;
  optional string host = 2;
}

message LoadBalancerIngress {
  optional string ip = 1;
  optional string hostname = 2;
  optional string ipMode = 3 [(keep_zero) = true];
  repeated PortStatus ports = 4;
}

message LoadBalancerStatus {
  repeated LoadBalancerIngress ingress = 1;
}

message Namespace {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional NamespaceSpec spec = 2;
  optional NamespaceStatus status = 3;
}

message NamespaceCondition {
  optional string type = 1 [(keep_zero) = true];
  optional string status = 2 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}

message NamespaceSpec {
  repeated string finalizers = 1;
}

message NamespaceStatus {
  optional string phase = 1;
  repeated NamespaceCondition conditions = 2;
}

message Node {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional NodeSpec spec = 2;
  optional NodeStatus status = 3;
}

message NodeAddress {
  optional string type = 1 [(keep_zero) = true];
  optional string address = 2 [(keep_zero) = true];
}

message NodeCondition {
  optional string type = 1 [(keep_zero) = true];
  optional string status = 2 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastHeartbeatTime = 3;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}

message NodeConfigSource {
  optional ConfigMapNodeConfigSource configMap = 2;
}

message NodeConfigStatus {
  optional NodeConfigSource assigned = 1;
  optional NodeConfigSource active = 2;
  optional NodeConfigSource lastKnownGood = 3;
  optional string error = 4;
}

message NodeDaemonEndpoints {
  optional DaemonEndpoint kubeletEndpoint = 1;
}

message NodeFeatures {
  optional bool supplementalGroupsPolicy = 1 [(keep_zero) = true];
}

message NodeRuntimeHandler {
  optional string name = 1 [(keep_zero) = true];
  optional NodeRuntimeHandlerFeatures features = 2;
}

message NodeRuntimeHandlerFeatures {
  optional bool recursiveReadOnlyMounts = 1 [(keep_zero) = true];
  optional bool userNamespaces = 2 [(keep_zero) = true];
}

message NodeSpec {
  optional string podCIDR = 1;
  repeated string podCIDRs = 7;
  optional string providerID = 3;
  optional bool unschedulable = 4;
  repeated Taint taints = 5;
  optional NodeConfigSource configSource = 6;
  optional string externalID = 2;
}

message NodeStatus {
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> capacity = 1;
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> allocatable = 2;
  optional string phase = 3;
  repeated NodeCondition conditions = 4;
  repeated NodeAddress addresses = 5;
  optional NodeDaemonEndpoints daemonEndpoints = 6;
  optional NodeSystemInfo nodeInfo = 7;
  repeated ContainerImage images = 8;
  repeated string volumesInUse = 9;
  repeated AttachedVolume volumesAttached = 10;
  optional NodeConfigStatus config = 11;
  repeated NodeRuntimeHandler runtimeHandlers = 12;
  optional NodeFeatures features = 13;
}

message NodeSystemInfo {
  optional string machineID = 1 [(keep_zero) = true];
  optional string systemUUID = 2 [(keep_zero) = true];
  optional string bootID = 3 [(keep_zero) = true];
  optional string kernelVersion = 4 [(keep_zero) = true];
  optional string osImage = 5 [(keep_zero) = true];
  optional string containerRuntimeVersion = 6 [(keep_zero) = true];
  optional string kubeletVersion = 7 [(keep_zero) = true];
  optional string kubeProxyVersion = 8 [(keep_zero) = true];
  optional string operatingSystem = 9 [(keep_zero) = true];
  optional string architecture = 10 [(keep_zero) = true];
}

message ObjectReference {
  optional string kind = 1;
  optional string namespace = 2;
  optional string name = 3;
  optional string uid = 4;
  optional string apiVersion = 5;
  optional string resourceVersion = 6;
  optional string fieldPath = 7;
}

message PodTemplateSpec {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional PodSpec spec = 2;
}

message PortStatus {
  optional int32 port = 1 [(keep_zero) = true];
  optional string protocol = 2 [(keep_zero) = true];
  optional string error = 3 [(keep_zero) = true];
}

message Secret {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional bool immutable = 5 [(keep_zero) = true];
  map<string, bytes> data = 2;
  map<string, string> stringData = 4;
  optional string type = 3;
}

message Service {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional ServiceSpec spec = 2;
  optional ServiceStatus status = 3;
}

message ServicePort {
  optional string name = 1;
  optional string protocol = 2;
  optional string appProtocol = 6 [(keep_zero) = true];
  optional int32 port = 3 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString targetPort = 4;
  optional int32 nodePort = 5;
}

message ServiceSpec {
  repeated ServicePort ports = 1;
  map<string, string> selector = 2;
  optional string clusterIP = 3;
  repeated string clusterIPs = 18;
  optional string type = 4;
  repeated string externalIPs = 5;
  optional string sessionAffinity = 7;
  optional string loadBalancerIP = 8;
  repeated string loadBalancerSourceRanges = 9;
  optional string externalName = 10;
  optional string externalTrafficPolicy = 11;
  optional int32 healthCheckNodePort = 12;
  optional bool publishNotReadyAddresses = 13;
  optional SessionAffinityConfig sessionAffinityConfig = 14;
  repeated string ipFamilies = 19;
  optional string ipFamilyPolicy = 17 [(keep_zero) = true];
  optional bool allocateLoadBalancerNodePorts = 20 [(keep_zero) = true];
  optional string loadBalancerClass = 21 [(keep_zero) = true];
  optional string internalTrafficPolicy = 22 [(keep_zero) = true];
  optional string trafficDistribution = 23 [(keep_zero) = true];
}

message ServiceStatus {
  optional LoadBalancerStatus loadBalancer = 1;
  repeated k8s.io.apimachinery.pkg.apis.meta.v1.Condition conditions = 2;
}

message SessionAffinityConfig {
  optional ClientIPConfig clientIP = 1;
}

message Taint {
  optional string key = 1 [(keep_zero) = true];
  optional string value = 2;
  optional string effect = 3 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time timeAdded = 4;
}
`,
];
