// The service proxy of one node: a list of components (foundation/component.ts), started
// in this order and stopped in reverse:
//
//   1 cluster-identity   the uid of kube-system: with the node name it makes this proxy's
//                        instance id, which every chain name carries (two clusters on one
//                        host, two nodes of one cluster in one network namespace: each
//                        proxy writes and removes only its own chains)
//   2 informers          Services, EndpointSlices and this proxy's own Node
//   3 service-rules      the sync loop (sync/syncer.ts) over the kernel backend of
//                        --proxy-mode (iptables, or nftables: nft/): debounced incremental
//                        syncs of the services that changed, a full sync every
//                        --sync-period and at once when its canary is gone; the other
//                        mode's rules of this instance are removed first
//   4 dns                cluster DNS (proxy/dns/) on the node's pod gateway addresses, from
//                        the same informers (off with --dns-port 0)
//   5 node-report        what the rules reflect (synced-revision.ts), as annotations on the
//                        Node: after each sync (≤ 5 writes/s) and every 10 s as a heartbeat;
//                        agents read it before a pod gets SIGTERM and before a new pod
//                        counts as available (agent/endpoint-drain/)
//
// The constructor does no I/O.

import type { ConfigMap, EndpointSlice, Node, Service } from '../api/types.js';
import { POD_NETWORK_CONFIGMAP, POD_NETWORK_NAMESPACE, recordFromConfigMap } from '../api/net/pod-network.js';
import { objectKey, resolveResourceName } from '../api/resources.js';
import { realClock, type Clock } from '../foundation/clock.js';
import { loopComponent, type Component } from '../foundation/component.js';
import type { HostCommands } from '../foundation/host-commands.js';
import type { Logger } from '../foundation/logger.js';
import type { Registry } from '../foundation/metrics.js';
import { Informer } from '../client/informer.js';
import { clusterIdentityComponent } from '../client/cluster-identity.js';
import { informersComponent } from '../client/informer-component.js';
import type { Client, ResourceClient } from '../client/types.js';
import { instanceChains, instanceId } from './rules/names.js';
import { sliceServiceKey } from './rules/service-model.js';
import { ProxyMetrics } from './sync/metrics.js';
import { Syncer, type ServiceSource } from './sync/syncer.js';
import { Interner, trimService, trimSlice } from './cache-trim.js';
import type { ProxyMode } from './sync/backend.js';
import { IptablesBackend } from './sync/iptables-backend.js';
import { removeOtherMode } from './sync/mode-switch.js';
import { NftBackend } from './nft/nft-backend.js';
import { NodeReport } from './node-report.js';
import { SyncedRevision } from './synced-revision.js';
import { createDnsComponent } from './dns/dns-component.js';

export interface ProxyOptions {
  nodeName: string;
  client: Client;
  logger: Logger;
  registry: Registry;
  commands: HostCommands;
  clock?: Clock;
  /** Kernel backend (--proxy-mode; default iptables). */
  mode?: ProxyMode;
  /** Full sync interval (--sync-period). */
  syncPeriodMs: number;
  /** Debounce of incremental syncs (--min-sync-period). */
  minSyncPeriodMs: number;
  clusterDomain: string;
  /** Port of cluster DNS on the node's pod gateways (--dns-port); 0: no DNS. */
  dnsPort: number;
  /** The Node report's minimum interval between writes (default 200 ms) and its heartbeat (default 10 s). */
  reportIntervalMs?: number;
  reportHeartbeatMs?: number;
}

export class ServiceProxy {
  readonly services: Informer<Service>;
  /** Undefined when this build's API catalogue has no EndpointSlice (then no service has endpoints). */
  readonly slices?: Informer<EndpointSlice>;
  readonly node: Informer<Node>;
  /** kube-system/orch-pod-network: the cluster's pod ranges (pod traffic is never masqueraded). */
  readonly podNetwork: Informer<ConfigMap>;
  readonly components: Component[];
  private readonly clock: Clock;
  private readonly log: Logger;
  /** Set once the cluster identity is known. */
  instance?: string;
  /** Set when the sync loop starts (it needs the instance id). */
  syncer?: Syncer;
  private readonly metrics: ProxyMetrics;
  private readonly report: NodeReport;
  /** What the rules reflect (synced-revision.ts): the slice informer's position, held back by slices whose Service is not here yet. */
  private readonly revision: SyncedRevision;

