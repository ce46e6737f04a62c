// `orch up`, `orch down`, `orch status`: a local cluster in one command.

import { Command, Option } from 'commander';
import fs from 'node:fs';
import { ApiClient } from '../../client/rest-client.js';
import type { Client } from '../../client/types.js';
import { parseDuration } from '../../foundation/duration.js';
import { homePaths, type HomePaths } from '../up/home.js';
import { viewCluster, type ClusterState } from '../up/cluster-state.js';
import { localAgentStates, localAgents } from '../up/local-agents.js';
import { describePurge, plural, purgeWorkloads, type PurgeReport } from '../up/purge-workloads.js';
import { stopCluster } from '../up/stop-cluster.js';
import { up } from '../up/up.js';
import { readConfigFile } from '../client-config.js';
import { printObjects } from '../printers/print.js';
import { componentTable } from './cluster-status-table.js';

const out = (line: string) => process.stdout.write(`${line}\n`);

function localClient(): Client | undefined {
  const ctx = readConfigFile(homePaths().config)?.contexts.local;
  return ctx ? new ApiClient({ server: ctx.server, token: ctx.token, ca: ctx.ca, timeoutMs: 5000 }) : undefined;
}

/** --timeout of `orch up`: whole seconds (rounded up) from 1 s to 1 h. */
function timeoutSeconds(text: string): number {
  const s = Math.ceil(parseDuration(text, '--timeout') / 1000);
  if (s < 1 || s > 3600) throw new Error(`--timeout must be from 1s to 1h (got "${text}")`);
  return s;
}

