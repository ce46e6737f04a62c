// --cluster-signing-cert-file, --cluster-signing-key-file and --cluster-signing-duration,
// as kube-controller-manager takes them: both files or neither.

import fs from 'node:fs';
import { parseDuration } from '../../foundation/duration.js';
import type { CertAndKey } from '../../foundation/pki.js';

export function csrSigningFromFlags(flags: { clusterSigningCertFile?: string; clusterSigningKeyFile?: string; clusterSigningDuration?: string }): { ca: CertAndKey; durationMs: number } | undefined {
  const { clusterSigningCertFile: cert, clusterSigningKeyFile: key } = flags;
  if (!cert !== !key) throw new Error('--cluster-signing-cert-file and --cluster-signing-key-file go together');
  const durationMs = parseDuration(flags.clusterSigningDuration ?? '8760h', '--cluster-signing-duration');
  if (!(durationMs >= 10_000)) throw new Error(`invalid --cluster-signing-duration ${flags.clusterSigningDuration}: at least 10s`);
  if (!cert || !key) return undefined;
  return { ca: { certPem: fs.readFileSync(cert, 'utf8'), keyPem: fs.readFileSync(key, 'utf8') }, durationMs };
}
