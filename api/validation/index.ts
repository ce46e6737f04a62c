// Entry point of validation: one call per write, dispatching to the kind's rules.
// Create when `old` is undefined, update otherwise (then the new object must be valid
// on its own AND respect what may not change). Returns every problem found, so a 422
// lists them all; an empty list means valid.
//
// The apiserver should apply defaults (api/defaults.ts) and copy the URL's namespace
// into metadata before calling this, both on create and on update.

import type { StatusCause } from '../errors.js';
import type { ResourceInfo } from '../resources.js';
import type { KubeObject } from '../types.js';
import { validateConfigMap, validateImmutableDataUpdate, validateSecret } from './configmap-secret.js';
import { validateDeployment, validateReplicaSet, validateReplicatedStatus, validateSelectorUpdate } from './deployment.js';
import { validateStatefulSet, validateStatefulSetUpdate } from './statefulset.js';
import { validateControllerRevision, validateControllerRevisionUpdate, validateDaemonSet, validateDaemonSetUpdate } from './daemonset.js';
import { isObj, type Obj } from './field-errors.js';
import { validateEndpointSlice, validateEndpointSliceUpdate } from './endpointslice.js';
import { validateEvent } from './event.js';
import { validateLease } from './lease.js';
import { isDns1035Label, validateObjectMeta, validateObjectMetaUpdate, type NameValidator } from './meta.js';
import { isDns1123Label, isDns1123Subdomain } from './names.js';
import { validateNamespace, validateNode, validateNodeUpdate } from './node.js';
import { validatePodDisruptionBudget } from './pdb.js';
import { validateWebhookConfiguration } from './webhook-configuration.js';
import { validateJob, validateJobUpdate } from './job.js';
import { validateCronJob } from './cronjob.js';
import { validateHorizontalPodAutoscaler } from './hpa.js';
import { isPathSegmentName, validateBindingUpdate, validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding } from './rbac.js';
import { validateCertificateSigningRequest } from './csr.js';
import { validateCustomResourceDefinition, validateCustomResourceDefinitionUpdate } from './crd.js';
import { validatePod, validatePodUpdate } from './pod.js';
import { validateServiceAccount } from './service-account.js';
import { validatePersistentVolume, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate, validatePersistentVolumeUpdate, validateStorageClass, validateStorageClassUpdate } from './storage.js';
import { validateEndpoints, validateService, validateServiceUpdate } from './service.js';

export type { FieldErrorReason } from './field-errors.js';

/** How names of each kind are checked, as in Kubernetes. */
export function nameValidatorFor(kind: string): NameValidator {
  switch (kind) {
    case 'Namespace':
      return isDns1123Label;
    case 'Service':
      return isDns1035Label;
    // RBAC names are path segments: system:kube-scheduler, system:controller:...
    case 'Role':
    case 'ClusterRole':
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return isPathSegmentName;
    default:
      return isDns1123Subdomain;
  }
}

/** Validates a name for a kind; returns messages (empty when valid). For URL path checks. */
export function validateName(resource: Pick<ResourceInfo, 'kind'>, name: string): string[] {
  return nameValidatorFor(resource.kind)(name);
}

