// The metrics scraper (component 'metrics-scraper'): what metrics-server does, inside the
// apiserver. Every --metric-resolution (5 s) it asks each node's agent for
// GET /stats/summary over the apiserver's agent client (agent-client.ts: the node's
// certificate is checked, the apiserver's client certificate sent) and puts the answer
// into the in-memory ResourceMetricsStore. Nodes come from a StorageFollower on the Node
// prefix (list + watch of the apiserver's own storage, no polling of etcd).
//
// Why inside the apiserver (decision): no extra process, no APIService aggregation layer,
// and it already holds the only credential agents accept. With several apiservers each one
// scrapes every node (as several metrics-server replicas do): N small GETs per interval
// per apiserver, and every apiserver answers from its own fresh figures.

import type { Logger } from 'pino';
import { findResource } from '../../api/resources.js';
import type { NodeSummary } from '../../api/metrics-types.js';
import type { Node } from '../../api/types.js';
import type { Component } from '../../foundation/component.js';
import { agentEndpoint, agentRequest } from '../agent-client.js';
import type { ServerContext } from '../context.js';
import { collectionPrefix } from '../registry/keys.js';
import { StorageFollower } from '../storage-follower.js';
import type { ResourceMetricsStore } from './metrics-store.js';

export const DEFAULT_METRIC_RESOLUTION_MS = 5000;
/** Agents asked at once. */
const PARALLEL = 16;
/** A summary larger than this is refused (a node with 110 pods sends ~60 KB). */
const MAX_SUMMARY_BYTES = 16 * 1024 * 1024;

export interface ScraperOptions {
  ctx: ServerContext;
  store: ResourceMetricsStore;
  logger: Logger;
  intervalMs?: number;
}

/** The summary's shape, checked before it is believed (an agent is another process). */
export function checkSummary(v: unknown): NodeSummary {
  const s = v as NodeSummary;
  const num = (x: unknown) => typeof x === 'number' && Number.isFinite(x);
  const stats = (c: { cpu?: { usageNanoCores?: unknown; time?: unknown }; memory?: { workingSetBytes?: unknown } } | undefined) =>
    !!c && num(c.cpu?.usageNanoCores) && typeof c.cpu?.time === 'string' && num(c.memory?.workingSetBytes);
  if (typeof s !== 'object' || s === null || !stats(s.node) || !Array.isArray(s.pods) || !num(s.windowSeconds)) throw new Error('not a node summary');
  for (const p of s.pods) {
    if (typeof p?.podRef?.name !== 'string' || typeof p.podRef.namespace !== 'string' || !Array.isArray(p.containers)) throw new Error('a pod without podRef or containers');
    for (const c of p.containers) if (typeof c?.name !== 'string' || !stats(c)) throw new Error(`pod ${p.podRef.namespace}/${p.podRef.name}: a container without figures`);
  }
  return s;
}

export class MetricsScraper implements Component {
  readonly name = 'metrics-scraper';
  private readonly nodes = new Map<string, Node>();
  private readonly follower: StorageFollower;
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;

  constructor(private readonly o: ScraperOptions) {
    this.follower = new StorageFollower({
      storage: o.ctx.storage,
      prefix: collectionPrefix(findResource('', 'v1', 'nodes')!),
      logger: o.logger,
      name: 'metrics-scraper nodes',
      onList: (items) => {
        this.nodes.clear();
        for (const n of items) this.nodes.set(n.metadata.name!, n as Node);
        for (const name of o.store.nodeNames()) if (!this.nodes.has(name)) o.store.forget(name);
      },
      onEvent: (ev) => {
        const name = ev.object.metadata.name!;
        if (ev.type === 'DELETED') {
          this.nodes.delete(name);
          o.store.forget(name);
        } else this.nodes.set(name, ev.object as Node);
      },
    });
  }

  /** Resolves once the Nodes are known: figures of nodes that do not exist are dropped at each list. */
  get nodesSynced(): Promise<void> {
    return this.follower.firstSync;
  }

  async start(): Promise<void> {
    this.follower.start();
    const every = this.o.intervalMs ?? DEFAULT_METRIC_RESOLUTION_MS;
    this.timer = setInterval(() => void this.scrapeAll(), every);
    this.timer.unref();
    // The first round as soon as the nodes are known, so figures exist one interval after start.
    void this.follower.firstSync.then(() => this.scrapeAll());
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.follower.stop();
    await this.round;
  }

  /** One round over every node (tests call it); a round still running is not doubled. */
  scrapeAll(): Promise<void> {
    this.round ??= this.runRound().finally(() => (this.round = undefined));
    return this.round;
  }

  private async runRound(): Promise<void> {
    const queue = [...this.nodes.values()];
    const worker = async () => {
      for (let n = queue.shift(); n; n = queue.shift()) {
        const name = n.metadata.name!;
        try {
          this.o.store.ingest(name, await this.scrape(n), n.metadata.labels);
        } catch (err) {
          // Kept until they are too old (the store's maxAge): one missed scrape is not a gap.
          this.o.logger.debug({ node: name, err }, 'metrics scrape failed');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(PARALLEL, queue.length) }, worker));
  }

  private scrape(node: Node): Promise<NodeSummary> {
    const name = node.metadata.name!;
    const { request, failure } = agentRequest(this.o.ctx, name, agentEndpoint(node, 'metrics are'), {
      path: '/stats/summary',
      headers: { Accept: 'application/json' },
      purpose: 'metrics are',
    });
    return new Promise<NodeSummary>((resolve, reject) => {
      request.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_SUMMARY_BYTES) res.destroy(new Error('summary too large'));
          else chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`agent answered ${res.statusCode}: ${text.slice(0, 200)}`));
          try {
            resolve(checkSummary(JSON.parse(text)));
          } catch (err) {
            reject(err);
          }
        });
      });
      request.on('error', (err) => reject(failure(err)));
      request.end();
    });
  }
}
