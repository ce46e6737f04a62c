// `orch up`: a complete local cluster as separate processes — etcd, the apiserver over
// HTTPS (generated CA, certificate and tokens), the scheduler, the controller manager
// and one agent per requested node on the local Docker engine. Returns when the nodes
// are Ready, leaving the processes running (or attached with --foreground).

import fs from 'node:fs';
import os from 'node:os';
import { ApiClient } from '../../client/rest-client.js';
import type { Node } from '../../api/types.js';
import { generateServerCert, writeSecretFile, certificateSANs } from '../../apiserver/pki.js';
import { detectNodeIP } from '../../agent/node-status.js';
import { runInit, tokenFor, nodeUser, ADMIN_USER, SCHEDULER_USER, CONTROLLER_MANAGER_USER } from '../commands/init.js';
import { homePaths, type HomePaths } from './home.js';
import { checkPrerequisites, dockerSocketPath, findBinary, ephemeralPort } from './prerequisites.js';
import { isAlive, orchEntry, spawnComponent, stopProcess, tailFile, type ComponentProcess } from './processes.js';
import { readClusterState, writeClusterState, type ClusterState } from './cluster-state.js';
import { renderKubeconfig } from './kubeconfig-file.js';
import { saveContext } from '../client-config.js';

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
}

type Out = (line: string) => void;

/** Node names: the hostname for one node, node-1..N for several (as in the compose demo). */
export function nodeNames(count: number, base?: string): string[] {
  if (count <= 1) return [base ?? (os.hostname().toLowerCase().replace(/[^a-z0-9.-]/g, '-').replace(/^[-.]+|[-.]+$/g, '') || 'node-1')];
  return Array.from({ length: count }, (_, i) => `${base ?? 'node'}-${i + 1}`);
}

/** Is a cluster from this ORCH_HOME running? (its apiserver process is alive) */
export function runningCluster(p: HomePaths): ClusterState | undefined {
  const state = readClusterState(p.clusterState);
  if (!state) return undefined;
  const api = state.components.find((c) => c.name === 'apiserver');
  return api && isAlive(api.pid) ? state : undefined;
}

