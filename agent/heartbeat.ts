// Node registration and liveness: creates/updates the Node, renews the Lease
// kube-node-lease/<node> (where kubectl describe node looks) every heartbeat interval, and posts Node status when something
// changed (Docker went away or came back, capacity) or every statusUpdateMs otherwise.
//
// The Lease says the agent is alive and never waits for Docker (as the kubelet's lease
// controller does not wait for its runtime): Docker 20.10 holds `docker info` for as long
// as a pull spends resolving an unreachable registry (28 s measured on the test harness),
// and a lease that waited for it let one pod with an unreachable image make its node
// Unknown and have every pod of the node evicted. Docker's reachability comes from
// `/_ping` (answered throughout such a pull), bounded by DOCKER_PING_TIMEOUT_MS;
// `docker info` (capacity, versions) is fetched in the background and only feeds status.

import { isAlreadyExists, isConflict, isNotFound } from '../api/errors.js';
import type { Lease, Node } from '../api/types.js';
import { nowIso, raceClock, type Clock } from '../foundation/clock.js';
import { traceHop } from '../foundation/trace.js';
import type { Logger } from '../foundation/logger.js';
import type { Client } from '../client/types.js';
import { buildNodeStatus, newNode, nodeLabels, statusChanged, type NodeIdentity } from './node-status.js';
import type { ContainerRuntime, RuntimeInfo } from './runtime/types.js';

export const LEASE_NAMESPACE = 'kube-node-lease';
/** A ping of Docker unanswered for this long counts as Docker unreachable (Ready False). */
export const DOCKER_PING_TIMEOUT_MS = 10_000;
/** How long one beat waits for a ping's answer before it goes on without a verdict. */
const PING_BEAT_WAIT_MS = 1000;
/** How long registration waits for the first `docker info` before it registers without it. */
const REGISTER_INFO_WAIT_MS = 2000;

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
  private infoAt = 0;
  private infoOut?: Promise<void>;
  private pingOut?: { answer: Promise<void>; sentAt: number };
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

  /** Resolves with the promise, or rejects with `error` after ms on the agent's clock. */
  private within<T>(p: Promise<T>, ms: number, error: Error): Promise<T> {
    return raceClock(this.o.clock, p, ms, (): never => {
      throw error;
    });
  }

  /** One ping at a time: a slow engine gets no pile of them. */
  private ping(): { answer: Promise<void>; sentAt: number } {
    if (!this.pingOut) {
      const out = { answer: this.o.runtime.ping(), sentAt: this.o.clock.now() };
      this.pingOut = out;
      out.answer.then(
        () => (this.pingOut = undefined),
        () => (this.pingOut = undefined),
      );
    }
    return this.pingOut;
  }

  /** `docker info` in the background, one at a time, when there is none yet or it is due again. */
  private refreshInfo(): Promise<void> {
    const fresh = this.info && this.o.clock.now() - this.infoAt < this.o.statusUpdateMs;
    if (!this.infoOut && !fresh) {
      this.infoOut = this.o.runtime.info().then(
        (info) => {
          this.info = info;
          this.infoAt = this.o.clock.now();
          this.infoOut = undefined;
        },
        (err: unknown) => {
          this.o.logger.debug({ err }, 'docker info failed');
          this.infoOut = undefined;
        },
      );
    }
    return this.infoOut ?? Promise.resolve();
  }

  /**
   * Probes Docker (a ping); true when its reachability changed. A beat waits for the answer
   * at most PING_BEAT_WAIT_MS: a ping still out after that leaves the verdict as it was
   * until DOCKER_PING_TIMEOUT_MS have passed since it was sent, then Docker is unreachable.
   */
  private async probeDocker(): Promise<boolean> {
    const before = this.dockerError;
    let failure: unknown;
    const { answer, sentAt } = this.ping();
    const left = sentAt + DOCKER_PING_TIMEOUT_MS - this.o.clock.now();
    const late = new Error(`docker did not answer a ping within ${Math.round(DOCKER_PING_TIMEOUT_MS / 1000)}s`);
    try {
      await this.within(answer, Math.min(left, PING_BEAT_WAIT_MS), late);
      this.dockerError = undefined;
      void this.refreshInfo();
    } catch (err) {
      if (err === late && left > PING_BEAT_WAIT_MS) return false;
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
    // Capacity comes from docker info: registration waits for it a moment, not for ever.
    if (!this.dockerError) await this.within(this.refreshInfo(), REGISTER_INFO_WAIT_MS, new Error('no docker info yet')).catch(() => undefined);
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
        traceHop('node.status', { node: id.nodeName, ready: status.conditions?.find((c) => c.type === 'Ready')?.status });
        const res = await client.nodes.updateStatus({ ...cur, status });
        traceHop('node.status-written', { node: id.nodeName });
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

  /** One heartbeat: lease always (first: it never waits for Docker); Node status when changed or due. */
  async beat(): Promise<void> {
    if (!this.registered) return this.register().then(() => this.renewLease());
    await this.renewLease();
    const changed = await this.probeDocker();
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
    const beat = this.beat();
    beat.catch(() => undefined); // an abandoned beat's failure is not news
    const giveUpMs = Math.max(2000, 2 * this.o.intervalMs);
    await this.within(beat, giveUpMs, new Error(`heartbeat got no answer within ${giveUpMs} ms; retrying on a new connection`));
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
