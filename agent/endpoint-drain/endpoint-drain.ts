// The agent's side of the termination protocol (docs/services.md "Zero-downtime
// endpoints"): the caches and memory behind the two gates of gate.ts, as facts for the pod
// plan, and the requeues that bring a waiting pod back without a worker ever waiting.
//
//   drainFact(pod)   'waiting' | 'done' for a pod being deleted: pod-plan's
//                    planTermination emits `await-drain` instead of stops while waiting
//   routedFact(pod)  what pod-status writes as the `orch.io/ProxiesRouted` condition
//                    (routed-condition.ts)
//   recheck(pod)     the reconcile result for a waiting pod: look again at its bound
//
// What it reads:
//   - a Node informer (every Node: the proxies' annotations, proxy-reports.ts);
//   - per namespace that has a pod on this node, an EndpointSlice informer of that
//     namespace only (indexed by the pods they list and by Service), started with the
//     first pod of the namespace and stopped with the last (prune): no cluster-wide slice
//     cache in the agent;
//   - the agent's Service informer (which Services select a pod).
// Any change in them requeues the pods that wait, so a confirmation is acted on at once;
// the bound (--proxy-drain-timeout, default 5 s) is a requeue at its end. With the timeout
// 0 nothing is started and nothing is waited for or written.

import type { EndpointSlice, Node, Pod, Service } from '../../api/types.js';
import { PROXIES_ROUTED_CONDITION } from '../../api/proxy-sync.js';
import { SERVICE_NAME_LABEL } from '../../api/service-types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Component } from '../../foundation/component.js';
import type { Logger } from '../../foundation/logger.js';
import { Informer } from '../../client/informer.js';
import { done, requeueAfter, type Result } from '../../client/reconcile-loop.js';
import type { Client } from '../../client/types.js';
import { drainGate, endpointOf, routedGate, type GateInput, type GateResult } from './gate.js';
import { ProxyReports } from './proxy-reports.js';
import type { RoutedFact } from './routed-condition.js';

/** --proxy-drain-timeout's default. */
export const DEFAULT_PROXY_DRAIN_TIMEOUT_MS = 5000;

export interface EndpointDrainOptions {
  nodeName: string;
  client: Client;
  clock: Clock;
  logger: Logger;
  /** The bound of both waits (--proxy-drain-timeout); 0: the protocol is off. */
  timeoutMs: number;
  /** The agent's Service cache. */
  services: { list(): Service[]; hasSynced(): boolean };
  events?: { record(obj: Pod, type: 'Normal' | 'Warning', reason: string, message: string): void };
  /** Look at this pod again (the agent's work queue). */
  requeue(key: string): void;
}

interface Wait {
  startedAt: number;
  revision?: string;
  result?: GateResult;
}

const podKey = (p: Pod) => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

