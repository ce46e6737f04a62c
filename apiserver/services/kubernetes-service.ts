// The `kubernetes` Service in `default` (how pods reach the API: its ClusterIP is the
// first usable address of --service-cluster-ip-range, port 443 "https") and its
// Endpoints, the addresses of the apiservers that run now. Each apiserver renews a Lease
// `apiserver-<id>` in kube-system (id: a hash of its advertised address and port, so a
// restarted apiserver takes its own lease back) carrying that address; every apiserver
// writes the addresses of the leases it sees alive. A lease is alive while its renewTime
// changed within its duration, as observed by this apiserver's clock (a host with a
// skewed clock cannot keep a dead lease alive, as in client/leader-election.ts). A
// stopping apiserver deletes its lease and rewrites the Endpoints without itself. The
// EndpointSlices say the same, once the endpointslices resource is registered.

import crypto from 'node:crypto';
import { isAlreadyExists, isNotFound } from '../../api/errors.js';
import { findResource } from '../../api/resources.js';
import type { KubeObject, Service } from '../../api/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Component } from '../../foundation/component.js';
import type { Logger } from '../../foundation/logger.js';
import type { Store } from '../registry/store.js';
import { apiserverEndpoints, apiserverSlices, endpointsChanged, sliceChanged, SLICE_MANAGED_BY } from './apiserver-endpoints.js';

export const LEASE_LABEL = 'apiserver.kubernetes.io/identity';
export const ADDRESS_ANNOTATION = 'orch.io/advertise-address';
export const PORT_ANNOTATION = 'orch.io/secure-port';

export interface KubernetesServiceOptions {
  store: Store;
  clusterIP: string;
  /** This apiserver's advertised address, and its port (known once it listens). */
  address: string;
  port: () => number;
  clock: Clock;
  logger: Logger;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
}

const svcRes = () => findResource('', 'v1', 'services')!;
const epRes = () => findResource('', 'v1', 'endpoints')!;
const leaseRes = () => findResource('coordination.k8s.io', 'v1', 'leases')!;

