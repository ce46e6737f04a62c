// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 core/v1: Pod, PodSpec, PodStatus and what they use besides containers and volumes.
// Field names, numbers and types are those of the upstream generated.proto; the options
// in brackets are orch's, for the JSON shape (see ../schemas.ts). No comments: the field
// documentation is upstream's (and `kubectl explain`).

export const CORE_V1_POD: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.core.v1;

message Affinity {
  optional NodeAffinity nodeAffinity = 1;
  optional PodAffinity podAffinity = 2;
  optional PodAntiAffinity podAntiAffinity = 3;
}

message ContainerState {
  optional ContainerStateWaiting waiting = 1;
  optional ContainerStateRunning running = 2;
  optional ContainerStateTerminated terminated = 3;
}

message ContainerStateRunning {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time startedAt = 1;
}

message ContainerStateTerminated {
  optional int32 exitCode = 1 [(keep_zero) = true];
  optional int32 signal = 2;
  optional string reason = 3;
  optional string message = 4;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time startedAt = 5;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time finishedAt = 6;
  optional string containerID = 7;
}

message ContainerStateWaiting {
  optional string reason = 1;
  optional string message = 2;
}

message ContainerStatus {
  optional string name = 1 [(keep_zero) = true];
  optional ContainerState state = 2;
  optional ContainerState lastState = 3;
  optional bool ready = 4 [(keep_zero) = true];
  optional int32 restartCount = 5 [(keep_zero) = true];
  optional string image = 6 [(keep_zero) = true];
  optional string imageID = 7 [(keep_zero) = true];
  optional string containerID = 8;
  optional bool started = 9 [(keep_zero) = true];
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> allocatedResources = 10;
  optional ResourceRequirements resources = 11;
  repeated VolumeMountStatus volumeMounts = 12;
  optional ContainerUser user = 13;
  repeated ResourceStatus allocatedResourcesStatus = 14;
}

message ContainerUser {
  optional LinuxContainerUser linux = 1;
}

message HostAlias {
  optional string ip = 1 [(keep_zero) = true];
  repeated string hostnames = 2;
}

message HostIP {
  optional string ip = 1 [(keep_zero) = true];
}

message LinuxContainerUser {
  optional int64 uid = 1 [(keep_zero) = true];
  optional int64 gid = 2 [(keep_zero) = true];
  repeated int64 supplementalGroups = 3;
}

message NodeAffinity {
  optional NodeSelector requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated PreferredSchedulingTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}

message NodeSelector {
  repeated NodeSelectorTerm nodeSelectorTerms = 1;
}

message NodeSelectorRequirement {
  optional string key = 1 [(keep_zero) = true];
  optional string operator = 2 [(keep_zero) = true];
  repeated string values = 3;
}

message NodeSelectorTerm {
  repeated NodeSelectorRequirement matchExpressions = 1;
  repeated NodeSelectorRequirement matchFields = 2;
}

message Pod {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional PodSpec spec = 2;
  optional PodStatus status = 3;
}

message PodAffinity {
  repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}

message PodAffinityTerm {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector labelSelector = 1;
  repeated string namespaces = 2;
  optional string topologyKey = 3 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector namespaceSelector = 4;
  repeated string matchLabelKeys = 5;
  repeated string mismatchLabelKeys = 6;
}

message PodAntiAffinity {
  repeated PodAffinityTerm requiredDuringSchedulingIgnoredDuringExecution = 1;
  repeated WeightedPodAffinityTerm preferredDuringSchedulingIgnoredDuringExecution = 2;
}

message PodCondition {
  optional string type = 1 [(keep_zero) = true];
  optional string status = 2 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastProbeTime = 3;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}

message PodDNSConfig {
  repeated string nameservers = 1;
  repeated string searches = 2;
  repeated PodDNSConfigOption options = 3;
}

message PodDNSConfigOption {
  optional string name = 1;
  optional string value = 2 [(keep_zero) = true];
}

message PodIP {
  optional string ip = 1 [(keep_zero) = true];
}

message PodOS {
  optional string name = 1 [(keep_zero) = true];
}

message PodReadinessGate {
  optional string conditionType = 1 [(keep_zero) = true];
}

message PodResourceClaim {
  optional string name = 1 [(keep_zero) = true];
  optional string resourceClaimName = 3 [(keep_zero) = true];
  optional string resourceClaimTemplateName = 4 [(keep_zero) = true];
}

message PodResourceClaimStatus {
  optional string name = 1 [(keep_zero) = true];
  optional string resourceClaimName = 2 [(keep_zero) = true];
}

message PodSchedulingGate {
  optional string name = 1 [(keep_zero) = true];
}

