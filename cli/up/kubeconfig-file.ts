// A kubeconfig for kubectl pointing at a local orch cluster (same server, CA, token).

import YAML from 'yaml';

export function renderKubeconfig(opts: { name: string; server: string; caPem: string; token: string; namespace?: string; userName?: string }): string {
  // The user entry's name: NAME-admin for `orch up`'s admin, the person's for `orch init user`.
  const user = opts.userName ?? `${opts.name}-admin`;
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: opts.name, cluster: { server: opts.server, 'certificate-authority-data': Buffer.from(opts.caPem).toString('base64') } }],
    users: [{ name: user, user: { token: opts.token } }],
    contexts: [{ name: opts.name, context: { cluster: opts.name, user, namespace: opts.namespace ?? 'default' } }],
    'current-context': opts.name,
    preferences: {},
  };
  return YAML.stringify(doc);
}