/** metav1.MicroTime, as Lease renewTime is written by Kubernetes. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '000Z');
}

export function leaseName(address: string, port: number): string {
  return `apiserver-${crypto.createHash('sha256').update(`${address}:${port}`).digest('hex').slice(0, 16)}`;
}

export function kubernetesServiceComponent(o: KubernetesServiceOptions): Component {
  const leaseSeconds = o.leaseDurationSeconds ?? 30;
  const interval = o.renewIntervalMs ?? 10_000;
  const ac = new AbortController();
  let loop: Promise<void> | undefined;
  /** Per lease: the renewTime last seen and when (our clock) it changed. */
  const seen = new Map<string, { renewTime: string; at: number }>();

  const renewLease = async () => {
    const name = leaseName(o.address, o.port());
    const now = microTime(o.clock.now());
    const spec = { holderIdentity: name, leaseDurationSeconds: leaseSeconds, renewTime: now };
    const annotations = { [ADDRESS_ANNOTATION]: o.address, [PORT_ANNOTATION]: String(o.port()) };
    try {
      await o.store.modify(leaseRes(), 'kube-system', name, (cur) => ({ ...cur, metadata: { ...cur.metadata, annotations: { ...cur.metadata.annotations, ...annotations } }, spec: { ...(cur.spec as object), ...spec } }));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await o.store
        .create(leaseRes(), 'kube-system', { metadata: { name, labels: { [LEASE_LABEL]: 'kube-apiserver' }, annotations }, spec: { ...spec, acquireTime: now } })
        .catch((e) => {
          if (!isAlreadyExists(e)) throw e;
        });
    }
  };

  const aliveLeases = async (exclude?: string): Promise<KubeObject[]> => {
    const list = await o.store.list(leaseRes(), 'kube-system', { allowWatchBookmarks: false });
    const now = o.clock.now();
    return list.items.filter((l) => {
      if (l.metadata.labels?.[LEASE_LABEL] !== 'kube-apiserver' || l.metadata.name === exclude) return false;
      const spec = (l.spec ?? {}) as { renewTime?: string; leaseDurationSeconds?: number };
      const renew = spec.renewTime ?? '';
      const prev = seen.get(l.metadata.name!);
      // First sight: trust renewTime; afterwards, only a change we observed ourselves.
      const at = prev ? (prev.renewTime === renew ? prev.at : now) : Date.parse(renew) || 0;
      seen.set(l.metadata.name!, { renewTime: renew, at: Math.min(at, now) });
      return now - at <= (spec.leaseDurationSeconds ?? leaseSeconds) * 1000;
    });
  };

  const writeEndpoints = async (leases: KubeObject[]) => {
    const desired = apiserverEndpoints(leases, { address: ADDRESS_ANNOTATION, port: PORT_ANNOTATION });
    try {
      await o.store.modify(epRes(), 'default', 'kubernetes', (cur) => (endpointsChanged(cur, desired) ? { ...cur, subsets: desired } : cur));
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await o.store.create(epRes(), 'default', { metadata: { name: 'kubernetes', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } }, subsets: desired }).catch((e) => {
        if (!isAlreadyExists(e)) throw e;
      });
    }
    await writeSlices(desired);
  };

  // EndpointSlices once discovery.k8s.io/v1 endpointslices is registered (api/resources.ts).
  let written: Set<string> | undefined;
  const writeSlices = async (subsets: ReturnType<typeof apiserverEndpoints>) => {
    const res = findResource('discovery.k8s.io', 'v1', 'endpointslices');
    if (!res) return;
    const want = apiserverSlices(subsets);
    for (const slice of want) {
      try {
        await o.store.modify(res, 'default', slice.metadata.name!, (cur) => (sliceChanged(cur, slice) ? { ...cur, addressType: slice.addressType, endpoints: slice.endpoints, ports: slice.ports, metadata: { ...cur.metadata, labels: slice.metadata.labels } } : cur));
      } catch (err) {
        if (!isNotFound(err)) throw err;
        await o.store.create(res, 'default', slice).catch((e) => {
          if (!isAlreadyExists(e)) throw e;
        });
      }
    }
    const names = new Set(want.map((s) => s.metadata.name!));
    // Slices of a port no apiserver serves any more: the ones written last time, or on the
    // first pass those found with our label.
    const stale = written
      ? [...written].filter((n) => !names.has(n))
      : (await o.store.list(res, 'default', { allowWatchBookmarks: false, predicate: ownSlice })).items.map((x) => x.metadata.name!).filter((n) => !names.has(n));
    for (const name of stale) {
      await o.store.delete(res, 'default', name, { dryRun: false }).catch((e) => {
        if (!isNotFound(e)) throw e;
      });
    }
    written = names;
  };

  const ensureService = async () => {
    const want = kubernetesService(o.clusterIP, o.port());
    try {
      const cur = (await o.store.get(svcRes(), 'default', 'kubernetes')) as Service;
      if (cur.spec?.clusterIP !== o.clusterIP) {
        o.logger.warn({ clusterIP: cur.spec?.clusterIP, expected: o.clusterIP }, 'the kubernetes Service has another ClusterIP than the first address of --service-cluster-ip-range; delete it to have it recreated');
      }
      // Repaired when its https port is gone or changed (not on every start of another apiserver).
      const https = cur.spec?.ports?.find((p) => p.name === 'https');
      if (!https || https.port !== 443 || https.protocol !== 'TCP') {
        await o.store.modify(svcRes(), 'default', 'kubernetes', (c) => ({ ...c, spec: { ...(c.spec as object), ports: want.spec.ports } }));
        o.logger.info('kubernetes Service repaired');
      }
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await o.store.create(svcRes(), 'default', want).catch((e) => {
        if (!isAlreadyExists(e)) throw e;
      });
      o.logger.info({ clusterIP: o.clusterIP }, 'kubernetes Service created');
    }
  };

  const tick = async () => {
    // Every round, so a deleted `kubernetes` Service comes back (as Kubernetes' bootstrap
    // controller does); an existing one costs one read.
    await ensureService();
    await renewLease();
    await writeEndpoints(await aliveLeases());
  };

  return {
    name: 'kubernetes-service',
    async start() {
      loop = (async () => {
        while (!ac.signal.aborted) {
          try {
            await tick();
          } catch (err) {
            if (!ac.signal.aborted) o.logger.warn({ err }, 'cannot keep the kubernetes Service and its endpoints yet; retrying');
          }
          await o.clock.sleep(interval, ac.signal).catch(() => undefined);
        }
      })();
    },
    async stop() {
      ac.abort();
      await loop;
      // Leave at once rather than after the lease expires.
      try {
        const name = leaseName(o.address, o.port());
        await o.store.delete(leaseRes(), 'kube-system', name, { dryRun: false });
        await writeEndpoints(await aliveLeases(name));
      } catch (err) {
        o.logger.debug({ err }, 'could not remove this apiserver from the kubernetes endpoints');
      }
    },
  };
}

function ownSlice(s: KubeObject): boolean {
  const l = s.metadata.labels ?? {};
  return l['kubernetes.io/service-name'] === 'kubernetes' && l['endpointslice.kubernetes.io/managed-by'] === SLICE_MANAGED_BY;
}

export function kubernetesService(clusterIP: string, port: number): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: { type: 'ClusterIP', clusterIP, clusterIPs: [clusterIP], sessionAffinity: 'None', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }] },
  };
}