  constructor(private readonly o: ProxyOptions) {
    this.clock = o.clock ?? realClock;
    this.log = o.logger;
    const inf = <T extends Service | EndpointSlice | Node | ConfigMap>(name: string, rc: ResourceClient<T>, extra: { fieldSelector?: string; namespace?: string; transform?: (obj: T) => T } = {}) =>
      new Informer<T>(rc, { logger: this.log.child({ sub: `${name}-informer` }), clock: this.clock, ...extra });
    // Only what the rules, DNS and the revision read is cached (cache-trim.ts).
    const interner = new Interner();
    this.services = inf<Service>('service', o.client.services, { transform: (svc) => trimService(svc, interner) });
    this.slices = resolveResourceName('endpointslices')
      ? inf<EndpointSlice>('endpointslice', o.client.resource<EndpointSlice>('endpointslices'), { transform: (sl) => trimSlice(sl, interner) })
      : undefined;
    this.node = inf<Node>('node', o.client.nodes, { fieldSelector: `metadata.name=${o.nodeName}` });
    this.podNetwork = inf<ConfigMap>('pod-network', o.client.configmaps, { fieldSelector: `metadata.name=${POD_NETWORK_CONFIGMAP}`, namespace: POD_NETWORK_NAMESPACE });
    this.metrics = new ProxyMetrics(o.registry);
    this.revision = new SyncedRevision({
      slicePosition: () => (this.slices ?? this.services).lastSyncResourceVersion(),
      service: (key) => this.services.get(key),
      clock: this.clock,
    });
    this.report = new NodeReport({
      client: o.client,
      nodeName: o.nodeName,
      logger: this.log.child({ sub: 'node-report' }),
      clock: this.clock,
      minIntervalMs: o.reportIntervalMs,
      heartbeatMs: o.reportHeartbeatMs,
      idleRevision: () => this.syncer?.idleRevision(),
    });
    this.watchChanges();
    this.components = [
      this.clusterIdentity(),
      informersComponent('informers', [this.services, ...(this.slices ? [this.slices] : []), this.node, this.podNetwork], { waitForSync: false }),
      loopComponent('service-rules', (signal) => this.runSync(signal), { ready: () => (this.syncer ? this.syncer.ready() : 'waiting for the cluster identity and the caches') }),
      ...(o.dnsPort > 0 && this.slices
        ? [createDnsComponent({ services: this.services, endpointSlices: this.slices, node: { name: o.nodeName, nodes: this.node }, port: o.dnsPort, clusterDomain: o.clusterDomain, logger: this.log, metrics: o.registry })]
        : []),
      loopComponent('node-report', (signal) => this.report.run(signal)),
    ];
  }

  /** What the syncer reads: the informers' caches. */
  readonly source: ServiceSource = {
    serviceKeys: () => this.services.list().map((s) => objectKey(s)),
    service: (key) => this.services.get(key),
    slices: (key) => this.slices?.byIndex('service', key) ?? [],
    node: () => this.node.list()[0],
    clusterCIDRs: () => recordFromConfigMap(this.podNetwork.list()[0])?.clusterCIDRs,
    revision: () => this.revision.current(),
  };

  /** Every Service / EndpointSlice event marks its service changed (and may hold the revision, synced-revision.ts). */
  private watchChanges(): void {
    const svc = (s: Service) => this.syncer?.serviceChanged(objectKey(s));
    this.services.addEventHandler({
      onAdd: (s) => (this.revision.serviceSeen(s), svc(s)),
      onUpdate: (_, s) => (this.revision.serviceSeen(s), svc(s)),
      onDelete: (s) => (this.revision.serviceDeleted(s), svc(s)),
    });
    if (this.slices) {
      this.slices.addIndex('service', (sl) => {
        const k = sliceServiceKey(sl);
        return k ? [k] : [];
      });
      const slice = (sl: EndpointSlice) => {
        const k = sliceServiceKey(sl);
        if (k) this.syncer?.serviceChanged(k);
      };
      // A slice relabelled to another service changes both.
      this.slices.addEventHandler({
        onAdd: (sl) => (this.revision.sliceSeen(sl), slice(sl)),
        onUpdate: (a, b) => (this.revision.sliceSeen(b), slice(a), slice(b)),
        onDelete: (sl) => (this.revision.sliceDeleted(sl), slice(sl)),
      });
    }
    this.node.addEventHandler({ onAdd: () => this.syncer?.nodeChanged(), onUpdate: () => this.syncer?.nodeChanged() });
    this.podNetwork.addEventHandler({ onAdd: () => this.syncer?.nodeChanged(), onUpdate: () => this.syncer?.nodeChanged(), onDelete: () => this.syncer?.nodeChanged() });
  }

  /** Waits for the instance id and the caches, then syncs until stopped. */
  private async runSync(signal: AbortSignal): Promise<void> {
    const informers = [this.services, ...(this.slices ? [this.slices] : []), this.node, this.podNetwork];
    while (!signal.aborted && (!this.instance || !informers.every((i) => i.hasSynced()))) await this.clock.sleep(100, signal).catch(() => undefined);
    if (signal.aborted || !this.instance) return;
    const mode = this.o.mode ?? 'iptables';
    await removeOtherMode(mode, this.o.commands, this.instance, this.log);
    this.syncer = new Syncer({
      backend: mode === 'nftables' ? new NftBackend(this.instance, this.o.commands) : new IptablesBackend(instanceChains(this.instance), this.o.commands),
      nodeName: this.o.nodeName,
      source: this.source,
      commands: this.o.commands,
      logger: this.log.child({ sub: mode }),
      metrics: this.metrics,
      clock: this.clock,
      syncPeriodMs: this.o.syncPeriodMs,
      minSyncPeriodMs: this.o.minSyncPeriodMs,
      onSynced: (info) => this.report.synced(info),
    });
    await this.syncer.run(signal);
  }

  private clusterIdentity(): Component {
    return clusterIdentityComponent({
      client: this.o.client,
      clock: this.clock,
      logger: this.log,
      onIdentity: (uid) => {
        this.instance = instanceId(uid, this.o.nodeName);
        this.log.info({ cluster: uid, instance: this.instance }, 'cluster identity');
        if (!this.slices) this.log.warn('this build serves no EndpointSlices: every service is programmed without endpoints');
      },
    });
  }
}
