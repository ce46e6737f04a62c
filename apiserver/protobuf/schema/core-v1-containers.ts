// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 core/v1: Container, EphemeralContainer and what they use.
// Field names, numbers and types are those of the upstream generated.proto; the options
// in brackets are orch's, for the JSON shape (see ../schemas.ts). No comments: the field
// documentation is upstream's (and `kubectl explain`).

export const CORE_V1_CONTAINERS: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.core.v1;

message AppArmorProfile {
  optional string type = 1 [(keep_zero) = true];
  optional string localhostProfile = 2 [(keep_zero) = true];
}

message Capabilities {
  repeated string add = 1;
  repeated string drop = 2;
}

message ConfigMapEnvSource {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  optional bool optional = 2 [(keep_zero) = true];
}

message ConfigMapKeySelector {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  optional string key = 2 [(keep_zero) = true];
  optional bool optional = 3 [(keep_zero) = true];
}

message Container {
  optional string name = 1 [(keep_zero) = true];
  optional string image = 2;
  repeated string command = 3;
  repeated string args = 4;
  optional string workingDir = 5;
  repeated ContainerPort ports = 6;
  repeated EnvFromSource envFrom = 19;
  repeated EnvVar env = 7;
  optional ResourceRequirements resources = 8;
  repeated ContainerResizePolicy resizePolicy = 23;
  optional string restartPolicy = 24 [(keep_zero) = true];
  repeated VolumeMount volumeMounts = 9;
  repeated VolumeDevice volumeDevices = 21;
  optional Probe livenessProbe = 10;
  optional Probe readinessProbe = 11;
  optional Probe startupProbe = 22;
  optional Lifecycle lifecycle = 12;
  optional string terminationMessagePath = 13;
  optional string terminationMessagePolicy = 20;
  optional string imagePullPolicy = 14;
  optional SecurityContext securityContext = 15;
  optional bool stdin = 16;
  optional bool stdinOnce = 17;
  optional bool tty = 18;
}

message ContainerPort {
  optional string name = 1;
  optional int32 hostPort = 2;
  optional int32 containerPort = 3 [(keep_zero) = true];
  optional string protocol = 4;
  optional string hostIP = 5;
}

message ContainerResizePolicy {
  optional string resourceName = 1 [(keep_zero) = true];
  optional string restartPolicy = 2 [(keep_zero) = true];
}

message EnvFromSource {
  optional string prefix = 1;
  optional ConfigMapEnvSource configMapRef = 2;
  optional SecretEnvSource secretRef = 3;
}

message EnvVar {
  optional string name = 1 [(keep_zero) = true];
  optional string value = 2;
  optional EnvVarSource valueFrom = 3;
}

message EnvVarSource {
  optional ObjectFieldSelector fieldRef = 1;
  optional ResourceFieldSelector resourceFieldRef = 2;
  optional ConfigMapKeySelector configMapKeyRef = 3;
  optional SecretKeySelector secretKeyRef = 4;
}

message EphemeralContainer {
  optional EphemeralContainerCommon ephemeralContainerCommon = 1 [(inline) = true];
  optional string targetContainerName = 2;
}

message EphemeralContainerCommon {
  optional string name = 1 [(keep_zero) = true];
  optional string image = 2;
  repeated string command = 3;
  repeated string args = 4;
  optional string workingDir = 5;
  repeated ContainerPort ports = 6;
  repeated EnvFromSource envFrom = 19;
  repeated EnvVar env = 7;
  optional ResourceRequirements resources = 8;
  repeated ContainerResizePolicy resizePolicy = 23;
  optional string restartPolicy = 24 [(keep_zero) = true];
  repeated VolumeMount volumeMounts = 9;
  repeated VolumeDevice volumeDevices = 21;
  optional Probe livenessProbe = 10;
  optional Probe readinessProbe = 11;
  optional Probe startupProbe = 22;
  optional Lifecycle lifecycle = 12;
  optional string terminationMessagePath = 13;
  optional string terminationMessagePolicy = 20;
  optional string imagePullPolicy = 14;
  optional SecurityContext securityContext = 15;
  optional bool stdin = 16;
  optional bool stdinOnce = 17;
  optional bool tty = 18;
}

