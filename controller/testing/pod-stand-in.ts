// A stand-in for the scheduler and the node agent in controller integration tests: binds
// pending pods to a node, marks bound pods Running + Ready through /status, and confirms
// graceful deletions (delete with gracePeriodSeconds 0), exactly the API calls the real
// components make. Not used in production.

import type { Pod, PodStatus } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import { Informer } from '../../client/informer.js';
import { WorkQueue } from '../../client/work-queue.js';
import { done, runReconcileLoop, type Result } from '../../client/reconcile-loop.js';
import { silentLogger } from '../../foundation/logger.js';
import { keyOf } from '../shared/objects.js';

export interface PodStandInOptions {
  /** Node for a pending pod; undefined leaves it pending. Default 'node-1'. */
  pickNode?: (pod: Pod) => string | undefined;
  /** Whether a bound pod becomes Ready (default: all). */
  ready?: (pod: Pod) => boolean;
  /** Whether a terminating pod's deletion is confirmed (default: all). */
  confirmDeletion?: (pod: Pod) => boolean;
  /** The address a pod gets when it starts (default 10.0.0.1 for all). */
  podIP?: (pod: Pod) => string;
}

export class PodStandIn {
  private readonly informer: Informer<Pod>;
  private readonly queue = new WorkQueue<string>();
  private readonly ac = new AbortController();
  private workers?: Promise<void>;

  constructor(
    private readonly client: Client,
    private readonly opts: PodStandInOptions = {},
  ) {
    this.informer = new Informer<Pod>(client.pods);
    const add = (p: Pod) => this.queue.add(keyOf(p));
    this.informer.addEventHandler({ onAdd: add, onUpdate: (_o, p) => add(p) });
  }

  async start(): Promise<void> {
    this.informer.start();
    await this.informer.waitForSync();
    this.workers = runReconcileLoop({ queue: this.queue, workers: 4, reconcile: (k) => this.reconcile(k), logger: silentLogger(), signal: this.ac.signal });
  }

  async stop(): Promise<void> {
    this.ac.abort();
    this.queue.shutDown();
    await this.workers;
    this.informer.stop();
  }

  /** Re-check every pod (after changing what the options answer). */
  resync(): void {
    for (const p of this.informer.list()) this.queue.add(keyOf(p));
  }

  private async reconcile(key: string): Promise<Result> {
    await this.sync(key);
    return done;
  }

  private async sync(key: string): Promise<void> {
    const p = this.informer.get(key);
    if (!p) return;
    const { name, namespace } = p.metadata;
    try {
      if (p.metadata.deletionTimestamp) {
        if (this.opts.confirmDeletion?.(p) ?? true) await this.client.pods.delete(name!, namespace, { gracePeriodSeconds: 0 });
        return;
      }
      if (!p.spec.nodeName) {
        const node = this.opts.pickNode ? this.opts.pickNode(p) : 'node-1';
        if (!node) return;
        await this.client.pods.bind({ apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: node } });
        return;
      }
      const isReady = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      if (isReady || !(this.opts.ready?.(p) ?? true)) return;
      const now = new Date().toISOString();
      const status: PodStatus = {
        phase: 'Running',
        startTime: now,
        podIP: this.opts.podIP?.(p) ?? '10.0.0.1',
        conditions: [
          { type: 'PodScheduled', status: 'True', lastTransitionTime: now },
          { type: 'Initialized', status: 'True', lastTransitionTime: now },
          { type: 'ContainersReady', status: 'True', lastTransitionTime: now },
          { type: 'Ready', status: 'True', lastTransitionTime: now },
        ],
      };
      await this.client.pods.updateStatus({ ...p, status });
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === 404 || code === 409) return; // changed under us: the next event brings it back
      throw err;
    }
  }
}
