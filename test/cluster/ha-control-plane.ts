// The HA control plane of the fault suite (`startCluster({ hosts: 3, ha: true })`):
//
//   orch-e1..e3 (10.250.0.21-23, ha-network.ts): three etcd members, one cluster
//   root namespace, 10.250.0.1: `apiserver` and `apiserver-2` (each with --etcd-servers
//                    listing the three members), `haproxy` in front of them (TCP, /readyz
//                    checks, cli/up/haproxy-config.ts), two schedulers and two controller
//                    managers with leader election
//   agents and proxies, and Cluster.client, talk to HAProxy.
//
// This file holds what only HA mode has: the members' and HAProxy's command lines, the
// HAProxy configuration, etcd's TLS material (`etcdTls`: a CA, one serving certificate for
// the three member addresses, the apiservers' client certificate), and the fault helpers
// (find the etcd leader, partition a member).
// Starting and killing is Cluster's (harness.ts): components are named `etcd-1`..`etcd-3`,
// `apiserver`, `apiserver-2` and `haproxy`.

import fs from 'node:fs';
import path from 'node:path';
import { ApiClient } from '../../client/rest-client.js';
import { haproxyConfig } from '../../cli/up/haproxy-config.js';
import { generateCA, generateClientCert, generateServerCert } from '../../foundation/pki.js';
import { BRIDGE_IP } from './network.js';
import {
  ETCD_MEMBERS, cutEtcdMember, etcdClientURL, etcdIP, etcdMemberName, etcdNsPath, etcdPeerURL, healEtcdMember,
} from './ha-network.js';

export type HaComponent = `etcd-${number}` | 'apiserver-2' | 'haproxy';
export const APISERVERS = ['apiserver', 'apiserver-2'] as const;
export type ApiserverName = (typeof APISERVERS)[number];

export const etcdComponent = (m: number): `etcd-${number}` => `etcd-${m}`;
export const memberOf = (c: string): number | undefined => {
  const m = /^etcd-(\d+)$/.exec(c);
  return m ? Number(m[1]) : undefined;
};

/** Health and metrics of member m, plain HTTP whatever the client URLs (etcd --listen-metrics-urls). */
const etcdMetricsURL = (m: number): string => `http://${etcdIP(m)}:2381`;

export class HaControlPlane {
  readonly members = Array.from({ length: ETCD_MEMBERS }, (_, k) => k + 1);
  private readonly etcdPki: string;

  constructor(
    private readonly dataDir: string,
    private readonly caFile: string,
    readonly apiPorts: Record<ApiserverName, number>,
    readonly lbPort: number,
    /** Members serve clients over TLS and require client certificates; the apiservers use --etcd-cafile/-certfile/-keyfile. */
    readonly etcdTls = false,
  ) {
    this.etcdPki = path.join(dataDir, 'etcd-pki');
    if (etcdTls) this.writeEtcdPki();
  }

  private writeEtcdPki(): void {
    const ca = generateCA({ commonName: 'orch-test-etcd-ca', validDays: 1 });
    const server = generateServerCert(ca, { commonName: 'etcd', ipAddresses: this.members.map(etcdIP), validDays: 1 });
    const client = generateClientCert(ca, { commonName: 'orch-apiserver', validDays: 1 });
    fs.mkdirSync(this.etcdPki, { recursive: true, mode: 0o700 });
    for (const [name, body] of Object.entries({ 'ca.crt': ca.certPem, 'server.crt': server.certPem, 'server.key': server.keyPem, 'client.crt': client.certPem, 'client.key': client.keyPem })) {
      fs.writeFileSync(path.join(this.etcdPki, name), body, { mode: 0o600 });
    }
  }

  /** The apiserver's flags for TLS to etcd (none without etcdTls). */
  get apiserverEtcdFlags(): string[] {
    if (!this.etcdTls) return [];
    const f = (n: string) => path.join(this.etcdPki, n);
    return ['--etcd-cafile', f('ca.crt'), '--etcd-certfile', f('client.crt'), '--etcd-keyfile', f('client.key')];
  }

