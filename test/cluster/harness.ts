// A real multi-host orch cluster on one machine, for the fault suite.
//
//   root namespace:  10.250.0.1 (veth orchv0 into the bridge namespace orch-net, see
//                    network.ts) — etcd (loopback), apiserver (HTTPS on that address),
//                    scheduler(s), controller manager(s)
//   orch-hN:         netns 10.250.0.1N, its own dockerd and the agent of node hN
//
// The components are the built binaries (dist/cli/main.js), started exactly as a user
// would start them, with short timings so faults resolve in seconds. Everything is
// removed by teardown(), and start() first removes what a crashed run left (the names
// and directories are fixed for that reason).

import { nodeTakesPods } from '../../api/node-health.js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiClient } from '../../client/rest-client.js';
import type { Node } from '../../api/types.js';
import { writeSecretFile } from '../../foundation/secret-file.js';
import { issueNodeCert, runInit, tokenFor, nodeUser, ADMIN_USER, SCHEDULER_USER, CONTROLLER_MANAGER_USER } from '../../cli/commands/init.js';
import { freePort } from '../helpers/ports.js';
import { BRIDGE_IP, createBridge, createHostNetwork, cutHost, healHost, hostIP, netnsPath, removeNetwork, MAX_HOSTS } from './network.js';
import {
  dockerSocket, hostDataDir, loadImages, orchContainers, removeAllContainers, saveImages, startEngine, stopEngine, stopLeftoverEngine, engineAnswers,
  type ContainerInfo,
} from './docker-engine.js';
import { DATA_DIR, RUN_DIR, forget, killRecorded, startProc, stopProc, tail, type Proc } from './procs.js';
import { exec, waitUntil, FatalWait } from './sh.js';
import { HaControlPlane, memberOf, type ApiserverName, type HaComponent } from './ha-control-plane.js';
import { createEtcdMemberNetwork, removeEtcdMemberNetworks } from './ha-network.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';

