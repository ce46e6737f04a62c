// The service proxy of one node: a list of components (foundation/component.ts), started
// in this order and stopped in reverse:
//
//   1 cluster-identity   the uid of kube-system: with the node name it makes this proxy's
//                        instance id, which every chain name carries (two clusters on one
//                        host, two nodes of one cluster in one network namespace: each
//                        proxy writes and removes only its own chains)
//   2 informers          Services, EndpointSlices and this proxy's own Node
//   3 service-rules      the iptables sync loop (sync/syncer.ts): debounced incremental
//                        syncs of the services that changed, a full sync every
//                        --sync-period and at once when its canary chains are gone
//   4 node-report        what the last successful sync reflects, as annotations on the Node
//
// Cluster DNS (proxy/dns/) reads the same informers. The constructor does no I/O.

import type { EndpointSlice, Node, Service } from '../api/types.js';
import { resolveResourceName } from '../api/resources.js';
import { realClock, type Clock } from '../foundation/clock.js';
import { retryingComponent, type Component } from '../foundation/component.js';
import type { HostCommands } from '../foundation/host-commands.js';
import type { Logger } from '../foundation/logger.js';
import type { Registry } from '../foundation/metrics.js';
import { Informer } from '../client/informer.js';
import { informersComponent } from '../client/informer-component.js';
import type { Client, ResourceClient } from '../client/types.js';
import { instanceId } from './rules/names.js';

export interface ProxyOptions {
  nodeName: string;
  client: Client;
  logger: Logger;
  registry: Registry;
  commands: HostCommands;
  clock?: Clock;
  /** Full sync interval (--sync-period). */
  syncPeriodMs: number;
  /** Debounce of incremental syncs (--min-sync-period). */
  minSyncPeriodMs: number;
  clusterDomain: string;
}

export class Proxy {
  readonly services: Informer<Service>;
  /** Undefined when this build's API catalogue has no EndpointSlice (then no service has endpoints). */
  readonly slices?: Informer<EndpointSlice>;
  readonly node: Informer<Node>;
  readonly components: Component[];
  private readonly clock: Clock;
  private readonly log: Logger;
  /** Set once the cluster identity is known. */
  instance?: string;

  constructor(private readonly o: ProxyOptions) {
    this.clock = o.clock ?? realClock;
    this.log = o.logger;
    const inf = <T extends Service | EndpointSlice | Node>(name: string, rc: ResourceClient<T>, fieldSelector?: string) =>
      new Informer<T>(rc, { logger: this.log.child({ sub: `${name}-informer` }), clock: this.clock, fieldSelector });
    this.services = inf<Service>('service', o.client.services);
    this.slices = resolveResourceName('endpointslices') ? inf<EndpointSlice>('endpointslice', o.client.resource<EndpointSlice>('endpointslices')) : undefined;
    this.node = inf<Node>('node', o.client.nodes, `metadata.name=${o.nodeName}`);
    this.components = [
      this.clusterIdentity(),
      informersComponent('informers', [this.services, ...(this.slices ? [this.slices] : []), this.node], { waitForSync: false }),
    ];
  }

  private clusterIdentity(): Component {
    return retryingComponent(
      'cluster-identity',
      async (signal) => {
        try {
          const ns = await this.o.client.namespaces.get('kube-system');
          if (!ns.metadata.uid) throw new Error('kube-system has no uid');
          this.instance = instanceId(ns.metadata.uid, this.o.nodeName);
          this.log.info({ cluster: ns.metadata.uid, instance: this.instance }, 'cluster identity');
          if (!this.slices) this.log.warn('this build serves no EndpointSlices: every service is programmed without endpoints');
          return true;
        } catch (err) {
          if (!signal.aborted) this.log.warn({ err }, 'cannot read the cluster identity (kube-system uid); retrying');
          return false;
        }
      },
      { clock: this.clock, intervalMs: 2000, notReady: 'kube-system uid not read yet' },
    );
  }
}
