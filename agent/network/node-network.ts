// The agent's pod network component (docs/networking.md, "On each node"). One reconcile
// pass, run on every relevant Node change and every recheck interval (so an entry deleted
// by hand comes back, and a Docker restart or reboot is repaired):
//
//   1 the node's pod ranges: its Node's spec.podCIDRs, else --pod-cidr (a standalone
//     agent; then also written to the Node so peers can route to it)
//   2 the cluster CIDRs from ConfigMap kube-system/orch-pod-network (else the node's own)
//   3 the uplink holding the node IP, and its MTU
//   4 the Docker bridge network orch-pods-<node> (pod-bridge.ts)
//   5 the firewall chains (firewall.ts)          → state() ready: pods can get addresses
//   6 vxlan: device orch.1 (the Node's annotations — backend, public IP, VTEP MAC — are
//     published first of all, so peers can route to the node while it sets up)
//   7 routes / neighbours / FDB entries for every other node (peer-routes.ts)
//   8 Node condition NetworkUnavailable=False (RouteCreated)
//
// A change of another node (it joined, got its range, published its VTEP MAC, left) runs
// only step 7, from the kernel state the last pass saw (peer-routes.ts says why).
//
// A failure is logged, shown in state() (before step 5) and in the Node condition, and
// retried with backoff; it never stops the agent. Stopping leaves everything in place:
// running pods keep their network while the agent restarts.

import type { ConfigMap, Node } from '../../api/types.js';
import { realClock, type Clock } from '../../foundation/clock.js';
import type { Component } from '../../foundation/component.js';
import type { Logger } from '../../foundation/logger.js';
import { isConflict, isNotFound } from '../../api/errors.js';
import { POD_NETWORK_CONFIGMAP, POD_NETWORK_NAMESPACE, recordFromConfigMap } from '../../api/net/pod-network.js';
import { Informer } from '../../client/informer.js';
import { traceHop } from '../../foundation/trace.js';
import { requeueAfter, runReconcileLoop, type Result } from '../../client/reconcile-loop.js';
import type { Client } from '../../client/types.js';
import { WorkQueue } from '../../client/work-queue.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { Firewall } from './firewall.js';
import { hostCommands, type HostCommands } from './host-commands.js';
import { Kernel } from './kernel.js';
import { annotationPatch, CONDITION_NETWORK, networkFingerprint, peerFingerprint, peerOf, podCIDRsOf, withNetworkCondition } from './node-peers.js';
import { PeerRoutes, type RoutesWritten } from './peer-routes.js';
import { bridgeNameFor, ensurePodBridge, podBridgeSpec, podMtu } from './pod-bridge.js';
import type { PodNetworkState, PodNetworkView } from './pod-network-state.js';
import { tunnelAddress, vtepMacFor, type Backend, type NetworkPeer } from './route-plan.js';

/** What the agent's flags say about the pod network (agent/flags.ts). */
export interface PodNetworkSettings {
  backend: Backend;
  /** --pod-cidr: used while the Node has no spec.podCIDRs. */
  podCIDRs: string[];
  vxlanPort: number;
  vxlanVni: number;
}

export interface NodeNetworkOptions extends PodNetworkSettings {
  nodeName: string;
  nodeIP: string;
  client: Client;
  runtime: ContainerRuntime;
  logger: Logger;
  /** Runs ip/bridge/iptables (default: on this host; tests: in a network namespace). */
  commands?: HostCommands;
  clock?: Clock;
  /** How often everything is checked again without a Node change (default 10 s). */
  recheckMs?: number;
}

const KEY = 'pod-network';
/** The light pass after another node changed: its routes only. */
const PEERS = 'peers';
/** The light pass after a sandbox started: hairpin mode on the bridge's new port. */
const HAIRPIN = 'hairpin';

/** A failure before pods can be given an address: shown as state() reason. */
class NotReady extends Error {}

export class NodeNetwork implements Component, PodNetworkView {
  readonly name = 'pod-network';
  readonly nodes: Informer<Node>;
  private readonly cmd: HostCommands;
  private readonly kernel: Kernel;
  private readonly firewall: Firewall;
  private readonly routes: PeerRoutes;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly queue: WorkQueue<string>;
  private readonly listeners: Array<() => void> = [];
  private current: PodNetworkState = { ready: false, reason: 'pod network not set up yet' };
  private running: Promise<void> = Promise.resolve();
  private loop?: Promise<void>;
  private firstPassDone!: () => void;
  private readonly firstPass = new Promise<void>((resolve) => (this.firstPassDone = resolve));
  /** Logged once per distinct text, so a recheck every 10 s does not repeat them. */
  private readonly said = new Set<string>();
  /** The last failure logged as a warning (a failure repeated by the retries is logged at debug). */
  private lastFailure: string | undefined;
  /** networkFingerprint of this Node as our last write left it: its echo needs no pass. */
  private ownWrite: string | undefined;

