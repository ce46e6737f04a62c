// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 core/v1 PersistentVolume and
// PersistentVolumeClaim, and storage.k8s.io/v1 StorageClass (kubectl sends these bodies).
// Field names, numbers and types are those of the upstream generated.proto; the options
// in brackets are orch's, for the JSON shape (see ../schemas.ts). PersistentVolumeSource
// carries only the sources whose messages orch has (hostPath, nfs, local and the cloud
// ones of core-v1-volumes.ts, which validation refuses); the PV-only variants of the
// others (glusterfs, rbd, iscsi, cinder, cephfs, flexVolume, azureFile, scaleIO,
// storageos, csi) are left out, so such a body arrives without a source and is a 422.

export const CORE_V1_STORAGE: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.core.v1;

message PersistentVolume {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional PersistentVolumeSpec spec = 2;
  optional PersistentVolumeStatus status = 3;
}

message PersistentVolumeSpec {
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> capacity = 1;
  optional PersistentVolumeSource persistentVolumeSource = 2 [(inline) = true];
  repeated string accessModes = 3;
  optional ObjectReference claimRef = 4;
  optional string persistentVolumeReclaimPolicy = 5;
  optional string storageClassName = 6;
  repeated string mountOptions = 7;
  optional string volumeMode = 8 [(keep_zero) = true];
  optional VolumeNodeAffinity nodeAffinity = 9;
  optional string volumeAttributesClassName = 10 [(keep_zero) = true];
}

message PersistentVolumeSource {
  optional GCEPersistentDiskVolumeSource gcePersistentDisk = 1;
  optional AWSElasticBlockStoreVolumeSource awsElasticBlockStore = 2;
  optional HostPathVolumeSource hostPath = 3;
  optional NFSVolumeSource nfs = 5;
  optional FCVolumeSource fc = 10;
  optional FlockerVolumeSource flocker = 11;
  optional VsphereVirtualDiskVolumeSource vsphereVolume = 14;
  optional QuobyteVolumeSource quobyte = 15;
  optional AzureDiskVolumeSource azureDisk = 16;
  optional PhotonPersistentDiskVolumeSource photonPersistentDisk = 17;
  optional PortworxVolumeSource portworxVolume = 18;
  optional LocalVolumeSource local = 20;
}

message LocalVolumeSource {
  optional string path = 1 [(keep_zero) = true];
  optional string fsType = 2 [(keep_zero) = true];
}

message VolumeNodeAffinity {
  optional NodeSelector required = 1;
}

message PersistentVolumeStatus {
  optional string phase = 1;
  optional string message = 2;
  optional string reason = 3;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastPhaseTransitionTime = 4;
}

message PersistentVolumeClaim {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional PersistentVolumeClaimSpec spec = 2;
  optional PersistentVolumeClaimStatus status = 3;
}

message PersistentVolumeClaimStatus {
  optional string phase = 1;
  repeated string accessModes = 2;
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> capacity = 3;
  repeated PersistentVolumeClaimCondition conditions = 4;
  map<string, k8s.io.apimachinery.pkg.api.resource.Quantity> allocatedResources = 5;
  map<string, string> allocatedResourceStatuses = 7;
  optional string currentVolumeAttributesClassName = 8 [(keep_zero) = true];
  optional ModifyVolumeStatus modifyVolumeStatus = 9;
}

message PersistentVolumeClaimCondition {
  optional string type = 1 [(keep_zero) = true];
  optional string status = 2 [(keep_zero) = true];
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastProbeTime = 3;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 4;
  optional string reason = 5;
  optional string message = 6;
}

message ModifyVolumeStatus {
  optional string targetVolumeAttributesClassName = 1;
  optional string status = 2 [(keep_zero) = true];
}

message TopologySelectorLabelRequirement {
  optional string key = 1 [(keep_zero) = true];
  repeated string values = 2;
}

message TopologySelectorTerm {
  repeated TopologySelectorLabelRequirement matchLabelExpressions = 1;
}
`,
`
syntax = "proto2";
package k8s.io.api.storage.v1;

message StorageClass {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional string provisioner = 2 [(keep_zero) = true];
  map<string, string> parameters = 3;
  optional string reclaimPolicy = 4 [(keep_zero) = true];
  repeated string mountOptions = 5;
  optional bool allowVolumeExpansion = 6 [(keep_zero) = true];
  optional string volumeBindingMode = 7 [(keep_zero) = true];
  repeated k8s.io.api.core.v1.TopologySelectorTerm allowedTopologies = 8;
}
`,
];