message PodSecurityContext {
  optional SELinuxOptions seLinuxOptions = 1;
  optional WindowsSecurityContextOptions windowsOptions = 8;
  optional int64 runAsUser = 2 [(keep_zero) = true];
  optional int64 runAsGroup = 6 [(keep_zero) = true];
  optional bool runAsNonRoot = 3 [(keep_zero) = true];
  repeated int64 supplementalGroups = 4;
  optional string supplementalGroupsPolicy = 12 [(keep_zero) = true];
  optional int64 fsGroup = 5 [(keep_zero) = true];
  repeated Sysctl sysctls = 7;
  optional string fsGroupChangePolicy = 9 [(keep_zero) = true];
  optional SeccompProfile seccompProfile = 10;
  optional AppArmorProfile appArmorProfile = 11;
  optional string seLinuxChangePolicy = 13 [(keep_zero) = true];
}

message PodSpec {
  repeated Volume volumes = 1;
  repeated Container initContainers = 20;
  repeated Container containers = 2;
  repeated EphemeralContainer ephemeralContainers = 34;
  optional string restartPolicy = 3;
  optional int64 terminationGracePeriodSeconds = 4 [(keep_zero) = true];
  optional int64 activeDeadlineSeconds = 5 [(keep_zero) = true];
  optional string dnsPolicy = 6;
  map<string, string> nodeSelector = 7;
  optional string serviceAccountName = 8;
  optional string serviceAccount = 9;
  optional bool automountServiceAccountToken = 21 [(keep_zero) = true];
  optional string nodeName = 10;
  optional bool hostNetwork = 11;
  optional bool hostPID = 12;
  optional bool hostIPC = 13;
  optional bool shareProcessNamespace = 27 [(keep_zero) = true];
  optional PodSecurityContext securityContext = 14;
  repeated LocalObjectReference imagePullSecrets = 15;
  optional string hostname = 16;
  optional string subdomain = 17;
  optional Affinity affinity = 18;
  optional string schedulerName = 19;
  repeated Toleration tolerations = 22;
  repeated HostAlias hostAliases = 23;
  optional string priorityClassName = 24;
  optional int32 priority = 25 [(keep_zero) = true];
  optional PodDNSConfig dnsConfig = 26;
  repeated PodReadinessGate readinessGates = 28;
  optional string runtimeClassName = 29 [(keep_zero) = true];
  optional bool enableServiceLinks = 30 [(keep_zero) = true];
  optional string preemptionPolicy = 31 [(keep_zero) = true];
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> overhead = 32;
  repeated TopologySpreadConstraint topologySpreadConstraints = 33;
  optional bool setHostnameAsFQDN = 35 [(keep_zero) = true];
  optional PodOS os = 36;
  optional bool hostUsers = 37 [(keep_zero) = true];
  repeated PodSchedulingGate schedulingGates = 38;
  repeated PodResourceClaim resourceClaims = 39;
  optional ResourceRequirements resources = 40;
}

message PodStatus {
  optional string phase = 1;
  repeated PodCondition conditions = 2;
  optional string message = 3;
  optional string reason = 4;
  optional string nominatedNodeName = 11;
  optional string hostIP = 5;
  repeated HostIP hostIPs = 16;
  optional string podIP = 6;
  repeated PodIP podIPs = 12;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time startTime = 7;
  repeated ContainerStatus initContainerStatuses = 10;
  repeated ContainerStatus containerStatuses = 8;
  optional string qosClass = 9;
  repeated ContainerStatus ephemeralContainerStatuses = 13;
  optional string resize = 14;
  repeated PodResourceClaimStatus resourceClaimStatuses = 15;
}

message PreferredSchedulingTerm {
  optional int32 weight = 1 [(keep_zero) = true];
  optional NodeSelectorTerm preference = 2;
}

message ResourceHealth {
  optional string resourceID = 1 [(keep_zero) = true];
  optional string health = 2;
}

message ResourceStatus {
  optional string name = 1 [(keep_zero) = true];
  repeated ResourceHealth resources = 2;
}

message Sysctl {
  optional string name = 1 [(keep_zero) = true];
  optional string value = 2 [(keep_zero) = true];
}

message Toleration {
  optional string key = 1;
  optional string operator = 2;
  optional string value = 3;
  optional string effect = 4;
  optional int64 tolerationSeconds = 5 [(keep_zero) = true];
}

message TopologySpreadConstraint {
  optional int32 maxSkew = 1 [(keep_zero) = true];
  optional string topologyKey = 2 [(keep_zero) = true];
  optional string whenUnsatisfiable = 3 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector labelSelector = 4;
  optional int32 minDomains = 5 [(keep_zero) = true];
  optional string nodeAffinityPolicy = 6 [(keep_zero) = true];
  optional string nodeTaintsPolicy = 7 [(keep_zero) = true];
  repeated string matchLabelKeys = 8;
}

message VolumeMountStatus {
  optional string name = 1 [(keep_zero) = true];
  optional string mountPath = 2 [(keep_zero) = true];
  optional bool readOnly = 3;
  optional string recursiveReadOnly = 4 [(keep_zero) = true];
}

message WeightedPodAffinityTerm {
  optional int32 weight = 1 [(keep_zero) = true];
  optional PodAffinityTerm podAffinityTerm = 2;
}
`,
];
