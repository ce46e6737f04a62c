// ServiceAccount validation (Kubernetes' ValidateServiceAccount plus the shapes its
// fields must have): secrets are object references by name, imagePullSecrets local
// references by name, automountServiceAccountToken a boolean. Walks untrusted JSON: a
// wrong type is a field error, never an exception.

import type { StatusCause } from '../errors.js';
import { arrayField, boolField, fe, objField, strField, type Obj } from './field-errors.js';
import { isDns1123Subdomain } from './names.js';

function checkRefs(v: unknown, field: string, out: StatusCause[]): void {
  arrayField(v, field, out)?.forEach((raw, i) => {
    const f = `${field}[${i}]`;
    const ref = objField(raw, f, out);
    if (!ref) return;
    const name = strField(ref.name, `${f}.name`, out);
    if (name) for (const e of isDns1123Subdomain(name)) out.push(fe.invalid(`${f}.name`, name, e));
    for (const k of ['kind', 'namespace', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) strField(ref[k], `${f}.${k}`, out);
  });
}

export function validateServiceAccount(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  checkRefs(obj.secrets, 'secrets', out);
  checkRefs(obj.imagePullSecrets, 'imagePullSecrets', out);
  boolField(obj.automountServiceAccountToken, 'automountServiceAccountToken', out);
  return out;
}
