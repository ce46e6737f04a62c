// A kubeconfig for kubectl pointing at a local orch cluster (same server, CA, token).

import YAML from 'yaml';

export function renderKubeconfig(opts: { name: string; server: string; caPem: string; token: string; namespace?: string }): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: opts.name, cluster: { server: opts.server, 'certificate-authority-data': Buffer.from(opts.caPem).toString('base64') } }],
    users: [{ name: `${opts.name}-admin`, user: { token: opts.token } }],
    contexts: [{ name: opts.name, context: { cluster: opts.name, user: `${opts.name}-admin`, namespace: opts.namespace ?? 'default' } }],
    'current-context': opts.name,
    preferences: {},
  };
  return YAML.stringify(doc);
}