// The repository: two levels up from test/cluster, three when compiled into dist-bench/.
const ROOT = ((dir: string) => {
  while (!fs.existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..'));
export const ENTRY = path.join(ROOT, 'dist', 'cli', 'main.js');

export type ControlComponent = 'etcd' | 'apiserver' | 'scheduler' | 'controller-manager' | 'scheduler-2' | 'controller-manager-2' | HaComponent;
/** A control-plane component, `agent-hN` or `proxy-hN` (the service proxy of host N). */
export type Component = ControlComponent | `agent-h${number}` | `proxy-h${number}`;

export interface ClusterOptions {
  hosts: number;
  /** 2: two schedulers and two controller managers with leader election. */
  controlPlaneReplicas?: 1 | 2;
  logLevel?: string;
  /** Extra controller-manager flags. */
  controllerManagerFlags?: string[];
  /**
   * Run the node-health flags at orch's defaults (no --node-monitor-grace-period,
   * --pod-eviction-timeout or --heartbeat-interval): what a user gets. Other scenarios pin
   * NODE_GRACE_MS / EVICTION_MS so their bounds do not move when the defaults do.
   */
  defaultNodeTimings?: boolean;
  /** Extra flags for every agent (e.g. `--network-backend host-gw`). */
  agentFlags?: string[];
  /**
   * Hosts whose agent starts with the cluster (default: all). The others get their
   * namespace and engine only: a test starts their agent later (a node joining).
   */
  agentsAtStart?: number;
  /** Start a service proxy (`orch proxy`) beside every agent (default: no proxies). */
  proxies?: boolean;
  /** Extra flags for every proxy. */
  proxyFlags?: string[];
  /** Images of the machine's engine every host's engine gets besides the standard test images (must exist). */
  extraImages?: string[];
  /**
   * The HA control plane (ha-control-plane.ts): three etcd members, `apiserver` and
   * `apiserver-2` behind `haproxy`, two schedulers and controller managers (implies
   * controlPlaneReplicas 2). Clients and components talk to HAProxy.
   */
  ha?: boolean;
  /** HA mode: etcd serves clients over TLS with client certificates (the apiservers' --etcd-cafile/-certfile/-keyfile). */
  etcdTls?: boolean;
}

export const NODE_GRACE_MS = 10_000;
export const EVICTION_MS = 5_000;

export const nodeName = (i: number): string => `h${i}`;

export class Cluster {
  private apiClient: ApiClient;
  private serverUrl: string;
  readonly logDir = path.join(DATA_DIR, 'logs');
  private readonly procs = new Map<string, Proc>();
  private readonly engines = new Map<number, Proc>();
  private readonly pki = path.join(DATA_DIR, 'cp', 'pki');
  private readonly tokenDir = path.join(DATA_DIR, 'cp', 'tokens');
  private etcdPorts = { client: 0, peer: 0 };
  private apiPort = 0;
  private caPem = '';
  /** The HA control plane's parts, when started with `ha: true`. */
  readonly ha?: HaControlPlane;

  constructor(readonly opts: Required<Pick<ClusterOptions, 'hosts' | 'controlPlaneReplicas' | 'logLevel'>> & ClusterOptions, ports: { etcd: number; peer: number; api: number; api2?: number; lb?: number }) {
    this.etcdPorts = { client: ports.etcd, peer: ports.peer };
    this.apiPort = ports.api;
    if (opts.ha) this.ha = new HaControlPlane(path.join(DATA_DIR, 'cp'), path.join(this.pki, 'ca.crt'), { apiserver: ports.api, 'apiserver-2': ports.api2 ?? 0 }, ports.lb ?? 0, opts.etcdTls);
    this.prepareCredentials();
    this.serverUrl = '';
    this.apiClient = this.connect();
  }

  private connect(): ApiClient {
    this.serverUrl = this.ha ? this.ha.url : `https://${BRIDGE_IP}:${this.apiPort}`;
    this.apiClient = new ApiClient({ server: this.serverUrl, ca: this.caPem, token: this.token(ADMIN_USER), timeoutMs: 10_000, userAgent: 'orch-cluster-test' });
    return this.apiClient;
  }

  /** An ApiClient with the admin token. */
  get client(): ApiClient {
    return this.apiClient;
  }

  get server(): string {
    return this.serverUrl;
  }

  /** Another admin client of the cluster's URL, with its own timeout. */
  adminClient(timeoutMs: number): ApiClient {
    return new ApiClient({ server: this.serverUrl, ca: this.caPem, token: this.token(ADMIN_USER), timeoutMs, userAgent: 'orch-cluster-test' });
  }

  /** HA mode: an admin client of one apiserver, bypassing HAProxy. */
  directClient(a: ApiserverName): ApiClient {
    if (!this.ha) throw new Error('directClient needs a cluster started with ha: true');
    return this.ha.directClient(a, this.token(ADMIN_USER), this.caPem);
  }

  /**
   * Runs kubectl (the reference client) as the admin against this cluster; throws with
   * its stderr when it fails. No kubeconfig is read: the flags say everything.
   */
  async kubectl(args: string[]): Promise<string> {
    const flags = ['--kubeconfig', '/dev/null', '--server', this.server, '--certificate-authority', path.join(this.pki, 'ca.crt'), '--token', this.token(ADMIN_USER), '--request-timeout', '20s'];
    const r = await exec('kubectl', [...flags, ...args], { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  /**
   * New ports for etcd or the apiserver before their first start: a port that was free
   * when picked can be taken by another engineer's process a moment later.
   */
  async repickPorts(c: 'etcd' | 'apiserver'): Promise<void> {
    if (c === 'etcd') this.etcdPorts = { client: await freePort(), peer: await freePort() };
    else {
      this.apiPort = await freePort();
      this.connect();
    }
  }

  get hostIndexes(): number[] {
    return Array.from({ length: this.opts.hosts }, (_, k) => k + 1);
  }

  private tokenFile(user: string): string {
    return path.join(this.tokenDir, `${user.replace(/[^a-z0-9-]/gi, '_')}.token`);
  }

  private token(user: string): string {
    return fs.readFileSync(this.tokenFile(user), 'utf8').trim();
  }

  private prepareCredentials(): void {
    const nodes = this.hostIndexes.map(nodeName);
    const init = runInit({ dir: this.pki, ips: [BRIDGE_IP, '127.0.0.1'], nodes, force: true });
    this.caPem = fs.readFileSync(init.files.caCert, 'utf8');
    // Each agent's log endpoint has its own certificate, for its node name and host address.
    for (const i of this.hostIndexes) issueNodeCert({ dir: this.pki, nodeName: nodeName(i), ips: [hostIP(i)] });
    fs.mkdirSync(this.tokenDir, { recursive: true, mode: 0o700 });
    for (const user of [ADMIN_USER, SCHEDULER_USER, CONTROLLER_MANAGER_USER, ...nodes.map(nodeUser)]) {
      const t = tokenFor(init.files.tokens, user);
      if (!t) throw new Error(`no token for ${user}`);
      writeSecretFile(this.tokenFile(user), t);
    }
  }

  private commandFor(c: Component): string[] {
    const log = ['--log-level', this.opts.logLevel];
    const clientFlags = (user: string) => ['--server', this.server, '--ca-file', path.join(this.pki, 'ca.crt'), '--token-file', this.tokenFile(user)];
    const le = this.opts.controlPlaneReplicas === 2 ? ['--leader-elect'] : [];
    if (this.ha?.owns(c)) return this.ha.commandFor(c);
    switch (c) {
      case 'etcd': {
        const url = `http://127.0.0.1:${this.etcdPorts.client}`;
        const peer = `http://127.0.0.1:${this.etcdPorts.peer}`;
        return ['etcd', '--name', 'orch-test', '--data-dir', path.join(DATA_DIR, 'cp', 'etcd'), '--listen-client-urls', url, '--advertise-client-urls', url,
          '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `orch-test=${peer}`, '--log-level', 'warn'];
      }
      case 'apiserver':
      case 'apiserver-2':
        return [process.execPath, ENTRY, 'apiserver', '--etcd-servers', this.ha ? this.ha.etcdServers : `http://127.0.0.1:${this.etcdPorts.client}`, '--bind-address', BRIDGE_IP,
          '--port', String(this.ha ? this.ha.apiPorts[c] : this.apiPort), ...(this.ha?.apiserverEtcdFlags ?? []), '--tls-cert-file', path.join(this.pki, 'apiserver.crt'), '--tls-private-key-file', path.join(this.pki, 'apiserver.key'),
          '--token-auth-file', path.join(this.pki, 'tokens.csv'), '--agent-ca-file', path.join(this.pki, 'ca.crt'),
          '--agent-client-cert-file', path.join(this.pki, 'apiserver-kubelet-client.crt'), '--agent-client-key-file', path.join(this.pki, 'apiserver-kubelet-client.key'), ...log];
      case 'scheduler':
      case 'scheduler-2':
        return [process.execPath, ENTRY, 'scheduler', ...clientFlags(SCHEDULER_USER), '--port', '0', ...le, ...(le.length ? ['--identity', c] : []), ...log];
      case 'controller-manager':
      case 'controller-manager-2':
        return [process.execPath, ENTRY, 'controller-manager', ...clientFlags(CONTROLLER_MANAGER_USER), '--port', '0', ...le, ...(le.length ? ['--identity', c] : []),
          ...(this.opts.defaultNodeTimings ? [] : ['--node-monitor-grace-period', `${NODE_GRACE_MS / 1000}s`, '--pod-eviction-timeout', `${EVICTION_MS / 1000}s`]),
          ...(this.opts.controllerManagerFlags ?? []), ...log];
      default: {
        const i = hostOf(c);
        const name = nodeName(i);
        if (c.startsWith('proxy-')) {
          // In the host's namespace like its agent, with the node's credentials.
          return ['nsenter', `--net=${netnsPath(i)}`, process.execPath, ENTRY, 'proxy', ...clientFlags(nodeUser(name)), '--node-name', name, '--port', '10256',
            '--sync-period', '10s', ...(this.opts.proxyFlags ?? []), ...log];
        }
        // nsenter switches only the network namespace and then execs node, so the pid we
        // hold is the agent itself (signals reach it directly).
        return ['nsenter', `--net=${netnsPath(i)}`, process.execPath, ENTRY, 'agent', ...clientFlags(nodeUser(name)), '--node-name', name, '--node-ip', hostIP(i),
          '--docker-socket', dockerSocket(i), '--root-dir', path.join(hostDataDir(i), 'agent'), '--log-port', '10250', '--log-address', hostIP(i),
          '--log-server-cert', path.join(this.pki, 'agents', name, 'agent.crt'), '--log-server-key', path.join(this.pki, 'agents', name, 'agent.key'),
          '--log-server-client-ca-file', path.join(this.pki, 'ca.crt'),
          ...(this.opts.defaultNodeTimings ? [] : ['--heartbeat-interval', '2s']), '--resync-interval', '5s', '--pod-infra-container-image', TEST_PAUSE_IMAGE, ...(this.opts.agentFlags ?? []), ...log];
      }
    }
  }

  /** Starts one component (it must not be running). */
  async start(c: Component): Promise<void> {
    const existing = this.procs.get(c);
    if (existing?.alive()) throw new Error(`${c} is already running (pid ${existing.pid})`);
    const proc = startProc(c, this.commandFor(c), path.join(this.logDir, `${c}.log`), DATA_DIR);
    this.procs.set(c, proc);
    if (c === 'etcd') {
      await waitUntil('etcd to be healthy', async () => {
        if (!proc.alive()) throw new FatalWait(`etcd exited:\n${tail(proc.log)}`);
        // A timeout: whatever squats on a taken port may never answer.
        return (await fetch(`http://127.0.0.1:${this.etcdPorts.client}/health`, { signal: AbortSignal.timeout(2000) })).ok;
      }, 60_000);
    } else if (this.ha && (c === 'apiserver' || c === 'apiserver-2')) {
      // Itself, not through HAProxy (which would answer through the other one).
      const direct = this.directClient(c);
      await waitUntil(`${c} to answer`, async () => {
        if (!proc.alive()) throw new FatalWait(`${c} exited:\n${tail(proc.log)}`);
        await direct.namespaces.get('default');
        return true;
      }, 60_000);
    } else if (c === 'apiserver' || c === 'haproxy') {
      await waitUntil(`the ${c} to answer`, async () => {
        if (!proc.alive()) throw new FatalWait(`${c} exited:\n${tail(proc.log)}`);
        await this.client.namespaces.get('default');
        return true;
      }, 60_000);
    } else if (this.ha && memberOf(c) !== undefined) {
      // Only that it runs: a member serves clients only once it has joined a quorum,
      // so a lone one cannot be waited for (callers wait for the members' health).
      await new Promise((r) => setTimeout(r, 300));
      if (!proc.alive()) throw new Error(`${c} exited:\n${tail(proc.log)}`);
    }
  }

  pid(c: Component): number | undefined {
    const p = this.procs.get(c);
    return p?.alive() ? p.pid : undefined;
  }

  /** Sends a signal; SIGKILL/SIGTERM wait until the process is gone. */
  async kill(c: Component, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const p = this.procs.get(c);
    if (!p?.alive()) throw new Error(`${c} is not running`);
    if (signal === 'SIGTERM') await stopProc(p, 30_000);
    else {
      process.kill(p.pid, signal);
      if (signal === 'SIGKILL') await p.exited;
    }
    if (signal === 'SIGKILL' || signal === 'SIGTERM') forget(p.pid);
  }

  async stop(c: Component): Promise<void> {
    return this.kill(c, 'SIGTERM');
  }

  async restart(c: Component): Promise<void> {
    await this.stop(c);
    await this.start(c);
  }

  pause(c: Component): void {
    const p = this.pid(c);
    if (!p) throw new Error(`${c} is not running`);
    process.kill(p, 'SIGSTOP');
  }

  resume(c: Component): void {
    const p = this.pid(c);
    if (!p) throw new Error(`${c} is not running`);
    process.kill(p, 'SIGCONT');
  }

  stopAgent(i: number): Promise<void> {
    return this.stop(`agent-h${i}`);
  }
  killAgent(i: number, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    return this.kill(`agent-h${i}`, signal);
  }
  startAgent(i: number): Promise<void> {
    return this.start(`agent-h${i}`);
  }
  startProxy(i: number): Promise<void> {
    return this.start(`proxy-h${i}`);
  }
  stopProxy(i: number): Promise<void> {
    return this.stop(`proxy-h${i}`);
  }

  cutNetwork(i: number): Promise<void> {
    return cutHost(i);
  }
  healNetwork(i: number): Promise<void> {
    return healHost(i);
  }

  async stopDocker(i: number): Promise<void> {
    await stopEngine(i, this.engines.get(i));
    this.engines.delete(i);
  }
  async startDocker(i: number): Promise<void> {
    this.engines.set(i, await startEngine(i, this.logDir));
  }
  async restartDocker(i: number): Promise<void> {
    await this.stopDocker(i);
    await this.startDocker(i);
  }

  /** Is host i's engine meant to be running (and answering)? */
  async engineUp(i: number): Promise<boolean> {
    return this.engines.has(i) && engineAnswers(i);
  }

  /** Containers with orch labels on host i (running or not). */
  dockerPs(i: number): Promise<ContainerInfo[]> {
    return orchContainers(i);
  }

  async readyNodes(): Promise<string[]> {
    const list = await this.client.nodes.list();
    return list.items
      .filter((n: Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((n) => n.metadata.name ?? '');
  }

  /** Ready nodes the scheduler may use: the controller manager lifted their not-ready/unreachable taints. */
  async usableNodes(): Promise<string[]> {
    const list = await this.client.nodes.list();
    return list.items.filter(nodeTakesPods).map((n) => n.metadata.name ?? '');
  }

  /**
   * Until the nodes are Ready and untainted: a node is NotReady (and tainted) until its pod
   * network is up, and a scenario that creates pods the moment Ready shows would see them
   * all placed on the node whose taint went first.
   */
  async waitNodesReady(names = this.hostIndexes.map(nodeName), timeoutMs = 90_000): Promise<void> {
    await waitUntil(`nodes ${names.join(', ')} to be Ready and untainted`, async () => {
      // An agent that exited (a flag this build does not know, a crash) never makes its
      // node Ready: say so at once, with its last words, instead of waiting out the timeout.
      for (const n of names) {
        const p = this.procs.get(`agent-${n}`);
        if (p && !p.alive()) {
          const said = tail(p.log, 5).split('\n').filter((l) => l.trim() && !l.startsWith('--- '));
          throw new FatalWait(`agent-${n} exited: ${said.slice(-3).join(' | ') || '(no output)'}`);
        }
      }
      const usable = await this.usableNodes();
      return names.every((n) => usable.includes(n));
    }, timeoutMs, 500);
  }

  /** Last lines of every component log, for a failing test's message. */
  logTails(lines = 15): string {
    return [...this.procs.values()].map((p) => `=== ${p.name} (${p.log})\n${tail(p.log, lines)}`).join('\n');
  }

  async teardown(): Promise<void> {
    // Agents first, so none recreates a container while engines are emptied.
    const order = [...this.procs.keys()].sort((a, b) => rank(a) - rank(b));
    for (const name of order) {
      const p = this.procs.get(name)!;
      await stopProc(p, 10_000);
      forget(p.pid);
    }
    this.procs.clear();
    for (const i of this.hostIndexes) {
      await healHost(i).catch(() => undefined);
      if (!this.engines.has(i) && !(await engineAnswers(i))) continue;
      await removeAllContainers(i).catch(() => undefined);
      await this.stopDocker(i);
    }
    await cleanupLeftovers();
  }
}

function rank(name: string): number {
  if (name.startsWith('agent-') || name.startsWith('proxy-')) return 0;
  if (name.startsWith('scheduler') || name.startsWith('controller-manager')) return 1;
  if (name.startsWith('apiserver') || name === 'haproxy') return 2;
  return 3;
}

function hostOf(c: string): number {
  const m = /^(?:agent|proxy)-h(\d+)$/.exec(c);
  if (!m) throw new Error(`unknown component ${c}`);
  return Number(m[1]);
}

/** Removes everything a run (this one, or an earlier crashed one) made. Idempotent. */
export async function cleanupLeftovers(): Promise<void> {
  await killRecorded();
  for (let i = 1; i <= MAX_HOSTS; i++) await stopLeftoverEngine(i, path.join(DATA_DIR, 'logs'));
  await removeEtcdMemberNetworks();
  await removeNetwork();
  if (process.env.ORCH_CLUSTER_KEEP_LOGS) {
    const keep = path.join('/tmp', `orch-cluster-logs-${Date.now()}`);
    if (fs.existsSync(path.join(DATA_DIR, 'logs'))) fs.cpSync(path.join(DATA_DIR, 'logs'), keep, { recursive: true });
  }
  // Container layers may still be mounted if an engine died hard: unmount before removal.
  const mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m && (m.startsWith(DATA_DIR) || m.startsWith(RUN_DIR)));
  for (const m of mounts.sort((a, b) => b.length - a.length)) await exec('umount', ['-l', m]);
  fs.rmSync(DATA_DIR, { recursive: true, force: true });
  fs.rmSync(RUN_DIR, { recursive: true, force: true });
}

/** HA mode: the members' namespaces, the three members, both apiservers, HAProxy. */
async function startHaControlPlane(cluster: Cluster): Promise<void> {
  const ha = cluster.ha!;
  for (const m of ha.members) await createEtcdMemberNetwork(m);
  for (const m of ha.members) await cluster.start(`etcd-${m}`);
  await waitUntil('every etcd member to be healthy', async () => (await Promise.all(ha.members.map((m) => ha.memberHealthy(m)))).every(Boolean), 60_000);
  await cluster.start('apiserver');
  await cluster.start('apiserver-2');
  await cluster.start('haproxy');
}

/** Builds and starts a cluster; on any failure tears down what was made and rethrows. */
export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  if (!fs.existsSync(ENTRY)) throw new Error(`${ENTRY} is missing: run \`npm run build\` first`);
  if (opts.hosts < 1 || opts.hosts > MAX_HOSTS) throw new Error(`hosts must be 1..${MAX_HOSTS}`);
  await cleanupLeftovers();
  fs.mkdirSync(path.join(DATA_DIR, 'cp'), { recursive: true, mode: 0o700 });
  fs.mkdirSync(RUN_DIR, { recursive: true });
  const ports = { etcd: await freePort(), peer: await freePort(), api: await freePort(), ...(opts.ha ? { api2: await freePort(), lb: await freePort() } : {}) };
  const cluster = new Cluster({ controlPlaneReplicas: opts.ha ? 2 : 1, logLevel: process.env.ORCH_CLUSTER_LOG_LEVEL ?? 'info', ...opts }, ports);
  try {
    await createBridge();
    const tarball = path.join(DATA_DIR, 'images.tar');
    const saving = saveImages(tarball, opts.extraImages);
    for (const i of cluster.hostIndexes) await createHostNetwork(i);
    // Engines start in parallel: each takes a few seconds on a busy machine.
    await Promise.all(cluster.hostIndexes.map((i) => cluster.startDocker(i)));
    await saving;
    await Promise.all(cluster.hostIndexes.map((i) => loadImages(i, tarball)));
    if (cluster.ha) await startHaControlPlane(cluster);
    for (const c of cluster.ha ? [] : (['etcd', 'apiserver'] as const)) {
      for (let attempt = 1; ; attempt++) {
        try {
          await cluster.start(c);
          break;
        } catch (err) {
          if (attempt >= 3 || !/address already in use/.test((err as Error).message)) throw err;
          await cluster.repickPorts(c);
        }
      }
    }
    const cp: Component[] = opts.controlPlaneReplicas === 2 ? ['scheduler', 'controller-manager', 'scheduler-2', 'controller-manager-2'] : ['scheduler', 'controller-manager'];
    for (const c of cp) await cluster.start(c);
    const withAgent = cluster.hostIndexes.slice(0, opts.agentsAtStart ?? opts.hosts);
    for (const i of withAgent) await cluster.startAgent(i);
    if (opts.proxies) for (const i of withAgent) await cluster.startProxy(i);
    await cluster.waitNodesReady(withAgent.map(nodeName));
    return cluster;
  } catch (err) {
    const logs = cluster.logTails();
    await cluster.teardown().catch(() => undefined);
    throw new Error(`cluster did not start: ${(err as Error).message}\n${logs}`);
  }
}
