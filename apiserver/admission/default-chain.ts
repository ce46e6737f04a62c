// The apiserver's admission plugins, in order: fieldValidation of JSON patches (400 /
// warnings, field-validation.ts), fields orch does not implement (422),
// then Pod Security (403 / warnings / audit annotations). Other plugins (service
// accounts, ...) join this list.

import { unimplementedFieldsAdmission } from './unimplemented.js';
import { DEFAULT_POD_SECURITY, podSecurityAdmission, type PodSecurityConfig } from './pod-security/admission.js';
import { admissionChain, type AdmissionPlugin } from './types.js';
import { jsonPatchUnknownFields } from '../field-validation.js';

export function defaultAdmission(podSecurity: Partial<PodSecurityConfig> = {}): AdmissionPlugin {
  return admissionChain([jsonPatchUnknownFields, unimplementedFieldsAdmission, podSecurityAdmission({ ...DEFAULT_POD_SECURITY, ...podSecurity })]);
}