  constructor(private readonly o: NodeNetworkOptions) {
    this.clock = o.clock ?? realClock;
    this.log = o.logger;
    const cmd = (this.cmd = o.commands ?? hostCommands());
    this.kernel = new Kernel(cmd);
    this.firewall = new Firewall(cmd);
    this.routes = new PeerRoutes(this.kernel);
    this.queue = new WorkQueue<string>({ clock: this.clock, baseDelayMs: 1000, maxDelayMs: o.recheckMs ?? 10_000, name: 'pod-network' });
    this.nodes = new Informer<Node>(o.client.nodes, { logger: this.log.child({ sub: 'node-informer' }), clock: this.clock });
    // This node's own changes need the whole pass; another node's, its routes only (and
    // not its conditions or heartbeats: they change no route).
    const isSelf = (n: Node) => n.metadata.name === o.nodeName;
    const changed = (n: Node) => this.queue.add(isSelf(n) ? KEY : PEERS);
    this.nodes.addEventHandler({
      onAdd: changed,
      onUpdate: (a, b) => {
        const fp = isSelf(b) ? networkFingerprint : peerFingerprint;
        if (fp(a) !== fp(b) && !(isSelf(b) && fp(b) === this.ownWrite)) changed(b);
      },
      onDelete: changed,
    });
  }

