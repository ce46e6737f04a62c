// What `orch init` adds for in-cluster clients:
// - the names pods dial the apiserver by, in its serving certificate: kubernetes,
//   kubernetes.default, kubernetes.default.svc, kubernetes.default.svc.<cluster domain>,
//   and the `kubernetes` Service's ClusterIP (the first address of each Service range);
// - the key pair that signs service account tokens (sa.key, and sa.pub that verifies
//   them), EC P-256 (ES256), both 0600, created once and kept (a new key would make every
//   token in use invalid); --force starts over as for the CA.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_SERVICE_CLUSTER_IP_RANGE, kubernetesServiceIP, parseClusterIPRanges } from '../../apiserver/services/service-ranges.js';

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';
export const SA_KEY_FILE = 'sa.key';
export const SA_PUB_FILE = 'sa.pub';

/** The in-cluster names and address of the apiserver. Throws on a bad range. */
export function inClusterSANs(serviceRange = DEFAULT_SERVICE_CLUSTER_IP_RANGE, clusterDomain = DEFAULT_CLUSTER_DOMAIN): { dnsNames: string[]; ipAddresses: string[] } {
  const domain = clusterDomain.replace(/\.$/, '');
  return {
    dnsNames: ['kubernetes', 'kubernetes.default', 'kubernetes.default.svc', `kubernetes.default.svc.${domain}`],
    ipAddresses: parseClusterIPRanges(serviceRange).map(kubernetesServiceIP),
  };
}

/** sa.key / sa.pub in `dir`: kept when both exist (unless force), else generated. */
export function ensureServiceAccountKeys(dir: string, force: boolean): { key: string; pub: string; created: boolean } {
  const key = path.join(dir, SA_KEY_FILE);
  const pub = path.join(dir, SA_PUB_FILE);
  if (!force && fs.existsSync(key) && fs.existsSync(pub)) return { key, pub, created: false };
  const pair = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  fs.writeFileSync(key, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  fs.chmodSync(key, 0o600);
  fs.writeFileSync(pub, pair.publicKey.export({ type: 'spki', format: 'pem' }), { mode: 0o600 });
  fs.chmodSync(pub, 0o600);
  return { key, pub, created: true };
}
