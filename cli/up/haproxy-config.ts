// The HAProxy configuration orch uses in front of several apiservers: written by
// `orch up --ha` and by the multi-host fault suite's HA mode (test/cluster), and shown
// in docs/multi-host.md, so users run what the tests run.
//
// TCP passthrough (the apiservers terminate TLS and see the client's certificate or
// token). Health: an HTTPS GET of /readyz, which fails while the apiserver cannot reach
// etcd or is stopping; `inter`/`fall` decide how fast a dead apiserver leaves the pool.
// `on-marked-down shutdown-sessions` closes the connections of a server marked down, so
// a watch held open on an apiserver that lost etcd (or hangs) ends and its client
// reconnects through the other one instead of waiting on a silent stream.
// The long client/server timeouts keep watches (long-lived streams) open. The
// `-last-resort` backups: see below.

export interface HaproxyBackend {
  name: string;
  /** host:port of one apiserver. */
  address: string;
}

export interface HaproxyConfigOptions {
  /** address:port HAProxy listens on. */
  bind: string;
  backends: HaproxyBackend[];
  /** CA that signed the apiservers' serving certificates: the health check verifies them. Without: `verify none`. */
  caFile?: string;
  /** Health check period (ms); default 1000. */
  interMs?: number;
  /** Failed checks before a server is marked down; default 2. */
  fall?: number;
  /** Passed checks before a server is marked up again; default 1. */
  rise?: number;
}

export function haproxyConfig(o: HaproxyConfigOptions): string {
  const verify = o.caFile ? `verify required ca-file ${o.caFile}` : 'verify none';
  return [
    'global',
    '    # two file descriptors per connection: fits a 10k open-files limit',
    '    maxconn 4096',
    '',
    'defaults',
    '    mode tcp',
    '    timeout connect 2s',
    '    # watches are long-lived streams: do not cut them',
    '    timeout client 1h',
    '    timeout server 1h',
    '    # a connection refused by a dead apiserver is tried again on the other one',
    '    retries 2',
    '    option redispatch',
    '',
    'frontend orch-api',
    `    bind ${o.bind}`,
    '    default_backend orch-apiservers',
    '',
    'backend orch-apiservers',
    '    balance roundrobin',
    '    option httpchk GET /readyz',
    '    http-check expect status 200',
    `    default-server check check-ssl ${verify} inter ${o.interMs ?? 1000} fall ${o.fall ?? 2} rise ${o.rise ?? 1} on-marked-down shutdown-sessions`,
    ...o.backends.map((b) => `    server ${b.name} ${b.address}`),
    // When every apiserver fails /readyz (etcd lost quorum), send to them anyway: the
    // client then gets the apiserver's own 503 (and Retry-After) instead of a connection
    // HAProxy closes without a word. Backup servers are used only while no other is up.
    ...o.backends.map((b) => `    server ${b.name}-last-resort ${b.address} backup no-check`),
    '',
  ].join('\n');
}