export function upCommand(): Command {
  return new Command('up')
    .summary('Start a local cluster in $ORCH_HOME, under a supervisor that restarts crashed components')
    .description(
      'Start a complete local cluster (etcd, apiserver, scheduler, controller manager, agents) in $ORCH_HOME (default ~/.orch), ' +
        'under a supervisor process that restarts a component that exits (backoff 1s doubling to 30s); returns once the nodes are Ready. ' +
        'If the supervisor died, running it again adopts the components that still run',
    )
    .option('--api-port <port>', 'port of the API server (HTTPS)', '6443')
    .option('--etcd-port <port>', 'client port of etcd (the peer port is the next one)', '23790')
    .option('--agent-port <port>', "port of the first agent's log endpoint (agent i uses port + i)", '10250')
    .option('--nodes <n>', 'number of agents (nodes) on the local Docker engine', '1')
    .option('--node-name <name>', 'node name (with --nodes N: the prefix of NAME-1..NAME-N); default: the hostname')
    .option('--foreground', 'stay attached (the supervisor runs in this process); Ctrl-C stops the cluster')
    .option('--log-level <level>', 'log level of the components', 'info')
    .option('--timeout <duration>', 'how long to wait for the nodes to become Ready (a bare number is seconds)', '90s')
    .option('--cluster-cidr <cidrs>', "pod addresses (an IPv4 range, or IPv4,IPv6 for dual stack); default: the first of 10.244.0.0/16 … 10.254.0.0/16 that no Docker network or address of this host uses. Kept for the cluster's life")
    .option('--service-cidr <cidr>', "Service addresses (the apiserver's --service-cluster-ip-range); default: one that goes with the pod range (10.244.0.0/16 → 10.96.0.0/16), so clusters on one host never share Service addresses. Kept for the cluster's life")
    .option('--pod-security-default <level>', "Pod Security level enforced in namespaces without a pod-security.kubernetes.io/enforce label: privileged, baseline or restricted (the apiserver's flag; default baseline)")
    .option('--ha', 'a highly available control plane to try out: three etcd members (--etcd-port E: ports E..E+5), two API servers (--api-port P + 1 and + 2) behind HAProxy on P (needs the haproxy package), two schedulers and two controller managers with leader election (docs/ha.md)')
    .option('--pod-security-exempt-namespaces <list>', "comma-separated namespaces Pod Security admission does not check (the apiserver's flag; default kube-system)")
    .addOption(new Option('--proxy-mode <mode>', "the service proxies' kernel backend (orch proxy --proxy-mode): iptables, or nftables for thousands of Services (needs the nft tool)").choices(['iptables', 'nftables']).default('iptables'))
    .action(async (flags: { proxyMode: 'iptables' | 'nftables'; apiPort: string; etcdPort: string; agentPort: string; nodes: string; nodeName?: string; foreground?: boolean; logLevel: string; timeout: string; clusterCidr?: string; serviceCidr?: string; podSecurityDefault?: string; podSecurityExemptNamespaces?: string; ha?: boolean }) => {
      const num = (v: string, what: string, min: number, max: number) => {
        const n = Number(v);
        if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${what} must be a whole number from ${min} to ${max} (got "${v}")`);
        return n;
      };
      const { state, alreadyRunning, foreground } = await up(
        {
          apiPort: num(flags.apiPort, '--api-port', 1, 65535),
          etcdPort: num(flags.etcdPort, '--etcd-port', 1, 65534),
          agentPort: num(flags.agentPort, '--agent-port', 1, 65500),
          nodes: num(flags.nodes, '--nodes', 1, 20),
          nodeName: flags.nodeName,
          clusterCidr: flags.clusterCidr,
          serviceCidr: flags.serviceCidr,
          podSecurity: { podSecurityDefault: flags.podSecurityDefault, podSecurityExemptNamespaces: flags.podSecurityExemptNamespaces },
          foreground: Boolean(flags.foreground),
          ha: Boolean(flags.ha),
          proxyMode: flags.proxyMode,
          logLevel: flags.logLevel,
          timeoutSeconds: timeoutSeconds(flags.timeout),
        },
        out,
      );
      if (alreadyRunning) return;
      const p = homePaths();
      out('');
      out(`orch cluster is up: API at ${state.server}, ${state.nodes.length === 1 ? `node ${state.nodes[0]}` : `nodes ${state.nodes.join(', ')}`} Ready.`);
      out(`  state and logs:  ${p.home} (logs in ${p.logs})`);
      out('  try:             orch apply -f docs/examples/web.yaml --wait && orch get pods');
      out(`  kubectl:         KUBECONFIG=${p.kubeconfig} kubectl get nodes`);
      out('  stop:            orch down');
      if (foreground) {
        out('Running in the foreground; press Ctrl-C to stop the cluster.');
        await new Promise<void>((resolve) => {
          const stop = () => resolve();
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
        await foreground.stop();
        await down({ purge: false });
      }
    });
}

/** The API half of --purge (cli/up/purge-workloads.ts), printed per node; undefined when it could not be done. */
async function purgeApi(p: HomePaths): Promise<PurgeReport | undefined> {
  const client = localClient();
  if (!client) {
    out(`No client configuration in ${p.config}: workloads were not deleted.`);
    return undefined;
  }
  out('Deleting every workload (each agent stops its pods; a node without a working agent is not waited for)');
  try {
    const report = await purgeWorkloads(client, {
      localAgents: () => {
        const v = viewCluster(p);
        return v ? localAgentStates(v) : new Map();
      },
    });
    for (const line of describePurge(report)) out(line);
    return report;
  } catch (err) {
    out(`Could not delete the workloads: ${(err as Error).message}`);
    out('  Pods left in the API keep their containers; start the cluster again (`orch up`) and repeat `orch down --purge`.');
    return undefined;
  }
}

/**
 * The engine half of --purge, once nothing of the cluster runs: removes what agents that
 * were not there left on the local Docker engine (cli/up/local-leftovers.ts), then says
 * exactly what is still there and how to remove it. Returns true when nothing is left.
 */
async function purgeEngine(state: ClusterState, report: PurgeReport | undefined): Promise<boolean> {
  const { removeLeftovers, remainingContainers } = await import('../up/local-leftovers.js');
  const agents = localAgents(state);
  if (!report?.clusterId) {
    for (const a of agents) out(`Containers of node ${a.node} were not removed; see them with: docker ps -a --filter label=orch.io/node=${a.node}`);
    return false;
  }
  let clean = report.remaining.size === 0;
  for (const c of await removeLeftovers(agents, report.clusterId, new Set(report.remaining.keys()))) {
    if (c.removed.length) {
      const list = c.removed.map((x) => (x.pod ? `${x.name} (pod ${x.pod})` : x.name)).join(', ');
      out(`Removed ${plural(c.removed.length, 'container')} of node ${c.node} from the local Docker engine (its agent did not): ${list}`);
    }
    if (c.volumes) out(`  and the volume directories of ${plural(c.volumes, 'pod')} of node ${c.node}`);
    if (c.network) out(`Removed Docker network ${c.network} (the pod range of node ${c.node})`);
    for (const e of c.errors) out(`  node ${c.node}: ${e}`);
    if (c.errors.length) clean = false;
  }
  const { cleanupLocalProxies } = await import('../up/local-proxies.js');
  for (const c of await cleanupLocalProxies(state, report.clusterId)) {
    if (c.error) {
      out(`  node ${c.node}: the service proxy's iptables rules were not removed: ${c.error}`);
      clean = false;
    } else if (c.removed.length) {
      out(`Removed the service proxy's iptables rules of node ${c.node} (${c.removed.length} chains and jumps)`);
    }
  }
  const local = new Set(agents.map((a) => a.node));
  for (const [name, n] of report.nodes) {
    if (!n.forced.length || local.has(name)) continue;
    clean = false;
    out(`Node ${name} is not an agent of this \`orch up\`: its force-deleted pods' containers stay on its host. Remove them there with:`);
    out(`  docker rm -f $(docker ps -aq --filter label=orch.io/cluster=${report.clusterId} --filter label=orch.io/node=${name})`);
  }
  for (const [socket, left] of await remainingContainers(agents, report.clusterId)) {
    const engine = socket === '/var/run/docker.sock' ? 'the Docker engine' : `the Docker engine at ${socket}`;
    if (left instanceof Error) {
      out(`Cannot check what is left on ${engine}: ${left.message}`);
      clean = false;
    } else if (left.length) {
      out(`Left on ${engine}: ${plural(left.length, 'container')} of this cluster:`);
      for (const c of left) out(`  ${c.id} ${c.name}${c.node ? ` (node ${c.node}${c.pod ? `, pod ${c.pod}` : ''})` : ''}`);
      out(`Remove them with: ${socket === '/var/run/docker.sock' ? '' : `DOCKER_HOST=unix://${socket} `}docker rm -f ${left.map((c) => c.id).join(' ')}`);
      clean = false;
    } else {
      out(`No container of this cluster is left on ${engine}.`);
    }
  }
  return clean;
}

async function down(opts: { purge: boolean }): Promise<void> {
  const p = homePaths();
  const view = viewCluster(p);
  if (!view) {
    out(`No cluster started from ${p.home} is running.`);
    return;
  }
  const report = opts.purge ? await purgeApi(p) : undefined;
  if (view.supervisorAlive && view.supervisorPid !== process.pid) out(`Stopping the supervisor (pid ${view.supervisorPid}) and the components, last started first`);
  for (const { name, result } of await stopCluster(p)) out(`${name.padEnd(28)} ${result === 'not-running' ? 'was not running' : result}`);
  if (!opts.purge) {
    out('Cluster stopped. Containers of running pods were left running: `orch up` adopts them again, `orch down --purge` removes them.');
    return;
  }
  if (await purgeEngine(view.state, report)) {
    out('Cluster stopped; its pods and their containers are removed.');
  } else {
    out('Cluster stopped, but not everything of it was removed (see above).');
    process.exitCode = 1;
  }
}

export function downCommand(): Command {
  return new Command('down')
    .summary('Stop the local cluster (its supervisor first); pods keep running unless --purge')
    .description('Stop the local cluster started by `orch up`: its supervisor first (so nothing is restarted), then the components (pods keep running unless --purge)')
    .option(
      '--purge',
      "delete all workloads first, so their containers are removed: gracefully by their agents; a node whose agent is gone is not waited for (its pods are force-deleted and its containers removed from the local Docker engine); exit code 1 if anything is left",
    )
    .action(async (flags: { purge?: boolean }) => down({ purge: Boolean(flags.purge) }));
}

export function statusCommand(): Command {
  return new Command('status')
    .summary('Show the local cluster: supervisor, components (state, restarts, last exit), nodes')
    .description('Show the supervisor and components of the local cluster (state, pid, uptime, restarts, last exit) and its nodes; exit code 1 unless all run')
    .action(async () => {
      const p = homePaths();
      const view = viewCluster(p);
      if (!view) {
        out(`No cluster started from ${p.home}. Start one with \`orch up\`.`);
        process.exitCode = 1;
        return;
      }
      out(`API server: ${view.state.server}   (started ${view.state.startedAt}, logs in ${p.logs})`);
      out(componentTable(view, Date.now()));
      if (!view.supervisorAlive) {
        out('');
        out(`The supervisor${view.supervisorPid ? ` (pid ${view.supervisorPid})` : ''} is gone: components that exit are not restarted.`);
        out('Run `orch up` to start a new supervisor: it adopts the components that still run and starts the others.');
      }
      const apiUp = view.components.some((c) => c.spec.name === 'apiserver' && c.alive);
      if (!view.supervisorAlive || !view.components.every((c) => c.alive && (c.status?.state ?? 'running') === 'running')) process.exitCode = 1;
      if (!apiUp) return;
      const client = localClient();
      if (!client) return;
      try {
        const nodes = await client.nodes.list();
        out('');
        out(printObjects(nodes.items, 'Node', { format: 'table' }));
      } catch (err) {
        out(`cannot list nodes: ${(err as Error).message}`);
        process.exitCode = 1;
      }
      if (!fs.existsSync(p.kubeconfig)) out(`(no kubeconfig at ${p.kubeconfig})`);
    });
}
