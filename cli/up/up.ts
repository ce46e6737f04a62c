// `orch up`: a complete local cluster as separate processes — etcd, the apiserver over
// HTTPS (generated CA, certificate and tokens), the scheduler, the controller manager
// and one agent per requested node on the local Docker engine — under a supervisor
// (supervisor.ts) that restarts any that crashes. `orch up` writes what to run into
// run/cluster.json, starts the supervisor as its own detached process (`orch supervise`;
// with --foreground it runs in this process), follows its progress in run/supervisor.json
// and returns when the nodes are Ready and untainted (they can take pods). A cluster whose supervisor died but whose
// components still run is adopted by a new supervisor instead of being started twice.

import { nodeTakesPods } from '../../api/node-health.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ApiClient } from '../../client/rest-client.js';
import { writeSecretFile } from '../../foundation/secret-file.js';
import { detectNodeIP } from '../../foundation/node-ip.js';
import { AUDIT_POLICY_FILE, ENCRYPTION_CONFIG_FILE } from '../commands/init-encryption.js';
import { issueNodeCert, runInit, tokenFor, nodeUser, ADMIN_USER, SCHEDULER_USER, CONTROLLER_MANAGER_USER } from '../commands/init.js';
import { homePaths, type HomePaths } from './home.js';
import { MALLOC_TUNING_ENV } from '../../foundation/malloc-tuning.js';
import { checkPrerequisites, dockerSocketPath, findBinary, ephemeralPort, networkBackendFlags, sandboxImageFlags } from './prerequisites.js';
import { clusterCidrFor, hostNetworks } from './pod-range.js';
import { serviceCidrFor } from './service-range.js';
import { isAlive, launchProcess, orchEntry, tailFile, type ComponentSpec } from './processes.js';
import { viewCluster, writeClusterState, type ClusterState } from './cluster-state.js';
import { clusterSupervisor, supervisorLogger } from './supervise.js';
import type { Supervisor } from './supervisor.js';
import { describeExit, readSupervisorStatus } from './supervisor-status.js';
import { stopCluster } from './stop-cluster.js';
import { renderKubeconfig } from './kubeconfig-file.js';
import { saveContext } from '../client-config.js';
import { podSecurityArgs, type UpPodSecurity } from './pod-security-flags.js';
import { HA_APISERVERS, etcdClientUrl, etcdMemberSpecs, haBinaries, haPortList, haPorts, haproxySpec } from './ha-components.js';

export interface UpOptions {
  apiPort: number;
  etcdPort: number;
  /** Log endpoint port of the first agent; agent i listens on agentPort + i. */
  agentPort: number;
  nodes: number;
  /** Node name (one node) or name prefix (name-1..N); default: the hostname, or node-1..N. */
  nodeName?: string;
  foreground: boolean;
  logLevel: string;
  /** Seconds to wait for the nodes to become Ready. */
  timeoutSeconds: number;
  /** --cluster-cidr for the controller manager; default: a free range (pod-range.ts). */
  clusterCidr?: string;
  /** --service-cluster-ip-range for the apiserver; default: the one of the pod range (service-range.ts). */
  serviceCidr?: string;
  /** The apiserver's --pod-security-default and --pod-security-exempt-namespaces (pod-security-flags.ts). */
  podSecurity?: UpPodSecurity;
  /** Three etcd members, two apiservers behind HAProxy, two schedulers and controller managers (ha-components.ts). */
  ha?: boolean;
  /** The service proxies' --proxy-mode (default iptables). */
  proxyMode?: 'iptables' | 'nftables';
}

type Out = (line: string) => void;

/** Node names: the hostname for one node, node-1..N for several (as in the compose demo). */
export function nodeNames(count: number, base?: string): string[] {
  if (count <= 1) return [base ?? (os.hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'node-1')];
  return Array.from({ length: count }, (_, i) => `${base ?? 'node'}-${i + 1}`);
}

function ensurePki(p: HomePaths, nodes: string[], nodeIP: string, serviceRange: string): { caPem: string } {
  // The serving certificate also names what pods dial: kubernetes.default.svc and the `kubernetes` ClusterIP of this range.
  runInit({ dir: p.pki, nodes, ips: [nodeIP], serviceClusterIpRange: serviceRange });
  const caPem = fs.readFileSync(p.caCert, 'utf8');
  // Every agent's log endpoint gets a certificate of its own, for its node name (what the
  // apiserver checks) and the address it publishes; reissued when the address changed.
  for (const n of nodes) issueNodeCert({ dir: p.pki, nodeName: n, ips: [nodeIP] });
  // One file per identity, so no token ever appears on a command line.
  for (const user of [ADMIN_USER, SCHEDULER_USER, CONTROLLER_MANAGER_USER, ...nodes.map(nodeUser)]) {
    const token = tokenFor(p.tokens, user);
    if (!token) throw new Error(`no token for ${user} in ${p.tokens}`);
    writeSecretFile(p.tokenFile(user), token);
  }
  return { caPem };
}