function validateKind(kind: string, obj: Obj): StatusCause[] {
  switch (kind) {
    case 'Pod':
      return validatePod(obj);
    case 'Deployment':
      return [...validateDeployment(obj), ...validateReplicatedStatus(obj)];
    case 'ReplicaSet':
      return [...validateReplicaSet(obj), ...validateReplicatedStatus(obj)];
    case 'DaemonSet':
      return validateDaemonSet(obj);
    case 'StatefulSet':
      return validateStatefulSet(obj);
    case 'ControllerRevision':
      return validateControllerRevision(obj);
    case 'Node':
      return validateNode(obj);
    case 'Namespace':
      return validateNamespace(obj);
    case 'ConfigMap':
      return validateConfigMap(obj);
    case 'Secret':
      return validateSecret(obj);
    case 'Service':
      return validateService(obj);
    case 'Endpoints':
      return validateEndpoints(obj);
    case 'Lease':
      return validateLease(obj);
    case 'EndpointSlice':
      return validateEndpointSlice(obj);
    case 'Event':
      return validateEvent(obj);
    case 'ServiceAccount':
      return validateServiceAccount(obj);
    case 'CertificateSigningRequest':
      return validateCertificateSigningRequest(obj);
    case 'CustomResourceDefinition':
      return validateCustomResourceDefinition(obj);
    case 'PodDisruptionBudget':
      return validatePodDisruptionBudget(obj);
    case 'ValidatingWebhookConfiguration':
      return validateWebhookConfiguration(obj, false);
    case 'MutatingWebhookConfiguration':
      return validateWebhookConfiguration(obj, true);
    case 'Job':
      return validateJob(obj);
    case 'CronJob':
      return validateCronJob(obj);
    case 'HorizontalPodAutoscaler':
      return validateHorizontalPodAutoscaler(obj);
    case 'Role':
      return validateRole(obj);
    case 'ClusterRole':
      return validateClusterRole(obj);
    case 'RoleBinding':
      return validateRoleBinding(obj);
    case 'ClusterRoleBinding':
      return validateClusterRoleBinding(obj);
    case 'PersistentVolume':
      return validatePersistentVolume(obj);
    case 'PersistentVolumeClaim':
      return validatePersistentVolumeClaim(obj);
    case 'StorageClass':
      return validateStorageClass(obj);
    default:
      return [];
  }
}

/** Which write this is: the subresource decides what may change (binding sets spec.nodeName). */
export interface ValidateOptions {
  subresource?: string;
}

function validateKindUpdate(kind: string, obj: Obj, old: Obj, opts: ValidateOptions): StatusCause[] {
  switch (kind) {
    case 'CustomResourceDefinition':
      return validateCustomResourceDefinitionUpdate(obj, old);
    case 'Pod':
      return validatePodUpdate(obj, old, opts.subresource === 'binding');
    case 'Service':
      return validateServiceUpdate(obj, old);
    case 'Node':
      return validateNodeUpdate(obj, old);
    case 'Deployment':
    case 'ReplicaSet':
      return validateSelectorUpdate(obj, old);
    case 'DaemonSet':
      return validateDaemonSetUpdate(obj, old);
    case 'StatefulSet':
      return validateStatefulSetUpdate(obj, old);
    case 'ControllerRevision':
      return validateControllerRevisionUpdate(obj, old);
    case 'ConfigMap':
    case 'Secret':
      return validateImmutableDataUpdate(obj, old, kind);
    case 'EndpointSlice':
      return validateEndpointSliceUpdate(obj, old);
    case 'Job':
      return validateJobUpdate(obj, old);
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return validateBindingUpdate(obj, old);
    case 'PersistentVolume':
      return validatePersistentVolumeUpdate(obj, old);
    case 'PersistentVolumeClaim':
      return validatePersistentVolumeClaimUpdate(obj, old);
    case 'StorageClass':
      return validateStorageClassUpdate(obj, old);
    default:
      return [];
  }
}

export function validateObject(resource: Pick<ResourceInfo, 'kind' | 'namespaced'> & { custom?: ResourceInfo['custom'] }, obj: KubeObject, old?: KubeObject, opts: ValidateOptions = {}): StatusCause[] {
  if (!isObj(obj)) return [{ reason: 'FieldValueInvalid', message: 'Invalid value: the object must be a JSON object', field: '' }];
  const causes = validateObjectMeta(obj.metadata, {
    namespaced: resource.namespaced,
    nameValidator: resource.custom ? isDns1123Subdomain : nameValidatorFor(resource.kind),
    allowGenerateName: old === undefined,
  });
  // A custom kind is checked by its CRD's schema only (its kind name may be a built-in's).
  if (resource.custom) {
    causes.push(...resource.custom.validate(obj));
    if (old !== undefined && isObj(old)) causes.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
    return causes;
  }
  causes.push(...validateKind(resource.kind, obj as Obj));
  if (old !== undefined && isObj(old)) {
    causes.push(...validateObjectMetaUpdate(obj.metadata, old.metadata));
    causes.push(...validateKindUpdate(resource.kind, obj as Obj, old as Obj, opts));
  }
  return causes;
}

export { isDns1123Label, isDns1123Subdomain };
export { isConfigMapKey, isEnvVarName, isLabelValue, isPortName, isQualifiedName } from './names.js';
export { findUnsafeKeys, safeJsonParse } from './unsafe-keys.js';
export { validateBinding } from './binding.js';
