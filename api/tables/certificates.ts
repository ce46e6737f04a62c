// CertificateSigningRequests as `kubectl get csr` prints them (kubectl's
// printCertificateSigningRequest and extractCSRStatus).

import type { CertificateSigningRequest } from '../types.js';
import { AGE, column, NAME, type KindTable } from './columns.js';
import { humanDuration, timestampAge } from './duration.js';

/** Denied, else Approved, else Pending; then ",Failed" and ",Issued" as they apply. */
export function csrCondition(csr: CertificateSigningRequest): string {
  const types = new Set((csr.status?.conditions ?? []).map((c) => c.type));
  let s = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) s += ',Failed';
  if (csr.status?.certificate) s += ',Issued';
  return s;
}

export const CERTIFICATE_TABLES: Record<string, KindTable> = {
  certificatesigningrequests: {
    columns: [NAME, AGE, column('SignerName'), column('Requestor'), column('RequestedDuration'), column('Condition')],
    row(o, now) {
      const csr = o as CertificateSigningRequest;
      const seconds = csr.spec?.expirationSeconds;
      return [
        csr.metadata.name ?? '',
        timestampAge(csr.metadata.creationTimestamp, now),
        csr.spec?.signerName || '<none>',
        csr.spec?.username ?? '',
        typeof seconds === 'number' ? humanDuration(seconds * 1000) : '<none>',
        csrCondition(csr),
      ];
    },
  },
};
