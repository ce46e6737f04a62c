// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 core/v1: Volume and its sources.
// Field names, numbers and types are those of the upstream generated.proto; the options
// in brackets are orch's, for the JSON shape (see ../schemas.ts). No comments: the field
// documentation is upstream's (and `kubectl explain`).

export const CORE_V1_VOLUMES: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.core.v1;

message AWSElasticBlockStoreVolumeSource {
  optional string volumeID = 1 [(keep_zero) = true];
  optional string fsType = 2;
  optional int32 partition = 3;
  optional bool readOnly = 4;
}

message AzureDiskVolumeSource {
  optional string diskName = 1 [(keep_zero) = true];
  optional string diskURI = 2 [(keep_zero) = true];
  optional string cachingMode = 3 [(keep_zero) = true];
  optional string fsType = 4 [(keep_zero) = true];
  optional bool readOnly = 5 [(keep_zero) = true];
  optional string kind = 6 [(keep_zero) = true];
}

message AzureFileVolumeSource {
  optional string secretName = 1 [(keep_zero) = true];
  optional string shareName = 2 [(keep_zero) = true];
  optional bool readOnly = 3;
}

message CSIVolumeSource {
  optional string driver = 1 [(keep_zero) = true];
  optional bool readOnly = 2 [(keep_zero) = true];
  optional string fsType = 3 [(keep_zero) = true];
  map<string, string> volumeAttributes = 4;
  optional LocalObjectReference nodePublishSecretRef = 5;
}

message CephFSVolumeSource {
  repeated string monitors = 1;
  optional string path = 2;
  optional string user = 3;
  optional string secretFile = 4;
  optional LocalObjectReference secretRef = 5;
  optional bool readOnly = 6;
}

message CinderVolumeSource {
  optional string volumeID = 1 [(keep_zero) = true];
  optional string fsType = 2;
  optional bool readOnly = 3;
  optional LocalObjectReference secretRef = 4;
}

message ClusterTrustBundleProjection {
  optional string name = 1 [(keep_zero) = true];
  optional string signerName = 2 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector labelSelector = 3;
  optional bool optional = 5 [(keep_zero) = true];
  optional string path = 4 [(keep_zero) = true];
}

message ConfigMapProjection {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  repeated KeyToPath items = 2;
  optional bool optional = 4 [(keep_zero) = true];
}

message ConfigMapVolumeSource {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  repeated KeyToPath items = 2;
  optional int32 defaultMode = 3 [(keep_zero) = true];
  optional bool optional = 4 [(keep_zero) = true];
}

message DownwardAPIProjection {
  repeated DownwardAPIVolumeFile items = 1;
}

message DownwardAPIVolumeFile {
  optional string path = 1 [(keep_zero) = true];
  optional ObjectFieldSelector fieldRef = 2;
  optional ResourceFieldSelector resourceFieldRef = 3;
  optional int32 mode = 4 [(keep_zero) = true];
}

message DownwardAPIVolumeSource {
  repeated DownwardAPIVolumeFile items = 1;
  optional int32 defaultMode = 2 [(keep_zero) = true];
}

message EmptyDirVolumeSource {
  optional string medium = 1;
  optional k8s.io.apimachinery.pkg.api.resource.Quantity sizeLimit = 2;
}

message EphemeralVolumeSource {
  optional PersistentVolumeClaimTemplate volumeClaimTemplate = 1;
}

message FCVolumeSource {
  repeated string targetWWNs = 1;
  optional int32 lun = 2 [(keep_zero) = true];
  optional string fsType = 3;
  optional bool readOnly = 4;
  repeated string wwids = 5;
}

message FlexVolumeSource {
  optional string driver = 1 [(keep_zero) = true];
  optional string fsType = 2;
  optional LocalObjectReference secretRef = 3;
  optional bool readOnly = 4;
  map<string, string> options = 5;
}

message FlockerVolumeSource {
  optional string datasetName = 1;
  optional string datasetUUID = 2;
}

message GCEPersistentDiskVolumeSource {
  optional string pdName = 1 [(keep_zero) = true];
  optional string fsType = 2;
  optional int32 partition = 3;
  optional bool readOnly = 4;
}