function ensurePki(p: HomePaths, nodes: string[], nodeIP: string): { caPem: string } {
  runInit({ dir: p.pki, nodes });
  const caPem = fs.readFileSync(p.caCert, 'utf8');
  const caKey = fs.readFileSync(p.caKey, 'utf8');
  // The agents' log endpoint is HTTPS with a certificate from the same CA, so the
  // apiserver verifies it when it proxies `orch logs`.
  // The certificate names the node's IP, which the apiserver dials; reissue it when the
  // machine's address changed since the last `orch up`.
  const agentNamesIP = fs.existsSync(p.agentCert) && certificateSANs(fs.readFileSync(p.agentCert, 'utf8')).ipAddresses.includes(nodeIP);
  if (!agentNamesIP) {
    const agent = generateServerCert({ certPem: caPem, keyPem: caKey }, { commonName: 'orch-agent', ipAddresses: [nodeIP] });
    writeSecretFile(p.agentKey, agent.keyPem);
    fs.writeFileSync(p.agentCert, agent.certPem, { mode: 0o644 });
  }
  // One file per identity, so no token ever appears on a command line.
  for (const user of [ADMIN_USER, SCHEDULER_USER, CONTROLLER_MANAGER_USER, ...nodes.map(nodeUser)]) {
    const token = tokenFor(p.tokens, user);
    if (!token) throw new Error(`no token for ${user} in ${p.tokens}`);
    writeSecretFile(p.tokenFile(user), token);
  }
  return { caPem };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, onSlow?: () => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let warned = false;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (!warned && onSlow && Date.now() > deadline - timeoutMs / 2) {
      onSlow();
      warned = true;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function up(opts: UpOptions, out: Out): Promise<ClusterState> {
  const p = homePaths();
  const already = runningCluster(p);
  if (already) {
    out(`A cluster is already running from ${p.home} (API at ${already.server}).`);
    out('Use `orch status` to see it, or `orch down` to stop it first.');
    return already;
  }
  const dockerSocket = dockerSocketPath();
  const nodes = nodeNames(opts.nodes, opts.nodeName);
  const logPorts = nodes.map((_, i) => opts.agentPort + i);
  const problems = await checkPrerequisites({
    dockerSocket,
    ports: [
      { port: opts.apiPort, what: 'API server, --api-port' },
      { port: opts.etcdPort, what: 'etcd client, --etcd-port' },
      { port: opts.etcdPort + 1, what: 'etcd peer' },
      ...logPorts.map((port, i) => ({ port, what: `log endpoint of agent ${nodes[i]}` })),
    ],
  });
  if (problems.length) throw new Error(`cannot start the cluster:\n  - ${problems.join('\n  - ')}`);

  for (const dir of [p.home, p.logs, p.run, p.etcdData]) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  out(`Preparing certificates and tokens in ${p.pki}`);
  const nodeIP = detectNodeIP();
  const { caPem } = ensurePki(p, nodes, nodeIP);

  const detached = !opts.foreground;
  const node = process.execPath;
  const entry = orchEntry();
  const started: ComponentProcess[] = [];
  const server = `https://127.0.0.1:${opts.apiPort}`;
  const etcdEndpoint = `http://127.0.0.1:${opts.etcdPort}`;
  const state: ClusterState = { server, apiPort: opts.apiPort, etcdEndpoint, nodes, startedAt: new Date().toISOString(), components: started };
  const record = (c: ComponentProcess) => {
    started.push(c);
    writeClusterState(p.clusterState, state);
    return c;
  };
  const fail = async (err: unknown, component?: ComponentProcess): Promise<never> => {
    for (const c of [...started].reverse()) await stopProcess(c.pid, 5000);
    const tail = component ? `\nlast lines of ${component.log}:\n${tailFile(component.log)}` : '';
    throw new Error(`${(err as Error).message}${tail}`);
  };

  try {
    out(`Starting etcd (${etcdEndpoint}, data in ${p.etcdData})`);
    const etcd = record(
      spawnComponent(
        'etcd',
        [findBinary('etcd')!, '--name', 'orch', '--data-dir', p.etcdData,
          '--listen-client-urls', etcdEndpoint, '--advertise-client-urls', etcdEndpoint,
          '--listen-peer-urls', `http://127.0.0.1:${opts.etcdPort + 1}`,
          '--initial-advertise-peer-urls', `http://127.0.0.1:${opts.etcdPort + 1}`,
          '--initial-cluster', `orch=http://127.0.0.1:${opts.etcdPort + 1}`, '--log-level', 'warn',
          // History and size stay bounded (docs/operations.md, "etcd maintenance"): keep
          // 10 minutes of history (watches that reconnect within it resume without a
          // relist), stop writes at 2 GiB (the NOSPACE alarm) before they fill the disk,
          // and say out loud the write limit the apiserver's --etcd-max-request-bytes
          // matches (etcd's default, 1.5 MiB).
          '--auto-compaction-mode', 'periodic', '--auto-compaction-retention', '10m',
          '--quota-backend-bytes', String(2 * 1024 ** 3), '--max-request-bytes', '1572864'],
        p.logFile('etcd'),
        { detached },
      ),
    );
    await waitFor('etcd to become healthy', async () => (await fetch(`${etcdEndpoint}/health`)).ok, 30_000).catch((e) => fail(e, etcd));

    out(`Starting the API server (${server})`);
    const apiserver = record(
      spawnComponent(
        'apiserver',
        [node, entry, 'apiserver', '--etcd-servers', etcdEndpoint, '--bind-address', '127.0.0.1', '--port', String(opts.apiPort),
          '--tls-cert-file', p.apiserverCert, '--tls-private-key-file', p.apiserverKey, '--token-auth-file', p.tokens,
          '--agent-ca-file', p.caCert, '--agent-token-file', p.tokenFile(ADMIN_USER), '--log-level', opts.logLevel],
        p.logFile('apiserver'),
        { detached },
      ),
    );
    const adminToken = fs.readFileSync(p.tokenFile(ADMIN_USER), 'utf8').trim();
    const client = new ApiClient({ server, ca: caPem, token: adminToken, timeoutMs: 5000 });
    await waitFor('the API server to become ready', async () => {
      if (!isAlive(apiserver.pid)) throw new Error('the API server exited');
      await client.namespaces.get('default');
      return true;
    }, 30_000).catch((e) => fail(e, apiserver));

    const componentFlags = (user: string) => ['--server', server, '--ca-file', p.caCert, '--token-file', p.tokenFile(user), '--log-level', opts.logLevel];
    out('Starting the scheduler and the controller manager');
    // Their /healthz + /metrics ports are picked free at start: several local clusters
    // (other ORCH_HOMEs, tests) must not collide on the well-known defaults.
    record(spawnComponent('scheduler', [node, entry, 'scheduler', ...componentFlags(SCHEDULER_USER), '--port', String(await ephemeralPort())], p.logFile('scheduler'), { detached }));
    record(spawnComponent('controller-manager', [node, entry, 'controller-manager', ...componentFlags(CONTROLLER_MANAGER_USER), '--port', String(await ephemeralPort())], p.logFile('controller-manager'), { detached }));

    const agents = nodes.map((name, i) => {
      out(`Starting the agent for node ${name} (Docker at ${dockerSocket})`);
      return record(
        spawnComponent(
          `agent-${name}`,
          [node, entry, 'agent', ...componentFlags(nodeUser(name)), '--node-name', name, '--node-ip', nodeIP, '--docker-socket', dockerSocket,
            '--root-dir', p.agentRoot(name), '--log-port', String(logPorts[i]),
            '--log-server-cert', p.agentCert, '--log-server-key', p.agentKey, '--log-server-token-file', p.tokenFile(ADMIN_USER)],
          p.logFile(`agent-${name}`),
          { detached },
        ),
      );
    });

    // Client configuration first: even if the nodes are slow, `orch` already works.
    saveContext({ name: 'local', server, ca: caPem, token: adminToken, namespace: 'default' }, p.config);
    fs.writeFileSync(p.kubeconfig, renderKubeconfig({ name: 'orch-local', server, caPem, token: adminToken }), { mode: 0o600 });

    out(`Waiting for ${nodes.length === 1 ? 'the node' : `${nodes.length} nodes`} to become Ready`);
    await waitFor(
      'the nodes to become Ready',
      async () => {
        const list = await client.nodes.list();
        const ready = new Set(
          list.items.filter((n: Node) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata.name),
        );
        return nodes.every((n) => ready.has(n));
      },
      opts.timeoutSeconds * 1000,
      () => out('  (still waiting: the agents report Ready once they reach Docker and the API server)'),
    ).catch((e) => fail(e, agents[0]));
    // Every component must still be running: one that exited (a port taken, a bad flag)
    // would leave a cluster that looks up but never converges.
    const dead = started.find((c) => !isAlive(c.pid));
    if (dead) await fail(new Error(`${dead.name} exited during start`), dead);
  } catch (err) {
    if (started.length && started.some((c) => isAlive(c.pid))) await fail(err);
    throw err;
  }
  return state;
}