/**
 * Secret volumes stay in memory: an agent running as root mounts a tmpfs per pod under its
 * root dir; any other user cannot, so its agents keep them under /dev/shm (a tmpfs).
 */
function secretRunDir(p: HomePaths, node: string): string[] {
  const uid = process.getuid?.();
  if (uid === undefined || uid === 0) return [];
  const cluster = crypto.createHash('sha256').update(p.home).digest('hex').slice(0, 8);
  return ['--run-dir', path.join('/dev/shm', `orch-${uid}-${cluster}`, node)];
}

/** The subnets of the engine's networks (a pod range must overlap none: Docker refuses it). */
async function dockerSubnets(socketPath: string): Promise<string[]> {
  // Loaded here, not at the top: every `orch` command loads this file, only `orch up` needs dockerode.
  const { DockerRuntime } = await import('../../agent/runtime/docker-runtime.js');
  const { createLogger } = await import('../../foundation/logger.js');
  const runtime = new DockerRuntime({ socketPath, logger: createLogger('orch-up', 'error', { fd: 2 }) });
  return (await runtime.listNetworks({})).flatMap((n) => n.subnets.map((x) => x.subnet));
}

/**
 * Polls check until it passes. `failFast` runs first on every round and its throw ends the
 * wait at once (a component that crashed during the start), where check's throws only
 * mean "not yet".
 */
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, failFast: () => void, onSlow?: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let warned = false;
  while (Date.now() < deadline) {
    failFast();
    if (await check().catch(() => false)) return;
    if (!warned && onSlow && Date.now() > deadline - timeoutMs / 2) {
      onSlow();
      warned = true;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export interface UpResult {
  state: ClusterState;
  /** Set when a cluster was already running (nothing was started). */
  alreadyRunning?: boolean;
  /** With --foreground: the supervisor running in this process (stop it before exiting). */
  foreground?: Supervisor;
}

export async function up(opts: UpOptions, out: Out): Promise<UpResult> {
  const p = homePaths();
  const view = viewCluster(p);
  if (view?.supervisorAlive) {
    out(`A cluster is already running from ${p.home} (API at ${view.state.server}).`);
    out('Use `orch status` to see it, or `orch down` to stop it first.');
    return { state: view.state, alreadyRunning: true };
  }
  const survivors = view?.components.filter((c) => c.alive) ?? [];
  if (view && survivors.length) {
    // Its supervisor died; the components did not. Adopt them rather than start a second
    // etcd on the same data: the running cluster's recorded settings win over the flags.
    out(`The supervisor of the cluster in ${p.home} is gone; ${survivors.map((c) => c.spec.name).join(', ')} still run.`);
    out('Starting a new supervisor that adopts them and starts what is missing (the running cluster\'s settings are kept).');
    return supervise(p, view.state, opts, out);
  }

  const podSecurity = podSecurityArgs(opts.podSecurity ?? {});
  if (opts.proxyMode === 'nftables' && !findBinary('nft')) throw new Error('--proxy-mode nftables needs the nft tool on PATH (Debian/Ubuntu: apt-get install -y nftables), or leave --proxy-mode at iptables');
  const dockerSocket = dockerSocketPath();
  const nodes = nodeNames(opts.nodes, opts.nodeName);
  const logPorts = nodes.map((_, i) => opts.agentPort + i);
  const ha = opts.ha ? { bin: haBinaries(), ports: haPorts(opts.apiPort, opts.etcdPort) } : undefined;
  const fixedPorts = [
    ...(ha ? haPortList(ha.ports) : [
      { port: opts.apiPort, what: 'API server, --api-port' },
      { port: opts.etcdPort, what: 'etcd client, --etcd-port' },
      { port: opts.etcdPort + 1, what: 'etcd peer' },
    ]),
    ...logPorts.map((port, i) => ({ port, what: `log endpoint of agent ${nodes[i]}` })),
  ];
  const problems = await checkPrerequisites({ dockerSocket, ports: fixedPorts });
  if (problems.length) throw new Error(`cannot start the cluster:\n  - ${problems.join('\n  - ')}`);
  // The components' /healthz ports are picked at random below: never one of these.
  const plannedPorts = new Set(fixedPorts.map((x) => x.port));

  for (const dir of [p.home, p.logs, p.run, p.etcdData]) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const nodeIP = detectNodeIP();

  const node = process.execPath;
  const entry = orchEntry();
  const server = `https://127.0.0.1:${opts.apiPort}`;
  const etcdEndpoint = ha ? ha.ports.members.map((m) => etcdClientUrl(m.client)).join(',') : `http://127.0.0.1:${opts.etcdPort}`;
  const components: ComponentSpec[] = [];
  const record = (name: string, command: string[], ready?: ComponentSpec['ready'], env?: Record<string, string>) =>
    components.push({ name, command, log: p.logFile(name), ...(ready ? { ready } : {}), ...(env ? { env } : {}) });

  const etcdLimits = [
      // History and size stay bounded (docs/operations.md, "etcd maintenance"): keep
      // 10 minutes of history (watches that reconnect within it resume without a
      // relist), stop writes at 2 GiB (the NOSPACE alarm) before they fill the disk,
      // and say out loud the write limit the apiserver's --etcd-max-request-bytes
      // matches (etcd's default, 1.5 MiB).
      '--auto-compaction-mode', 'periodic', '--auto-compaction-retention', '10m',
      '--quota-backend-bytes', String(2 * 1024 ** 3), '--max-request-bytes', '1572864'];
  if (ha) components.push(...etcdMemberSpecs(p, ha.bin.etcd, ha.ports, etcdLimits));
  else {
    record(
      'etcd',
      [findBinary('etcd')!, '--name', 'orch', '--data-dir', p.etcdData,
        '--listen-client-urls', etcdEndpoint, '--advertise-client-urls', etcdEndpoint,
        '--listen-peer-urls', `http://127.0.0.1:${opts.etcdPort + 1}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${opts.etcdPort + 1}`,
        '--initial-cluster', `orch=http://127.0.0.1:${opts.etcdPort + 1}`, '--log-level', 'warn', ...etcdLimits],
      { url: `${etcdEndpoint}/health` },
    );
  }
  const podRange = await clusterCidrFor(p.clusterCidr, opts.clusterCidr, async () => [...(await dockerSubnets(dockerSocket)), ...hostNetworks()]);
  if (podRange.note) out(podRange.note);
  const serviceRange = serviceCidrFor(p.serviceCidr, opts.serviceCidr, podRange.cidr);
  out(`Preparing certificates and tokens in ${p.pki}`);
  ensurePki(p, nodes, nodeIP, serviceRange);
  const apiservers = ha ? HA_APISERVERS.map((name, k) => ({ name, port: ha.ports.apiservers[k] })) : [{ name: 'apiserver', port: opts.apiPort }];
  for (const { name, port } of apiservers) record(
    name,
    // Pods reach the API through the `kubernetes` Service, whose endpoint is the advertised
    // address: the node's, so the apiserver listens on every address (TLS + tokens as always).
    [node, entry, 'apiserver', '--etcd-servers', etcdEndpoint, '--bind-address', '0.0.0.0', '--advertise-address', nodeIP, '--port', String(port),
      '--service-cluster-ip-range', serviceRange,
      '--tls-cert-file', p.apiserverCert, '--tls-private-key-file', p.apiserverKey, '--token-auth-file', p.tokens, '--client-ca-file', p.caCert,
      '--agent-ca-file', p.caCert, '--agent-client-cert-file', p.agentClientCert, '--agent-client-key-file', p.agentClientKey, '--log-level', opts.logLevel,
      '--service-account-signing-key-file', p.saKey, '--service-account-key-file', p.saPub,
      // Secrets encrypted in etcd and an audit log, with the files orch init wrote (init-encryption.ts).
      '--encryption-provider-config', path.join(p.pki, ENCRYPTION_CONFIG_FILE),
      '--audit-policy-file', path.join(p.pki, AUDIT_POLICY_FILE), '--audit-log-path', path.join(p.logs, 'audit.log'), ...podSecurity],
    { url: `https://127.0.0.1:${port}/readyz`, caFile: p.caCert },
  );
  if (ha) components.push(haproxySpec(p, ha.bin.haproxy, ha.ports));
  const componentFlags = (user: string) => ['--server', server, '--ca-file', p.caCert, '--token-file', p.tokenFile(user), '--log-level', opts.logLevel];
  // Their /healthz + /metrics ports (on 127.0.0.1) are picked free at start: several local
  // clusters (other ORCH_HOMEs, tests) and several agents must not collide on the defaults.
  // With --ha two of each, with leader election: one works, the other takes over.
  for (const suffix of ha ? ['', '-2'] : ['']) {
    const le = ha ? ['--leader-elect', '--identity', `scheduler${suffix}`] : [];
    record(`scheduler${suffix}`, [node, entry, 'scheduler', ...componentFlags(SCHEDULER_USER), '--port', String(await ephemeralPort(plannedPorts)), ...le]);
  }
  for (const suffix of ha ? ['', '-2'] : ['']) {
    const le = ha ? ['--leader-elect', '--identity', `controller-manager${suffix}`] : [];
    record(`controller-manager${suffix}`, [node, entry, 'controller-manager', ...componentFlags(CONTROLLER_MANAGER_USER), '--port', String(await ephemeralPort(plannedPorts)),
      '--cluster-cidr', podRange.cidr, '--service-cluster-ip-range', serviceRange,
      // Nodes that join with `orch token create` get their certificates signed by the cluster CA.
      '--cluster-signing-cert-file', p.caCert, '--cluster-signing-key-file', p.caKey, '--root-ca-file', p.caCert, ...le]);
  }
  const healthPorts: number[] = [];
  for (const _ of nodes) healthPorts.push(await ephemeralPort(plannedPorts));
  const sandbox = await sandboxImageFlags(dockerSocket);
  if (sandbox.note) out(sandbox.note);
  const network = networkBackendFlags();
  if (network.note) out(network.note);
  nodes.forEach((name, i) =>
    record(
      `agent-${name}`,
      [node, entry, 'agent', ...componentFlags(nodeUser(name)), '--node-name', name, '--node-ip', nodeIP, '--docker-socket', dockerSocket,
        '--root-dir', p.agentRoot(name), '--log-port', String(logPorts[i]), '--healthz-port', String(healthPorts[i]),
        '--log-server-cert', p.agentCert(name), '--log-server-key', p.agentKey(name), '--log-server-client-ca-file', p.caCert, ...secretRunDir(p, name), ...sandbox.flags, ...network.flags],
    ),
  );
  // A service proxy per node (with the node's credentials), as every host of a real
  // cluster runs one. Without the pod network (no root, no iptables) it could program
  // nothing: Services are then stored but not routed, and orch up says so.
  if (network.flags.length === 0) {
    const proxyPorts: number[] = [];
    for (const _ of nodes) proxyPorts.push(await ephemeralPort(plannedPorts));
    nodes.forEach((name, i) => record(`proxy-${name}`, [node, entry, 'proxy', ...componentFlags(nodeUser(name)), '--node-name', name, '--port', String(proxyPorts[i]), '--proxy-mode', opts.proxyMode ?? 'iptables'], undefined, { ...MALLOC_TUNING_ENV }));
  } else {
    out('No service proxy either: Services get addresses but route nothing (docs/services.md).');
  }

  const state: ClusterState = { server, apiPort: opts.apiPort, etcdEndpoint, nodes, startedAt: new Date().toISOString(), components };
  // A status file of an earlier cluster (whose processes are all gone) must not be adopted from.
  fs.rmSync(p.supervisorStatus, { force: true });
  writeClusterState(p.clusterState, state);
  if (ha) out(`Starting three etcd members (${etcdEndpoint}, data in ${p.etcdData}), two API servers (ports ${ha.ports.apiservers.join(', ')}) behind HAProxy (${server}), two schedulers, two controller managers`);
  else out(`Starting etcd (${etcdEndpoint}, data in ${p.etcdData}), the API server (${server}), the scheduler, the controller manager`);
  const perNode = network.flags.length === 0 ? 'the agent and service proxy' : 'the agent';
  out(`and ${nodes.length === 1 ? `${perNode} for node ${nodes[0]}` : `${perNode} for nodes ${nodes.join(', ')}`} (Docker at ${dockerSocket})`);
  return supervise(p, state, opts, out);
}

/** Starts the supervisor of the cluster in run/cluster.json and waits until the cluster works. */
async function supervise(p: HomePaths, state: ClusterState, opts: UpOptions, out: Out): Promise<UpResult> {
  let foreground: Supervisor | undefined;
  if (opts.foreground) {
    foreground = clusterSupervisor(p, supervisorLogger(p));
    state.supervisor = { pid: process.pid, log: p.logFile('supervisor') };
    writeClusterState(p.clusterState, state);
    void foreground.start();
  } else {
    const sup = launchProcess('supervisor', [process.execPath, orchEntry(), 'supervise'], p.logFile('supervisor'), { env: { ORCH_HOME: p.home }, unref: true });
    state.supervisor = { pid: sup.pid, log: p.logFile('supervisor') };
    writeClusterState(p.clusterState, state);
  }
  out(`Started the supervisor (pid ${state.supervisor.pid}): it restarts any component that exits; logs in ${p.logs}`);

  // Until the new supervisor writes its own status, the file may still be an earlier one's.
  const status = () => {
    const s = readSupervisorStatus(p.supervisorStatus);
    return s?.pid === state.supervisor!.pid ? s : undefined;
  };
  const component = (name: string) => status()?.components.find((c) => c.name === name);
  // A component that exits while the cluster starts is a start failure (a port taken, a
  // bad flag), reported with its log, not something to wait out through restarts.
  const failFast = () => {
    if (!foreground && !isAlive(state.supervisor!.pid)) throw new StartFailure('the supervisor exited', p.logFile('supervisor'));
    const crashed = status()?.components.find((c) => c.lastExit);
    if (crashed) throw new StartFailure(`${crashed.name} exited during start (${describeExit(crashed.lastExit!)})`, state.components.find((c) => c.name === crashed.name)?.log);
  };
  const running = (name: string) => async () => component(name)?.state === 'running';
  try {
    // A timeout names the component it waited for, with its log.
    const withLog = (name: string) => (e: unknown) => {
      throw e instanceof StartFailure ? e : new StartFailure((e as Error).message, state.components.find((c) => c.name.startsWith(name))?.log);
    };
    // The last etcd component (etcd-3 with --ha) is running once the cluster answers /health.
    const lastEtcd = state.components.filter((c) => c.name === 'etcd' || c.name.startsWith('etcd-')).pop()?.name ?? 'etcd';
    await waitFor('etcd to become healthy', running(lastEtcd), 30_000, failFast).catch(withLog('etcd'));
    const adminToken = fs.readFileSync(p.tokenFile(ADMIN_USER), 'utf8').trim();
    const caPem = fs.readFileSync(p.caCert, 'utf8');
    const client = new ApiClient({ server: state.server, ca: caPem, token: adminToken, timeoutMs: 5000 });
    const lastApi = state.components.some((c) => c.name === 'haproxy') ? 'haproxy' : 'apiserver';
    await waitFor('the API server to become ready', async () => (await running(lastApi)()) && !!(await client.namespaces.get('default')), 30_000, failFast).catch(
      withLog('apiserver'),
    );

    // Client configuration first: even if the nodes are slow, `orch` already works.
    saveContext({ name: 'local', server: state.server, ca: caPem, token: adminToken, namespace: 'default' }, p.config);
    fs.writeFileSync(p.kubeconfig, renderKubeconfig({ name: 'orch-local', server: state.server, caPem, token: adminToken }), { mode: 0o600 });

    // Every component runs first (the supervisor starts them one after the other): the
    // Nodes of an earlier run of this home may still show Ready in etcd before this run's
    // agents are even started.
    await waitFor(
      'every component to start',
      async () => state.components.every((c) => component(c.name)?.state === 'running'),
      opts.timeoutSeconds * 1000,
      failFast,
    ).catch((e: unknown) => {
      const pending = state.components.find((c) => component(c.name)?.state !== 'running');
      throw e instanceof StartFailure ? e : new StartFailure(`${pending?.name ?? 'a component'} is not running`, pending?.log);
    });
    const nodes = state.nodes;
    out(`Waiting for ${nodes.length === 1 ? 'the node' : `${nodes.length} nodes`} to become Ready`);
    await waitFor(
      'the nodes to become Ready',
      async () => {
        const list = await client.nodes.list();
        // Ready, and the controller manager has lifted the not-ready taint it put on the node
        // before its pod network was up: only then does the scheduler place pods there.
        const ready = new Set(list.items.filter(nodeTakesPods).map((n) => n.metadata.name));
        return nodes.every((n) => ready.has(n));
      },
      opts.timeoutSeconds * 1000,
      failFast,
      () => out('  (still waiting: the agents report Ready once they reach Docker and the API server)'),
    ).catch(withLog('agent-'));
    // Every component must be up: one that exited (a port taken, a bad flag) would leave
    // a cluster that looks up but never converges.
    failFast();
    const notRunning = state.components.find((c) => component(c.name)?.state !== 'running');
    if (notRunning) throw new StartFailure(`${notRunning.name} is not running`, notRunning.log);
  } catch (err) {
    await foreground?.stop();
    await stopCluster(p, 5000);
    const log = err instanceof StartFailure ? err.log : undefined;
    const tail = log ? `\nlast lines of ${log}:\n${tailFile(log)}` : '';
    throw new Error(`${(err as Error).message}${tail}`);
  }
  return { state, foreground };
}

class StartFailure extends Error {
  constructor(
    message: string,
    readonly log?: string,
  ) {
    super(message);
  }
}
