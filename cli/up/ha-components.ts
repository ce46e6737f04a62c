// `orch up --ha`: the HA control plane on one machine, for trying out what
// docs/multi-host.md runs on three VMs — three etcd members (one cluster), two apiservers
// and HAProxy in front of them (cli/up/haproxy-config.ts, the configuration the fault
// suite uses). Schedulers and controller managers run twice with --leader-elect (up.ts).
//
// Ports, from --api-port P and --etcd-port E: HAProxy listens on P (the URL clients use),
// the apiservers on P+1 and P+2; member m (1..3) serves clients on E+2(m-1) and peers on
// E+2(m-1)+1 (E..E+5). Member data lives under $ORCH_HOME/etcd/member-m, so `orch down
// --purge` removes it with the single-member data.

import fs from 'node:fs';
import path from 'node:path';
import type { HomePaths } from './home.js';
import type { ComponentSpec } from './processes.js';
import { findBinary } from './prerequisites.js';
import { haproxyConfig } from './haproxy-config.js';

export const HA_MEMBERS = [1, 2, 3] as const;
export const HA_APISERVERS = ['apiserver', 'apiserver-2'] as const;

export interface HaPorts {
  /** HAProxy: the one URL every client uses. */
  lb: number;
  apiservers: number[];
  members: Array<{ client: number; peer: number }>;
}

export function haPorts(apiPort: number, etcdPort: number): HaPorts {
  return {
    lb: apiPort,
    apiservers: [apiPort + 1, apiPort + 2],
    members: HA_MEMBERS.map((m) => ({ client: etcdPort + 2 * (m - 1), peer: etcdPort + 2 * (m - 1) + 1 })),
  };
}

/** Every port --ha needs, with what it is for (the prerequisite check). */
export function haPortList(ports: HaPorts): Array<{ port: number; what: string }> {
  return [
    { port: ports.lb, what: 'HAProxy (the API URL), --api-port' },
    ...ports.apiservers.map((port, k) => ({ port, what: `API server ${k + 1} (--api-port + ${k + 1})` })),
    ...ports.members.flatMap((m, k) => [
      { port: m.client, what: `etcd member ${k + 1} client${k === 0 ? ', --etcd-port' : ''}` },
      { port: m.peer, what: `etcd member ${k + 1} peer` },
    ]),
  ];
}

/** The HA binaries, or a message naming the package to install. */
export function haBinaries(): { etcd: string; haproxy: string } {
  const etcd = findBinary('etcd');
  const haproxy = findBinary('haproxy');
  if (!haproxy) throw new Error('orch up --ha needs HAProxy in front of the two apiservers: install it (Debian/Ubuntu: apt-get install haproxy) or run without --ha');
  if (!etcd) throw new Error('etcd is not installed (Debian/Ubuntu: apt-get install etcd-server)');
  return { etcd, haproxy };
}

export const etcdClientUrl = (port: number): string => `http://127.0.0.1:${port}`;

/**
 * The three members. Only the last waits for /health before the next component starts:
 * a member serves clients only once a quorum formed, which needs a second member running.
 */
export function etcdMemberSpecs(p: HomePaths, etcd: string, ports: HaPorts, extraFlags: string[]): ComponentSpec[] {
  const cluster = ports.members.map((m, k) => `orch-${k + 1}=http://127.0.0.1:${m.peer}`).join(',');
  return ports.members.map((m, k) => {
    const name = `etcd-${k + 1}`;
    const url = etcdClientUrl(m.client);
    return {
      name,
      command: [etcd, '--name', `orch-${k + 1}`, '--data-dir', path.join(p.etcdData, `member-${k + 1}`),
        '--listen-client-urls', url, '--advertise-client-urls', url,
        '--listen-peer-urls', `http://127.0.0.1:${m.peer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${m.peer}`,
        '--initial-cluster', cluster, '--initial-cluster-state', 'new', '--initial-cluster-token', 'orch-up-ha', '--log-level', 'warn', ...extraFlags],
      log: p.logFile(name),
      ...(k === ports.members.length - 1 ? { ready: { url: `${url}/health` } } : {}),
    };
  });
}

/** HAProxy in the foreground (-db) under the supervisor, with its configuration in run/. */
export function haproxySpec(p: HomePaths, haproxy: string, ports: HaPorts): ComponentSpec {
  const cfg = path.join(p.run, 'haproxy.cfg');
  fs.writeFileSync(cfg, haproxyConfig({
    bind: `0.0.0.0:${ports.lb}`,
    backends: ports.apiservers.map((port, k) => ({ name: `api${k + 1}`, address: `127.0.0.1:${port}` })),
    caFile: p.caCert,
  }));
  return { name: 'haproxy', command: [haproxy, '-db', '-f', cfg], log: p.logFile('haproxy') };
}
