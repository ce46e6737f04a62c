// Test doubles for the DNS server: Services and EndpointSlices in a few words, and a
// source of objects with an informer's shape whose changes the test makes by hand.

import type { EventHandler } from '../../../client/informer.js';
import { objectKey } from '../../../api/resources.js';
import type { Endpoint, EndpointPort, EndpointSlice, KubeObject, Service } from '../../../api/types.js';
import type { ObjectSource } from '../dns-component.js';

export function service(ns: string, name: string, spec: Partial<Service['spec']>): Service {
  return { apiVersion: 'v1', kind: 'Service', metadata: { namespace: ns, name }, spec: { type: 'ClusterIP', ...spec } };
}

export function endpointSlice(ns: string, svc: string, name: string, endpoints: Endpoint[], ports: EndpointPort[] = [], addressType: EndpointSlice['addressType'] = 'IPv4'): EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { namespace: ns, name, labels: { 'kubernetes.io/service-name': svc } },
    addressType,
    endpoints,
    ports,
  };
}

export function endpoint(ip: string, ready = true, hostname?: string): Endpoint {
  return { addresses: [ip], conditions: { ready, serving: ready, terminating: false }, ...(hostname ? { hostname } : {}) };
}

/** An informer stand-in: set()/remove() deliver the events an informer would. */
export class ManualSource<T extends KubeObject> implements ObjectSource<T> {
  private readonly items = new Map<string, T>();
  private readonly handlers: EventHandler<T>[] = [];
  synced = true;

  list(): T[] {
    return [...this.items.values()];
  }
  hasSynced(): boolean {
    return this.synced;
  }
  addEventHandler(h: EventHandler<T>): void {
    this.handlers.push(h);
    for (const o of this.items.values()) h.onAdd?.(o);
  }
  set(obj: T): void {
    const old = this.items.get(objectKey(obj));
    this.items.set(objectKey(obj), obj);
    for (const h of this.handlers) (old ? h.onUpdate?.(old, obj) : h.onAdd?.(obj));
  }
  remove(obj: T): void {
    this.items.delete(objectKey(obj));
    for (const h of this.handlers) h.onDelete?.(obj);
  }
}
