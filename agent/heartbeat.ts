// Node registration and liveness: creates/updates the Node, renews the Lease
// kube-node-lease/<node> (where kubectl describe node looks) every heartbeat interval, and posts Node status when something
// changed (Docker went away or came back, capacity) or every statusUpdateMs otherwise.

import { isAlreadyExists, isConflict, isNotFound } from '../api/errors.js';
import type { Lease, Node } from '../api/types.js';
import { nowIso, type Clock } from '../foundation/clock.js';
import type { Logger } from '../foundation/logger.js';
import type { Client } from '../client/types.js';
import { buildNodeStatus, newNode, nodeLabels, statusChanged, type NodeIdentity } from './node-status.js';
import type { ContainerRuntime, RuntimeInfo } from './runtime/types.js';

export const LEASE_NAMESPACE = 'kube-node-lease';

export interface HeartbeatOptions {
  id: NodeIdentity;
  client: Client;
  runtime: ContainerRuntime;
  clock: Clock;
  logger: Logger;
  intervalMs: number;
  statusUpdateMs: number;
  leaseDurationSeconds?: number;
  /** Told whenever Docker reachability changes (the agent resyncs pods when it returns). */
  onDockerChange?: (up: boolean) => void;
  /** Why the pod network is not ready (undefined: ready, or no pod network): Ready waits for it. */
  networkNotReady?: () => string | undefined;
}

export class Heartbeat {
  private info?: RuntimeInfo;
  private dockerError?: string;
  private lastStatusAt = 0;
  private lastPosted?: Node['status'];
  private registered = false;
  private abort = new AbortController();
  private loop?: Promise<void>;
  /** Ends the current sleep between beats (poke()). */
  private wakeUp?: AbortController;

  constructor(private readonly o: HeartbeatOptions) {}

  /** The Node exists and carries this agent's status. */
  isRegistered(): boolean {
    return this.registered;
  }

  dockerUp(): boolean {
    return this.dockerError === undefined;
  }

  /** Probes Docker; true when its reachability changed. */
  private async probeDocker(): Promise<boolean> {
    const before = this.dockerError;
    let failure: unknown;
    try {
      this.info = await this.o.runtime.info();
      this.dockerError = undefined;
    } catch (err) {
      failure = err;
      this.dockerError = (err as Error).message;
    }
    const changed = before !== this.dockerError && (before === undefined || this.dockerError === undefined);
    if (changed) {
      if (this.dockerError) this.o.logger.warn({ err: failure }, 'docker unreachable: node NotReady');
      else this.o.logger.info('docker reachable again');
      this.o.onDockerChange?.(this.dockerError === undefined);
    }
    return changed;
  }

  /** Create or update the Node (labels and status). */
  async register(): Promise<void> {
    await this.probeDocker();
    const { client, id } = this.o;
    let node: Node;
    try {
      node = await client.nodes.create(newNode(id, this.info));
      this.o.logger.info({ node: id.nodeName }, 'node registered');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      node = await client.nodes.get(id.nodeName);
      const labels = { ...node.metadata.labels, ...nodeLabels(id, this.info) };
      const annotations = { ...node.metadata.annotations, ...id.annotations };
      if (JSON.stringify(labels) !== JSON.stringify(node.metadata.labels) || JSON.stringify(annotations) !== JSON.stringify(node.metadata.annotations ?? {})) {
        node = await client.nodes.update({ ...node, metadata: { ...node.metadata, labels, ...(Object.keys(annotations).length > 0 ? { annotations } : {}) } });
      }
    }
    await this.postStatus(node);
    this.registered = true;
  }

  private async postStatus(node?: Node): Promise<void> {
    const { client, id } = this.o;
    for (let i = 0; i < 3; i++) {
      const cur = node ?? (await client.nodes.get(id.nodeName));
      node = undefined;
      const status = buildNodeStatus(id, this.info, this.dockerError, nowIso(this.o.clock), cur.status, this.o.networkNotReady?.());
      try {
        const res = await client.nodes.updateStatus({ ...cur, status });
        this.lastPosted = res.status ?? status;
        this.lastStatusAt = this.o.clock.now();
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }

  async renewLease(): Promise<void> {
    const { client, id } = this.o;
    const now = new Date(this.o.clock.now()).toISOString().replace(/Z$/, '000Z');
    const spec = { holderIdentity: id.nodeName, leaseDurationSeconds: this.o.leaseDurationSeconds ?? 40, renewTime: now };
    try {
      const lease = await client.leases.get(id.nodeName, LEASE_NAMESPACE);
      await client.leases.update({ ...lease, spec: { ...lease.spec, ...spec } });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      const lease: Lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: id.nodeName, namespace: LEASE_NAMESPACE },
        spec: { ...spec, acquireTime: now },
      };
      await client.leases.create(lease);
    }
  }

  /** One heartbeat: lease always; Node status when changed or due. */
  async beat(): Promise<void> {
    const changed = await this.probeDocker();
    if (!this.registered) return this.register().then(() => this.renewLease());
    await this.renewLease();
    const due = this.o.clock.now() - this.lastStatusAt >= this.o.statusUpdateMs;
    const next = buildNodeStatus(this.o.id, this.info, this.dockerError, nowIso(this.o.clock), this.lastPosted, this.o.networkNotReady?.());
    if (changed || due || statusChanged(this.lastPosted, next)) await this.postStatus();
  }

  start(): void {
    const signal = this.abort.signal;
    this.loop = (async () => {
      while (!signal.aborted) {
        try {
          await this.boundedBeat();
        } catch (err) {
          // API down: keep trying; containers are untouched meanwhile.
          this.o.logger.warn({ err }, 'heartbeat failed');
        }
        // One controller per sleep, ended by poke() or stop() (no AbortSignal.any: Node 20
        // keeps every signal derived from a long-lived one).
        this.wakeUp = new AbortController();
        if (!signal.aborted) await this.o.clock.sleep(this.o.intervalMs, this.wakeUp.signal).catch(() => undefined);
      }
    })();
  }

  /**
   * One beat that gives up waiting after two intervals (at least 2 s). A request sent into
   * a network hiccup can hang on its socket until TCP's retransmission backoff (seconds,
   * growing) or the client's 30 s timeout: waiting for it would stretch a 5 s hiccup past
   * the node monitor's grace period. The abandoned beat finishes (or fails) on its own;
   * the next one goes out on a fresh connection at once, as the kubelet's heartbeat
   * client does with its per-request timeout.
   */
  private async boundedBeat(): Promise<void> {
    const deadline = new AbortController();
    const beat = this.beat();
    beat.catch(() => undefined); // an abandoned beat's failure is not news
    const giveUpMs = Math.max(2000, 2 * this.o.intervalMs);
    const timedOut = this.o.clock.sleep(giveUpMs, deadline.signal).then(
      () => true,
      () => false,
    );
    try {
      if (await Promise.race([beat.then(() => false), timedOut])) throw new Error(`heartbeat got no answer within ${giveUpMs} ms; retrying on a new connection`);
    } finally {
      deadline.abort();
    }
  }

  /** Beat now rather than at the end of the interval (the pod network just became ready or broke). */
  poke(): void {
    this.wakeUp?.abort();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wakeUp?.abort();
    await this.loop;
  }
}
