// Cluster DNS as a component of the `orch proxy` process (foundation/component.ts):
// authoritative for the cluster domain from the proxy's own Service and EndpointSlice
// caches, everything else forwarded to the node's resolvers; UDP and TCP on the node's pod
// gateway addresses. The proxy passes its informers (anything of their shape: a list, a
// sync flag and change handlers), so the DNS server adds no watch of its own.
//
//   const dns = createDnsComponent({ services, endpointSlices, node: { name, nodes }, logger, metrics });
//
// Listen addresses: `listenAddresses` when given, else the pod gateways of `node` (first
// address of each spec.podCIDRs), followed as the Node changes (a node gets its pod CIDR
// after it registered). Not ready until both caches synced and every address listens.

import fs from 'node:fs/promises';
import { parseResolvConf } from '../../api/net/resolv-conf.js';
import { podGatewayAddresses } from '../../api/net/pod-network.js';
import type { EndpointSlice, Node, Service } from '../../api/types.js';
import type { Component } from '../../foundation/component.js';
import type { Logger } from '../../foundation/logger.js';
import type { Registry } from '../../foundation/metrics.js';
import type { EventHandler } from '../../client/informer.js';
import { ClusterZone } from './cluster-zone.js';
import { Forwarder, upstreamsFrom, type Upstream } from './dns-forwarder.js';
import { DnsHandler } from './dns-handler.js';
import { DnsListeners } from './dns-listeners.js';
import { DnsMetrics } from './dns-metrics.js';

/** What the DNS server needs of an informer (client/informer.ts has this shape). */
export interface ObjectSource<T> {
  list(): T[];
  hasSynced(): boolean;
  /** Called with onAdd for everything already cached once synced, then with every change. */
  addEventHandler(handler: EventHandler<T>): void;
}

export interface DnsComponentOptions {
  services: ObjectSource<Service>;
  endpointSlices: ObjectSource<EndpointSlice>;
  /** This node and a source of Node objects: listen on its pod gateways (unless listenAddresses). */
  node?: { name: string; nodes: ObjectSource<Node> };
  /** Instead of node: exactly these addresses; [] turns the server off (ready, nothing bound: no pod network, no pods to serve). */
  listenAddresses?: string[];
  /** Default 53. */
  port?: number;
  /** Default cluster.local. */
  clusterDomain?: string;
  /** Default: the nameservers of resolvConfPath. */
  upstreams?: Upstream[];
  /** Default /etc/resolv.conf (the host's own: the server runs on the host). */
  resolvConfPath?: string;
  /** Per upstream attempt; default 2000 ms (a client's own timeout is typically 5 s). */
  forwardTimeoutMs?: number;
  /** How often an address that cannot be bound yet is tried again; default 1000 ms. */
  bindRetryMs?: number;
  logger: Logger;
  metrics?: Registry;
}

export interface DnsComponent extends Component {
  /** The zone (tests and the lead's wiring read it). */
  readonly zone: ClusterZone;
}

export const DEFAULT_CLUSTER_DOMAIN = 'cluster.local';

export function createDnsComponent(o: DnsComponentOptions): DnsComponent {
  const logger = o.logger.child({ component: 'dns' });
  const zone = new ClusterZone(o.clusterDomain ?? DEFAULT_CLUSTER_DOMAIN);
  const metrics = o.metrics ? new DnsMetrics(o.metrics) : undefined;
  let listeners: DnsListeners | undefined;
  let forwarder: Forwarder | undefined;
  let stopped = false;

  // Handlers stay registered after stop (informers cannot drop one): they go quiet instead.
  const handler = <T>(set: (o: T) => void, del: (o: T) => void): EventHandler<T> => ({
    onAdd: (x) => !stopped && set(x),
    onUpdate: (_old, x) => !stopped && set(x),
    onDelete: (x) => !stopped && del(x),
  });

  const followNode = (): void => {
    if (!o.node || o.listenAddresses) return;
    const { name, nodes } = o.node;
    const apply = (n: Node) => {
      if (stopped || n.metadata.name !== name) return;
      const addrs = podGatewayAddresses(n.spec);
      listeners?.setAddresses(addrs);
      zone.setNameserverAddresses(addrs);
    };
    nodes.addEventHandler({ onAdd: apply, onUpdate: (_old, n) => apply(n) });
  };

  return {
    name: 'dns',
    zone,
    async start() {
      let upstreams = o.upstreams;
      if (!upstreams) {
        const path = o.resolvConfPath ?? '/etc/resolv.conf';
        const text = await fs.readFile(path, 'utf8').catch((err: unknown) => {
          logger.warn({ err, path }, 'cannot read the host resolv.conf: names outside the cluster domain get SERVFAIL');
          return '';
        });
        upstreams = upstreamsFrom(parseResolvConf(text).nameservers);
      }
      logger.info({ domain: zone.domain, upstreams }, 'cluster DNS starting');
      const fwd = (forwarder = new Forwarder({ upstreams, timeoutMs: o.forwardTimeoutMs ?? 2000, logger }));
      const queries = new DnsHandler(zone, fwd, metrics, logger);
      listeners = new DnsListeners({ port: o.port ?? 53, retryMs: o.bindRetryMs ?? 1000, logger, handler: queries });
      o.services.addEventHandler(handler<Service>((s) => zone.setService(s), (s) => zone.deleteService(s)));
      o.endpointSlices.addEventHandler(handler<EndpointSlice>((s) => zone.setSlice(s), (s) => zone.deleteSlice(s)));
      if (o.listenAddresses) {
        listeners.setAddresses(o.listenAddresses);
        zone.setNameserverAddresses(o.listenAddresses);
      }
      followNode();
    },
    ready() {
      // listenAddresses: [] is how a process without a pod network turns DNS off.
      if (o.listenAddresses?.length === 0) return undefined;
      if (!o.services.hasSynced() || !o.endpointSlices.hasSynced()) return 'Service and EndpointSlice caches not synced yet';
      return listeners ? listeners.notReady() : 'not started';
    },
    async stop() {
      stopped = true;
      await listeners?.close();
      forwarder?.close();
    },
  };
}