message ExecAction {
  repeated string command = 1;
}

message GRPCAction {
  optional int32 port = 1 [(keep_zero) = true];
  optional string service = 2 [(keep_zero) = true];
}

message HTTPGetAction {
  optional string path = 1;
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString port = 2;
  optional string host = 3;
  optional string scheme = 4;
  repeated HTTPHeader httpHeaders = 5;
}

message HTTPHeader {
  optional string name = 1 [(keep_zero) = true];
  optional string value = 2 [(keep_zero) = true];
}

message Lifecycle {
  optional LifecycleHandler postStart = 1;
  optional LifecycleHandler preStop = 2;
}

message LifecycleHandler {
  optional ExecAction exec = 1;
  optional HTTPGetAction httpGet = 2;
  optional TCPSocketAction tcpSocket = 3;
  optional SleepAction sleep = 4;
}

message Probe {
  optional ProbeHandler handler = 1 [(inline) = true];
  optional int32 initialDelaySeconds = 2;
  optional int32 timeoutSeconds = 3;
  optional int32 periodSeconds = 4;
  optional int32 successThreshold = 5;
  optional int32 failureThreshold = 6;
  optional int64 terminationGracePeriodSeconds = 7 [(keep_zero) = true];
}

message ProbeHandler {
  optional ExecAction exec = 1;
  optional HTTPGetAction httpGet = 2;
  optional TCPSocketAction tcpSocket = 3;
  optional GRPCAction grpc = 4;
}

message ResourceClaim {
  optional string name = 1 [(keep_zero) = true];
  optional string request = 2;
}

message ResourceRequirements {
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> limits = 1;
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> requests = 2;
  repeated ResourceClaim claims = 3;
}

message SELinuxOptions {
  optional string user = 1;
  optional string role = 2;
  optional string type = 3;
  optional string level = 4;
}

message SeccompProfile {
  optional string type = 1 [(keep_zero) = true];
  optional string localhostProfile = 2 [(keep_zero) = true];
}

message SecretEnvSource {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  optional bool optional = 2 [(keep_zero) = true];
}

message SecretKeySelector {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  optional string key = 2 [(keep_zero) = true];
  optional bool optional = 3 [(keep_zero) = true];
}

message SecurityContext {
  optional Capabilities capabilities = 1;
  optional bool privileged = 2 [(keep_zero) = true];
  optional SELinuxOptions seLinuxOptions = 3;
  optional WindowsSecurityContextOptions windowsOptions = 10;
  optional int64 runAsUser = 4 [(keep_zero) = true];
  optional int64 runAsGroup = 8 [(keep_zero) = true];
  optional bool runAsNonRoot = 5 [(keep_zero) = true];
  optional bool readOnlyRootFilesystem = 6 [(keep_zero) = true];
  optional bool allowPrivilegeEscalation = 7 [(keep_zero) = true];
  optional string procMount = 9 [(keep_zero) = true];
  optional SeccompProfile seccompProfile = 11;
  optional AppArmorProfile appArmorProfile = 12;
}

message SleepAction {
  optional int64 seconds = 1 [(keep_zero) = true];
}

message TCPSocketAction {
  optional k8s.io.apimachinery.pkg.util.intstr.IntOrString port = 1;
  optional string host = 2;
}

message VolumeDevice {
  optional string name = 1 [(keep_zero) = true];
  optional string devicePath = 2 [(keep_zero) = true];
}

message VolumeMount {
  optional string name = 1 [(keep_zero) = true];
  optional bool readOnly = 2;
  optional string recursiveReadOnly = 7 [(keep_zero) = true];
  optional string mountPath = 3 [(keep_zero) = true];
  optional string subPath = 4;
  optional string mountPropagation = 5 [(keep_zero) = true];
  optional string subPathExpr = 6;
}

message WindowsSecurityContextOptions {
  optional string gmsaCredentialSpecName = 1 [(keep_zero) = true];
  optional string gmsaCredentialSpec = 2 [(keep_zero) = true];
  optional string runAsUserName = 3 [(keep_zero) = true];
  optional bool hostProcess = 4 [(keep_zero) = true];
}
`,
];
