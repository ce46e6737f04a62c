// `orch top pods|nodes [NAME]`: CPU and memory from metrics.k8s.io/v1beta1, as `kubectl
// top` prints them (cli/top/top-format.ts). Pods: -n / -A, -l, --containers, --sort-by;
// nodes: -l, --sort-by, with CPU(%) and MEMORY(%) of each Node's allocatable.

import { Command } from 'commander';
import { ApiError } from '../../api/errors.js';
import { METRICS_API_VERSION, type NodeMetrics, type PodMetrics } from '../../api/metrics-types.js';
import { cliContext, type CliContext } from '../context.js';
import { formatTopNodes, formatTopPods, parseSortBy } from '../top/top-format.js';

interface TopFlags {
  selector?: string;
  allNamespaces?: boolean;
  containers?: boolean;
  sortBy?: string;
  /** commander turns --no-headers into headers=false. */
  headers?: boolean;
}

const BASE = `/apis/${METRICS_API_VERSION}`;

/** The metrics API's answer, or kubectl's message when it is not served. */
async function metricsGet<T>(ctx: CliContext, path: string, labelSelector?: string): Promise<T> {
  try {
    return (await ctx.client.request('GET', `${BASE}${path}`, { query: labelSelector ? { labelSelector } : {} })) as T;
  } catch (err) {
    // 404 of the group itself (not of one object) or 503 (not gathered): the API is not available.
    if (err instanceof ApiError && (err.code === 503 || (err.code === 404 && !/metrics\.k8s\.io "/.test(err.message)))) throw new Error(`Metrics API not available: ${err.message}`);
    throw err;
  }
}

function podsCommand(): Command {
  return new Command('pods')
    .aliases(['pod', 'po'])
    .description('CPU (cores) and memory (bytes) of pods')
    .argument('[name]', 'one pod')
    .option('-A, --all-namespaces', 'pods of every namespace')
    .option('-l, --selector <selector>', 'label selector, e.g. app=web')
    .option('--containers', 'one line per container')
    .option('--sort-by <cpu|memory>', 'largest first by cpu or memory')
    .option('--no-headers', 'print no header line')
    .action(async (name: string | undefined, _f: TopFlags, cmd: Command) => {
      const ctx = cliContext(cmd);
      const flags = cmd.opts() as TopFlags;
      const sortBy = parseSortBy(flags.sortBy);
      const all = Boolean(flags.allNamespaces) && !name;
      let pods: PodMetrics[];
      if (name) {
        try {
          pods = [await metricsGet<PodMetrics>(ctx, `/namespaces/${encodeURIComponent(ctx.namespace)}/pods/${encodeURIComponent(name)}`)];
        } catch (err) {
          if (err instanceof ApiError && err.code === 404) throw new Error(`Metrics not available for pod ${ctx.namespace}/${name}, age: unknown`);
          throw err;
        }
      } else {
        const path = all ? '/pods' : `/namespaces/${encodeURIComponent(ctx.namespace)}/pods`;
        pods = (await metricsGet<{ items: PodMetrics[] }>(ctx, path, flags.selector)).items;
      }
      if (pods.length === 0) {
        ctx.err(all ? 'No resources found' : `No resources found in ${ctx.namespace} namespace.`);
        return;
      }
      ctx.out(formatTopPods(pods, { allNamespaces: all, containers: Boolean(flags.containers), sortBy, noHeaders: flags.headers === false }));
    });
}

function nodesCommand(): Command {
  return new Command('nodes')
    .aliases(['node', 'no'])
    .description('CPU (cores) and memory (bytes) of nodes, and their share of allocatable')
    .argument('[name]', 'one node')
    .option('-l, --selector <selector>', 'label selector, e.g. kubernetes.io/os=linux')
    .option('--sort-by <cpu|memory>', 'largest first by cpu or memory')
    .option('--no-headers', 'print no header line')
    .action(async (name: string | undefined, _f: TopFlags, cmd: Command) => {
      const ctx = cliContext(cmd);
      const flags = cmd.opts() as TopFlags;
      const sortBy = parseSortBy(flags.sortBy);
      let metrics: NodeMetrics[];
      let nodes;
      if (name) {
        nodes = [await ctx.client.nodes.get(name)];
        try {
          metrics = [await metricsGet<NodeMetrics>(ctx, `/nodes/${encodeURIComponent(name)}`)];
        } catch (err) {
          if (err instanceof ApiError && err.code === 404) throw new Error(`Metrics not available for node ${name}`);
          throw err;
        }
      } else {
        [metrics, nodes] = await Promise.all([
          metricsGet<{ items: NodeMetrics[] }>(ctx, '/nodes', flags.selector).then((l) => l.items),
          ctx.client.nodes.list({ labelSelector: flags.selector }).then((l) => l.items),
        ]);
      }
      if (metrics.length === 0 && nodes.length === 0) {
        ctx.err('No resources found');
        return;
      }
      ctx.out(formatTopNodes(metrics, nodes, { sortBy, noHeaders: flags.headers === false }));
    });
}

export function topCommand(): Command {
  return new Command('top')
    .description('Show CPU and memory use of pods or nodes (metrics.k8s.io, gathered from the agents every few seconds)')
    .addCommand(podsCommand())
    .addCommand(nodesCommand());
}