  /** The URL every client uses: HAProxy. */
  get url(): string {
    return `https://${BRIDGE_IP}:${this.lbPort}`;
  }

  apiserverUrl(a: ApiserverName): string {
    return `https://${BRIDGE_IP}:${this.apiPorts[a]}`;
  }

  get etcdServers(): string {
    return this.members.map((m) => etcdClientURL(m, this.etcdTls)).join(',');
  }

  owns(c: string): boolean {
    return c === 'haproxy' || memberOf(c) !== undefined;
  }

  get configFile(): string {
    return path.join(this.dataDir, 'haproxy.cfg');
  }

  commandFor(c: string): string[] {
    if (c === 'haproxy') {
      fs.writeFileSync(this.configFile, haproxyConfig({
        bind: `${BRIDGE_IP}:${this.lbPort}`,
        backends: APISERVERS.map((a, k) => ({ name: `api${k + 1}`, address: `${BRIDGE_IP}:${this.apiPorts[a]}` })),
        caFile: this.caFile,
      }));
      // -db: foreground, no daemon (we hold its pid); -W not needed: a restart is a new process.
      return ['haproxy', '-db', '-f', this.configFile];
    }
    const m = memberOf(c)!;
    const client = etcdClientURL(m, this.etcdTls);
    const f = (n: string) => path.join(this.etcdPki, n);
    const tls = this.etcdTls ? ['--cert-file', f('server.crt'), '--key-file', f('server.key'), '--client-cert-auth', '--trusted-ca-file', f('ca.crt')] : [];
    const cluster = this.members.map((k) => `${etcdMemberName(k)}=${etcdPeerURL(k)}`).join(',');
    // nsenter execs etcd in the member's namespace: the pid we hold is etcd itself.
    // A member that restarts finds its data dir and ignores the --initial-* flags.
    return ['nsenter', `--net=${etcdNsPath(m)}`, 'etcd', '--name', etcdMemberName(m), '--data-dir', path.join(this.dataDir, `etcd-${m}`),
      '--listen-client-urls', client, '--advertise-client-urls', client, '--listen-metrics-urls', etcdMetricsURL(m), ...tls,
      '--listen-peer-urls', etcdPeerURL(m), '--initial-advertise-peer-urls', etcdPeerURL(m),
      '--initial-cluster', cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'orch-ha-test',
      // Short elections so a leader loss resolves in about a second (defaults: 100 ms / 1 s).
      '--heartbeat-interval', '100', '--election-timeout', '1000', '--log-level', 'warn'];
  }

  /** An admin client of one apiserver, bypassing HAProxy. */
  directClient(a: ApiserverName, token: string, ca: string): ApiClient {
    return new ApiClient({ server: this.apiserverUrl(a), ca, token, timeoutMs: 10_000, userAgent: 'orch-cluster-test' });
  }

  /** Is member m healthy (it has a leader and serves)? */
  async memberHealthy(m: number): Promise<boolean> {
    try {
      const r = await fetch(`${etcdMetricsURL(m)}/health`, { signal: AbortSignal.timeout(2000) });
      return r.ok && ((await r.json()) as { health?: string }).health === 'true';
    } catch {
      return false;
    }
  }

  /** The member that is the raft leader now, or undefined (none reachable says it leads). */
  async leader(): Promise<number | undefined> {
    for (const m of this.members) {
      try {
        const r = await fetch(`${etcdMetricsURL(m)}/metrics`, { signal: AbortSignal.timeout(2000) });
        if (/^etcd_server_is_leader 1$/m.test(await r.text())) return m;
      } catch {
        /* down or cut */
      }
    }
    return undefined;
  }

  partition(m: number): Promise<void> {
    return cutEtcdMember(m);
  }

  heal(m: number): Promise<void> {
    return healEtcdMember(m);
  }
}
