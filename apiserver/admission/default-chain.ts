// The apiserver's admission plugins, in order: fields orch does not implement (422),
// then Pod Security (403 / warnings / audit annotations). Other plugins (service
// accounts, ...) join this list.

import { unimplementedFieldsAdmission } from './unimplemented.js';
import { DEFAULT_POD_SECURITY, podSecurityAdmission, type PodSecurityConfig } from './pod-security/admission.js';
import { admissionChain, type AdmissionPlugin } from './types.js';

export function defaultAdmission(podSecurity: Partial<PodSecurityConfig> = {}): AdmissionPlugin {
  return admissionChain([unimplementedFieldsAdmission, podSecurityAdmission({ ...DEFAULT_POD_SECURITY, ...podSecurity })]);
}