function selects(svc: Service, pod: Pod): boolean {
  const sel = svc.spec?.selector;
  if (!sel || Object.keys(sel).length === 0 || svc.metadata.namespace !== pod.metadata.namespace) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

const isReady = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
const routedCond = (p: Pod) => p.status?.conditions?.find((c) => c.type === PROXIES_ROUTED_CONDITION);

export class EndpointDrain {
  readonly enabled: boolean;
  private readonly proxies = new ProxyReports();
  private readonly nodes?: Informer<Node>;
  private readonly slices = new Map<string, Informer<EndpointSlice>>();
  /** uid → the drain wait / the routed wait. */
  private readonly drains = new Map<string, Wait>();
  private readonly routes = new Map<string, Wait>();
  /** Pods waiting now (key → uid): requeued on every change of what they wait for. */
  private readonly waiting = new Map<string, string>();
  private started = false;

  constructor(private readonly o: EndpointDrainOptions) {
    this.enabled = o.timeoutMs > 0;
    if (!this.enabled) return;
    this.nodes = new Informer<Node>(o.client.nodes, { logger: o.logger.child({ sub: 'proxy-report-informer' }), clock: o.clock });
    const node = (n: Node) => (this.proxies.update(n, o.clock.now()), this.wake());
    this.nodes.addEventHandler({ onAdd: node, onUpdate: (_, n) => node(n), onDelete: (n) => (this.proxies.delete(n), this.wake()) });
  }

  /** A component of the agent (after the pod informer): the Node informer, and the slice informers on stop. */
  component(): Component {
    return {
      name: 'endpoint-drain',
      start: async () => {
        this.started = true;
        this.nodes?.start();
        for (const inf of this.slices.values()) inf.start();
      },
      ready: () => (this.nodes && !this.nodes.hasSynced() ? 'Nodes (proxy reports) not listed yet' : undefined),
      stop: async () => {
        this.started = false;
        this.nodes?.stop();
        for (const inf of this.slices.values()) inf.stop();
      },
    };
  }

  /** For a pod being deleted: may its containers be stopped now? Undefined: the protocol is off. */
  drainFact(pod: Pod): 'waiting' | 'done' | undefined {
    if (!this.enabled) return undefined;
    const uid = pod.metadata.uid ?? '';
    const w = this.drains.get(uid) ?? this.drains.set(uid, { startedAt: this.o.clock.now() }).get(uid)!;
    if (w.result?.state === 'done') return 'done';
    const r = this.evaluate(pod, w, drainGate);
    if (r.state === 'done' && r.timedOut) {
      this.o.logger.warn({ pod: podKey(pod), why: r.timedOut }, 'stopping a pod without every proxy having confirmed');
      this.o.events?.record({ ...pod, apiVersion: 'v1', kind: 'Pod' }, 'Warning', 'ProxyDrainTimeout', `Stopping the pod after ${this.o.timeoutMs / 1000}s although ${r.timedOut}`);
    }
    return r.state;
  }

  /** What pod-status needs for the ProxiesRouted condition (routed-condition.ts). */
  routedFact(pod: Pod): RoutedFact | undefined {
    if (!this.enabled) return { state: 'off' };
    if (pod.metadata.deletionTimestamp) return undefined;
    this.ensureNamespace(pod.metadata.namespace ?? 'default');
    const selected = this.o.services.list().some((s) => selects(s, pod));
    const uid = pod.metadata.uid ?? '';
    if (!isReady(pod) || routedCond(pod)?.status !== 'False') {
      this.routes.delete(uid);
      this.waiting.delete(podKey(pod));
      return { state: 'waiting', selected };
    }
    const w = this.routes.get(uid) ?? this.routes.set(uid, { startedAt: this.o.clock.now() }).get(uid)!;
    const first = w.result?.state !== 'done';
    const r = w.result?.state === 'done' ? w.result : this.evaluate(pod, w, routedGate);
    if (r.state === 'waiting') return { state: 'waiting', selected };
    if (!r.timedOut) return { state: 'routed', selected };
    if (first) this.o.events?.record({ ...pod, apiVersion: 'v1', kind: 'Pod' }, 'Warning', 'ProxyRoutingTimeout', `Counting the pod as routed after ${this.o.timeoutMs / 1000}s although ${r.timedOut}`);
    return { state: 'timeout', selected, message: `after ${this.o.timeoutMs / 1000}s: ${r.timedOut}` };
  }

  /** The end of the reconcile of a waiting pod: look again at its bound (changes requeue it sooner). */
  recheck(pod: Pod): Result {
    const uid = pod.metadata.uid ?? '';
    if (this.waiting.get(podKey(pod)) !== uid) return done;
    const w = (pod.metadata.deletionTimestamp ? this.drains : this.routes).get(uid);
    if (!w) return done;
    return requeueAfter(Math.max(10, w.startedAt + this.o.timeoutMs - this.o.clock.now() + 5));
  }

  /** A status-only update of a pod (the agent's own writes): a pod whose Routed wait just began must be looked at. */
  podUpdated(pod: Pod): void {
    if (this.enabled && isReady(pod) && routedCond(pod)?.status === 'False' && !this.waiting.has(podKey(pod))) this.o.requeue(podKey(pod));
  }

  /** Forget pods no longer bound here; stop the slice informers of namespaces without pods here. */
  prune(pods: readonly Pod[]): void {
    const uids = new Set(pods.map((p) => p.metadata.uid));
    for (const m of [this.drains, this.routes]) for (const uid of m.keys()) if (!uids.has(uid)) m.delete(uid);
    for (const [k, uid] of this.waiting) if (!uids.has(uid)) this.waiting.delete(k);
    const namespaces = new Set(pods.map((p) => p.metadata.namespace ?? 'default'));
    for (const [ns, inf] of this.slices) {
      if (namespaces.has(ns)) continue;
      inf.stop();
      this.slices.delete(ns);
    }
  }

  /** Whether the Nodes and the namespace's EndpointSlices are listed (until then the gates wait). */
  cachesSynced(ns: string): boolean {
    return !!this.nodes?.hasSynced() && !!this.slices.get(ns)?.hasSynced();
  }

  /** The pods' namespace gets its slice informer (a pod of it is on this node). */
  ensureNamespace(ns: string): void {
    if (!this.enabled || this.slices.has(ns)) return;
    const inf = new Informer<EndpointSlice>(this.o.client.resource<EndpointSlice>('endpointslices'), { namespace: ns, logger: this.o.logger.child({ sub: 'endpointslice-informer', namespace: ns }), clock: this.o.clock });
    inf.addIndex('endpoint', (s) => (s.endpoints ?? []).flatMap((e) => (e.targetRef?.uid ? [`uid:${e.targetRef.uid}`] : (e.addresses ?? []).map((a) => `ip:${a}`))));
    inf.addIndex('service', (s) => {
      const n = s.metadata.labels?.[SERVICE_NAME_LABEL];
      return n ? [n] : [];
    });
    inf.addEventHandler({ onAdd: () => this.wake(ns), onUpdate: () => this.wake(ns), onDelete: () => this.wake(ns) });
    this.slices.set(ns, inf);
    if (this.started) inf.start();
  }

  private evaluate(pod: Pod, w: Wait, gate: (i: GateInput) => GateResult): GateResult {
    const ns = pod.metadata.namespace ?? 'default';
    this.ensureNamespace(ns);
    const inf = this.slices.get(ns)!;
    const now = this.o.clock.now();
    const input = this.gateInput(pod, inf, w, now);
    const r: GateResult = !this.cachesSynced(ns) || !this.o.services.hasSynced()
      ? now - w.startedAt >= this.o.timeoutMs
        ? { state: 'done', timedOut: 'the EndpointSlices, Nodes or Services were not listed yet' }
        : { state: 'waiting', why: 'caches not synced' }
      : gate(input);
    if (r.revision) w.revision = r.revision;
    w.result = r;
    if (r.state === 'waiting') this.waiting.set(podKey(pod), pod.metadata.uid ?? '');
    else this.waiting.delete(podKey(pod));
    return r;
  }

  private gateInput(pod: Pod, inf: Informer<EndpointSlice>, w: Wait, now: number): GateInput {
    const ips = [pod.status?.podIP, ...(pod.status?.podIPs ?? []).map((p) => p.ip)].filter((x): x is string => !!x);
    const listing = new Map<string, EndpointSlice>();
    for (const k of [`uid:${pod.metadata.uid}`, ...ips.map((ip) => `ip:${ip}`)]) for (const s of inf.byIndex('endpoint', k)) if (endpointOf(s, pod)) listing.set(s.metadata.name!, s);
    const services = new Map<string, EndpointSlice[]>();
    for (const svc of this.o.services.list()) if (selects(svc, pod)) services.set(svc.metadata.name!, inf.byIndex('service', svc.metadata.name!));
    return { pod, listing: [...listing.values()], services, proxies: this.proxies.live(now), revision: w.revision, startedAt: w.startedAt, now, timeoutMs: this.o.timeoutMs };
  }

  /** Something a wait depends on changed: the pods waiting (in this namespace) look again. */
  private wake(ns?: string): void {
    for (const k of this.waiting.keys()) if (ns === undefined || k.startsWith(`${ns}/`)) this.o.requeue(k);
  }
}
