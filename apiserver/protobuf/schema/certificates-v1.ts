// Protobuf schema (proto2 text) of k8s.io/api v0.32.9 certificates.k8s.io/v1
// (CertificateSigningRequest), as `kubectl certificate approve` and client-go send it.
// Field names, numbers and types are those of the upstream generated.proto; the options
// in brackets are orch's, for the JSON shape (see ../schemas.ts). spec.extra is left out:
// the apiserver fills the requester's fields itself and orch's users carry no extra.

export const CERTIFICATES_V1: readonly string[] = [
`
syntax = "proto2";
package k8s.io.api.certificates.v1;

message CertificateSigningRequest {
  optional k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta metadata = 1;
  optional CertificateSigningRequestSpec spec = 2;
  optional CertificateSigningRequestStatus status = 3;
}

message CertificateSigningRequestCondition {
  optional string type = 1 [(keep_zero) = true];
  optional string status = 6 [(keep_zero) = true];
  optional string reason = 2;
  optional string message = 3;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastUpdateTime = 4;
  optional k8s.io.apimachinery.pkg.apis.meta.v1.Time lastTransitionTime = 5;
}

message CertificateSigningRequestSpec {
  optional bytes request = 1 [(keep_zero) = true];
  optional string signerName = 7 [(keep_zero) = true];
  optional int32 expirationSeconds = 8 [(keep_zero) = true];
  repeated string usages = 5;
  optional string username = 2;
  optional string uid = 3;
  repeated string groups = 4;
}

message CertificateSigningRequestStatus {
  repeated CertificateSigningRequestCondition conditions = 1;
  optional bytes certificate = 2;
}
`,
];