message GitRepoVolumeSource {
  optional string repository = 1 [(keep_zero) = true];
  optional string revision = 2;
  optional string directory = 3;
}

message GlusterfsVolumeSource {
  optional string endpoints = 1 [(keep_zero) = true];
  optional string path = 2 [(keep_zero) = true];
  optional bool readOnly = 3;
}

message HostPathVolumeSource {
  optional string path = 1 [(keep_zero) = true];
  optional string type = 2 [(keep_zero) = true];
}

message ISCSIVolumeSource {
  optional string targetPortal = 1 [(keep_zero) = true];
  optional string iqn = 2 [(keep_zero) = true];
  optional int32 lun = 3 [(keep_zero) = true];
  optional string iscsiInterface = 4;
  optional string fsType = 5;
  optional bool readOnly = 6;
  repeated string portals = 7;
  optional bool chapAuthDiscovery = 8;
  optional bool chapAuthSession = 11;
  optional LocalObjectReference secretRef = 10;
  optional string initiatorName = 12 [(keep_zero) = true];
}

message ImageVolumeSource {
  optional string reference = 1;
  optional string pullPolicy = 2;
}

message KeyToPath {
  optional string key = 1 [(keep_zero) = true];
  optional string path = 2 [(keep_zero) = true];
  optional int32 mode = 3 [(keep_zero) = true];
}

message LocalObjectReference {
  optional string name = 1;
}

message NFSVolumeSource {
  optional string server = 1 [(keep_zero) = true];
  optional string path = 2 [(keep_zero) = true];
  optional bool readOnly = 3;
}

message ObjectFieldSelector {
  optional string apiVersion = 1;
  optional string fieldPath = 2 [(keep_zero) = true];
}

message PersistentVolumeClaimSpec {
  repeated string accessModes = 1;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector selector = 4;
  optional VolumeResourceRequirements resources = 2;
  optional string volumeName = 3;
  optional string storageClassName = 5 [(keep_zero) = true];
  optional string volumeMode = 6 [(keep_zero) = true];
  optional TypedLocalObjectReference dataSource = 7;
  optional TypedObjectReference dataSourceRef = 8;
  optional string volumeAttributesClassName = 9 [(keep_zero) = true];
}

message PersistentVolumeClaimTemplate {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional PersistentVolumeClaimSpec spec = 2;
}

message PersistentVolumeClaimVolumeSource {
  optional string claimName = 1 [(keep_zero) = true];
  optional bool readOnly = 2;
}

message PhotonPersistentDiskVolumeSource {
  optional string pdID = 1 [(keep_zero) = true];
  optional string fsType = 2;
}

message PortworxVolumeSource {
  optional string volumeID = 1 [(keep_zero) = true];
  optional string fsType = 2;
  optional bool readOnly = 3;
}

message ProjectedVolumeSource {
  repeated VolumeProjection sources = 1;
  optional int32 defaultMode = 2 [(keep_zero) = true];
}

message QuobyteVolumeSource {
  optional string registry = 1 [(keep_zero) = true];
  optional string volume = 2 [(keep_zero) = true];
  optional bool readOnly = 3;
  optional string user = 4;
  optional string group = 5;
  optional string tenant = 6;
}

message RBDVolumeSource {
  repeated string monitors = 1;
  optional string image = 2 [(keep_zero) = true];
  optional string fsType = 3;
  optional string pool = 4;
  optional string user = 5;
  optional string keyring = 6;
  optional LocalObjectReference secretRef = 7;
  optional bool readOnly = 8;
}

message ResourceFieldSelector {
  optional string containerName = 1;
  optional string resource = 2 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.api.resource.Quantity divisor = 3;
}

message ScaleIOVolumeSource {
  optional string gateway = 1 [(keep_zero) = true];
  optional string system = 2 [(keep_zero) = true];
  optional LocalObjectReference secretRef = 3;
  optional bool sslEnabled = 4;
  optional string protectionDomain = 5;
  optional string storagePool = 6;
  optional string storageMode = 7;
  optional string volumeName = 8;
  optional string fsType = 9;
  optional bool readOnly = 10;
}

