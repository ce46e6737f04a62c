// CertificateSigningRequest (certificates.k8s.io/v1) validation, as Kubernetes'
// ValidateCertificateSigningRequest: a request that is a base64 PEM "CERTIFICATE
// REQUEST" block, a signerName of the form domain/path, known usages without
// duplicates, expirationSeconds of at least 600, and conditions where Approved and Denied
// exclude each other and a certificate only comes with approval. The request's
// signature and subject are checked by the approver and signer, which parse it with a
// real X.509 library (controller/csr-*); here only its shape is checked.

import type { StatusCause } from '../errors.js';
import { arrayField, fe, int32Field, objField, strField, timeField, type Obj } from './field-errors.js';

export const KEY_USAGES = [
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment',
  'cert sign', 'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing',
  'email protection', 's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing',
  'microsoft sgc', 'netscape sgc',
] as const;

const PEM_BLOCK = (label: string) => new RegExp(`-----BEGIN ${label}-----\\r?\\n[A-Za-z0-9+/=\\r\\n]+-----END ${label}-----`);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SIGNER_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9._~/-]+$/;

function pemField(v: unknown, field: string, label: string, out: StatusCause[], required: boolean): void {
  if (v === undefined || v === null || v === '') {
    if (required) out.push(fe.required(field));
    return;
  }
  if (typeof v !== 'string' || !BASE64.test(v)) {
    out.push(fe.invalid(field, '<bytes>', 'must be base64-encoded bytes'));
    return;
  }
  const text = Buffer.from(v, 'base64').toString('latin1');
  if (!PEM_BLOCK(label).test(text)) out.push(fe.invalid(field, '<bytes>', `must contain a PEM-encoded ${label} block`));
}

function validateSpec(obj: Obj, out: StatusCause[]): void {
  const spec = objField(obj.spec, 'spec', out);
  if (!spec) {
    if (obj.spec === undefined || obj.spec === null) out.push(fe.required('spec'));
    return;
  }
  pemField(spec.request, 'spec.request', 'CERTIFICATE REQUEST', out, true);
  const signer = strField(spec.signerName, 'spec.signerName', out);
  if (!signer) out.push(fe.required('spec.signerName'));
  else if (signer.length > 571 || !SIGNER_NAME.test(signer)) out.push(fe.invalid('spec.signerName', signer, 'must be a fully qualified domain and path of the form \'example.com/signer-name\''));
  const usages = arrayField(spec.usages, 'spec.usages', out);
  const seen = new Set<unknown>();
  usages?.forEach((u, i) => {
    if (!(KEY_USAGES as readonly unknown[]).includes(u)) out.push(fe.notSupported(`spec.usages[${i}]`, u, KEY_USAGES));
    else if (seen.has(u)) out.push(fe.duplicate(`spec.usages[${i}]`, u));
    seen.add(u);
  });
  int32Field(spec.expirationSeconds, 'spec.expirationSeconds', out, { min: 600 });
  strField(spec.username, 'spec.username', out);
  strField(spec.uid, 'spec.uid', out);
  arrayField(spec.groups, 'spec.groups', out)?.forEach((g, i) => strField(g, `spec.groups[${i}]`, out));
}

function validateStatus(obj: Obj, out: StatusCause[]): void {
  if (obj.status === undefined || obj.status === null) return;
  const st = objField(obj.status, 'status', out);
  if (!st) return;
  const types = new Set<string>();
  arrayField(st.conditions, 'status.conditions', out)?.forEach((raw, i) => {
    const f = `status.conditions[${i}]`;
    const c = objField(raw, f, out);
    if (!c) return;
    const type = strField(c.type, `${f}.type`, out);
    if (!type) out.push(fe.required(`${f}.type`));
    else if (types.has(type) && ['Approved', 'Denied', 'Failed'].includes(type)) out.push(fe.duplicate(`${f}.type`, type));
    if (type) types.add(type);
    if (!['True', 'False', 'Unknown'].includes(c.status as string)) out.push(fe.notSupported(`${f}.status`, c.status ?? '', ['False', 'True', 'Unknown']));
    else if ((type === 'Approved' || type === 'Denied') && c.status !== 'True') out.push(fe.notSupported(`${f}.status`, c.status, ['True']));
    strField(c.reason, `${f}.reason`, out);
    strField(c.message, `${f}.message`, out);
    timeField(c.lastUpdateTime, `${f}.lastUpdateTime`, out);
    timeField(c.lastTransitionTime, `${f}.lastTransitionTime`, out);
  });
  if (types.has('Approved') && types.has('Denied')) out.push(fe.invalid('status.conditions', 'Approved,Denied', 'Approved and Denied conditions are mutually exclusive'));
  pemField(st.certificate, 'status.certificate', 'CERTIFICATE', out, false);
  if (st.certificate && !types.has('Approved')) out.push(fe.forbidden('status.certificate', 'a certificate is only issued for an approved request'));
  if (st.certificate && types.has('Denied')) out.push(fe.forbidden('status.certificate', 'a denied request gets no certificate'));
}

export function validateCertificateSigningRequest(obj: Obj): StatusCause[] {
  const out: StatusCause[] = [];
  validateSpec(obj, out);
  validateStatus(obj, out);
  return out;
}