  state(): PodNetworkState {
    return this.current;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  sandboxStarted(): void {
    this.queue.add(HAIRPIN);
  }

  private async hairpin(): Promise<void> {
    if (!this.current.ready) return;
    const changed = await this.kernel.ensureHairpin(bridgeNameFor(this.o.nodeName));
    if (changed.length) this.log.debug({ ports: changed }, 'hairpin mode on');
  }

  ready(): string | undefined {
    return this.current.ready ? undefined : this.current.reason;
  }

  settled(): Promise<void> {
    return this.firstPass;
  }

  async start(): Promise<void> {
    this.nodes.start();
    this.loop = (async () => {
      await this.nodes.waitForSync().catch(() => undefined);
      this.queue.add(KEY);
      await runReconcileLoop({
        queue: this.queue,
        // pass() logs its own failures (once per distinct error): retried with backoff, not logged again.
        reconcile: (key) => {
          if (key === HAIRPIN) return this.hairpin().then(() => ({}), (): Result => ({ requeue: true }));
          // A light pass that fails leaves it to the whole pass (with its backoff).
          if (key === PEERS) {
            return this.peersChanged().then(() => ({}), (err: unknown): Result => {
              this.log.debug({ err }, 'routes for a peer change not written; the whole pass runs');
              this.queue.add(KEY);
              return {};
            });
          }
          return this.reconcileNow().then(
            () => requeueAfter(this.o.recheckMs ?? 10_000),
            (): Result => ({ requeue: true }),
          );
        },
        logger: this.log,
        clock: this.clock,
      });
    })();
  }

  async stop(): Promise<void> {
    this.queue.shutDown();
    this.nodes.stop();
    await this.loop;
  }

  /** One whole pass (serialized with any other); rejects with what failed. */
  reconcileNow(): Promise<void> {
    return this.serialized(() => this.pass().finally(() => this.firstPassDone()));
  }

  /** Another node changed: its routes only, or the whole pass when only that can do it. */
  private peersChanged(): Promise<void> {
    return this.serialized(async () => {
      // Undefined until a whole pass reached the routes (the network is ready by then).
      const written = await this.routes.light(this.peers());
      if (written) this.logRoutes(written);
      else this.queue.add(KEY);
    });
  }

  /** Passes run one at a time, whichever kind; a failed one does not stop the next. */
  private serialized(pass: () => Promise<void>): Promise<void> {
    const next = this.running.then(pass);
    this.running = next.catch(() => undefined);
    return next;
  }

  private peers(): NetworkPeer[] {
    return this.nodes.list().map(peerOf).filter((p): p is NetworkPeer => p !== undefined);
  }

  private logRoutes({ plan, diff }: RoutesWritten): void {
    for (const s of plan.skipped) this.once('info', `peer ${s.node} skipped: ${s.reason}`);
    const changes = Object.fromEntries(Object.entries(diff).filter(([, l]) => l.length).map(([n, l]) => [n, l.length]));
    if (Object.keys(changes).length) this.log.info({ changes, peers: plan.routes.length }, 'pod network routes reconciled');
  }

  private setState(s: PodNetworkState): void {
    if (JSON.stringify(s) === JSON.stringify(this.current)) return;
    this.current = s;
    traceHop('net.state', { node: this.o.nodeName, ready: s.ready });
    for (const l of this.listeners) l();
  }

  private once(level: 'info' | 'warn', msg: string, fields: object = {}): void {
    if (this.said.has(msg)) return;
    this.said.add(msg);
    this.log[level](fields, msg);
  }

  private async pass(): Promise<void> {
    const o = this.o;
    const self = this.nodes.get(o.nodeName);
    let stage = 'Node annotations';
    this.routes.forget();
    try {
      // First: peers route to this node from them (and its range), while it sets up.
      const vtepMac = o.backend === 'vxlan' ? vtepMacFor(o.nodeIP) : undefined;
      const patch = annotationPatch(self, o.backend, o.nodeIP, vtepMac);
      if (patch && self) this.wrote(await o.client.nodes.patch(o.nodeName, undefined, { metadata: { annotations: patch } }, 'merge'));
      stage = 'pod ranges';
      const podCIDRs = await this.podCIDRs(self);
      if (podCIDRs.length === 0) {
        // The controller manager owns the condition while the range is missing (NoPodCIDRAvailable).
        this.setState({ ready: false, reason: 'no pod CIDR assigned to this node yet (controller manager) and no --pod-cidr given' });
        return;
      }
      stage = 'cluster CIDRs';
      const { cidrs: clusterCIDRs, fromRecord } = await this.clusterCIDRs(podCIDRs);
      // Entries of other clusters on this host are left alone, which needs to know the
      // cluster's CIDRs: a standalone agent without the record manages every orch entry.
      const scope = fromRecord ? clusterCIDRs : undefined;
      stage = 'uplink';
      const uplink = await this.kernel.uplinkOf(o.nodeIP);
      const mtu = podMtu(o.backend, uplink.mtu);
      stage = 'Docker network';
      const want = podBridgeSpec(o.nodeName, podCIDRs, mtu);
      const d = await ensurePodBridge(o.runtime, want, {
        // A node's network is a leftover when no Node of this cluster owns its subnets.
        isStale: (node, subnets) => {
          const owner = this.nodes.get(node);
          return !owner || !subnets.every((x) => podCIDRsOf(owner).includes(x));
        },
        onStaleRemoved: (n) => this.log.warn({ network: n.name, subnets: n.subnets.map((x) => x.subnet) }, 'removed an unused Docker network left by an earlier cluster: its subnet overlaps this node\'s pod range'),
      });
      if (d.action === 'conflict') throw new NotReady(d.why);
      if (d.action === 'create' || d.action === 'recreate') this.log.info({ network: want.name, subnets: podCIDRs, mtu, ...(d.action === 'recreate' ? { why: d.why } : {}) }, `Docker network ${d.action}d`);
      if (d.action === 'keep' && d.note) this.once('warn', d.note);
      stage = 'firewall';
      await this.forwarding(podCIDRs);
      const jumps = await this.firewall.apply(clusterCIDRs);
      if (jumps.length) this.log.info({ jumps }, 'firewall jumps (re)inserted');
      this.setState({ ready: true, dockerNetwork: want.name, podCIDRs, mtu });

      stage = o.backend === 'vxlan' ? 'VXLAN device' : 'host-gw';
      const peers = this.peers();
      if (vtepMac) {
        // Agents sharing this host share orch.1: it holds the tunnel address of every node here.
        const here = [...podCIDRs, ...peers.filter((p) => p.nodeIP === o.nodeIP && p.name !== o.nodeName).flatMap((p) => p.podCIDRs)];
        const v = await this.kernel.ensureVxlan({ vni: o.vxlanVni, port: o.vxlanPort, localIP: o.nodeIP, uplink: uplink.name, mac: vtepMac, addresses: [...new Set(here)].map(tunnelAddress), scope });
        if (v.created) this.log.info({ vni: o.vxlanVni, port: o.vxlanPort, uplink: uplink.name }, 'VXLAN device orch.1 created');
      } else if (await this.kernel.removeVxlan()) {
        this.log.info('VXLAN device orch.1 removed (backend host-gw)');
      }
      stage = 'routes';
      // Only this cluster's entries (scope): another cluster on this host keeps its own.
      this.logRoutes(await this.routes.full({ name: o.nodeName, nodeIP: o.nodeIP, backend: o.backend, uplink: uplink.name, scope }, peers));
      stage = 'hairpin';
      await this.hairpin();
      await this.setCondition(self, { status: 'False', reason: 'RouteCreated', message: 'orch pod network ready' });
      if (this.lastFailure) this.log.info('pod network programmed again');
      this.lastFailure = undefined;
    } catch (err) {
      const why = `${stage}: ${err instanceof Error ? err.message : String(err)}`;
      if (err instanceof NotReady || !this.current.ready || stage === 'Docker network' || stage === 'firewall') this.setState({ ready: false, reason: why });
      this.log[why === this.lastFailure ? 'debug' : 'warn']({ err, stage }, 'pod network not programmed; retrying');
      this.lastFailure = why;
      await this.setCondition(self, { status: 'True', reason: 'NetworkSetupFailed', message: why }).catch((e: unknown) => this.log.debug({ err: e }, 'cannot set the node condition'));
      throw err;
    }
  }

  private wrote(node: Node): void {
    this.ownWrite = networkFingerprint(node);
  }

  private async podCIDRs(self: Node | undefined): Promise<string[]> {
    const fromNode = podCIDRsOf(self);
    if (fromNode.length || !this.o.podCIDRs.length) return fromNode;
    // A standalone agent: peers learn its range from the Node, as they would from the controller manager.
    if (self) {
      await this.o.client.nodes
        .patch(this.o.nodeName, undefined, { spec: { podCIDR: this.o.podCIDRs[0], podCIDRs: this.o.podCIDRs } }, 'merge')
        .catch((err: unknown) => this.once('warn', 'cannot write --pod-cidr into the Node spec; peers will not route to this node', { err }));
    }
    return this.o.podCIDRs;
  }

  private async clusterCIDRs(podCIDRs: string[]): Promise<{ cidrs: string[]; fromRecord: boolean }> {
    let cm: ConfigMap | undefined;
    try {
      cm = await this.o.client.configmaps.get(POD_NETWORK_CONFIGMAP, POD_NETWORK_NAMESPACE);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const cidrs = recordFromConfigMap(cm)?.clusterCIDRs;
    if (cidrs?.length) return { cidrs, fromRecord: true };
    this.once('info', `no ConfigMap ${POD_NETWORK_NAMESPACE}/${POD_NETWORK_CONFIGMAP}: the firewall treats only this node's pod range as the cluster`, { podCIDRs });
    return { cidrs: podCIDRs, fromRecord: false };
  }

  /** Routed pod traffic needs forwarding on (Docker turns IPv4 on; IPv6 is ours to turn on). */
  private async forwarding(podCIDRs: string[]): Promise<void> {
    const keys = ['net.ipv4.ip_forward', ...(podCIDRs.some((c) => c.includes(':')) ? ['net.ipv6.conf.all.forwarding'] : [])];
    const cmd = this.cmd;
    for (const k of keys) {
      if ((await cmd.run('sysctl', ['-n', k])).trim() !== '1') await cmd.run('sysctl', ['-qw', `${k}=1`]);
    }
  }

  private async setCondition(self: Node | undefined, want: { status: 'True' | 'False'; reason: string; message: string }): Promise<void> {
    if (!self || !withNetworkCondition(self.status?.conditions, want, '')) return;
    for (let i = 0; i < 3; i++) {
      const cur = await this.o.client.nodes.get(this.o.nodeName);
      const conditions = withNetworkCondition(cur.status?.conditions, want, new Date(this.clock.now()).toISOString().replace(/\.\d+Z$/, 'Z'));
      if (!conditions) return;
      try {
        this.wrote(await this.o.client.nodes.updateStatus({ ...cur, status: { ...cur.status, conditions } }));
        if (want.status === 'False') this.log.info(`node condition ${CONDITION_NETWORK}=False (${want.reason})`);
        return;
      } catch (err) {
        if (!isConflict(err)) throw err;
      }
    }
  }
}