message SecretProjection {
  optional LocalObjectReference localObjectReference = 1 [(inline) = true];
  repeated KeyToPath items = 2;
  optional bool optional = 4 [(keep_zero) = true];
}

message SecretVolumeSource {
  optional string secretName = 1;
  repeated KeyToPath items = 2;
  optional int32 defaultMode = 3 [(keep_zero) = true];
  optional bool optional = 4 [(keep_zero) = true];
}

message ServiceAccountTokenProjection {
  optional string audience = 1;
  optional int64 expirationSeconds = 2 [(keep_zero) = true];
  optional string path = 3 [(keep_zero) = true];
}

message StorageOSVolumeSource {
  optional string volumeName = 1;
  optional string volumeNamespace = 2;
  optional string fsType = 3;
  optional bool readOnly = 4;
  optional LocalObjectReference secretRef = 5;
}

message TypedLocalObjectReference {
  optional string apiGroup = 1 [(keep_zero) = true];
  optional string kind = 2 [(keep_zero) = true];
  optional string name = 3 [(keep_zero) = true];
}

message TypedObjectReference {
  optional string apiGroup = 1 [(keep_zero) = true];
  optional string kind = 2 [(keep_zero) = true];
  optional string name = 3 [(keep_zero) = true];
  optional string namespace = 4 [(keep_zero) = true];
}

message Volume {
  optional string name = 1 [(keep_zero) = true];
  optional VolumeSource volumeSource = 2 [(inline) = true];
}

message VolumeProjection {
  optional SecretProjection secret = 1;
  optional DownwardAPIProjection downwardAPI = 2;
  optional ConfigMapProjection configMap = 3;
  optional ServiceAccountTokenProjection serviceAccountToken = 4;
  optional ClusterTrustBundleProjection clusterTrustBundle = 5;
}

message VolumeResourceRequirements {
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> limits = 1;
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> requests = 2;
}

message VolumeSource {
  optional HostPathVolumeSource hostPath = 1;
  optional EmptyDirVolumeSource emptyDir = 2;
  optional GCEPersistentDiskVolumeSource gcePersistentDisk = 3;
  optional AWSElasticBlockStoreVolumeSource awsElasticBlockStore = 4;
  optional GitRepoVolumeSource gitRepo = 5;
  optional SecretVolumeSource secret = 6;
  optional NFSVolumeSource nfs = 7;
  optional ISCSIVolumeSource iscsi = 8;
  optional GlusterfsVolumeSource glusterfs = 9;
  optional PersistentVolumeClaimVolumeSource persistentVolumeClaim = 10;
  optional RBDVolumeSource rbd = 11;
  optional FlexVolumeSource flexVolume = 12;
  optional CinderVolumeSource cinder = 13;
  optional CephFSVolumeSource cephfs = 14;
  optional FlockerVolumeSource flocker = 15;
  optional DownwardAPIVolumeSource downwardAPI = 16;
  optional FCVolumeSource fc = 17;
  optional AzureFileVolumeSource azureFile = 18;
  optional ConfigMapVolumeSource configMap = 19;
  optional VsphereVirtualDiskVolumeSource vsphereVolume = 20;
  optional QuobyteVolumeSource quobyte = 21;
  optional AzureDiskVolumeSource azureDisk = 22;
  optional PhotonPersistentDiskVolumeSource photonPersistentDisk = 23;
  optional ProjectedVolumeSource projected = 26;
  optional PortworxVolumeSource portworxVolume = 24;
  optional ScaleIOVolumeSource scaleIO = 25;
  optional StorageOSVolumeSource storageos = 27;
  optional CSIVolumeSource csi = 28;
  optional EphemeralVolumeSource ephemeral = 29;
  optional ImageVolumeSource image = 30;
}

message VsphereVirtualDiskVolumeSource {
  optional string volumePath = 1 [(keep_zero) = true];
  optional string fsType = 2;
  optional string storagePolicyName = 3;
  optional string storagePolicyID = 4;
}
`,
];
