// A ServiceSource over plain maps, for tests and the benchmark (the proxy itself reads
// its informers' caches).

import type { EndpointSlice, Node, Service } from '../../api/types.js';
import { sliceServiceKey } from '../rules/service-model.js';
import type { ServiceSource } from '../sync/syncer.js';

export class StaticSource implements ServiceSource {
  readonly services = new Map<string, Service>();
  readonly sliceMap = new Map<string, EndpointSlice[]>();
  nodeObj?: Node;
  rev = 0;

  constructor(podCIDRs: string[] = ['10.244.1.0/24'], nodeName = 'n1') {
    this.nodeObj = { apiVersion: 'v1', kind: 'Node', metadata: { name: nodeName }, spec: { podCIDR: podCIDRs[0], podCIDRs } };
  }

  put(svc: Service, slices: EndpointSlice[] = []): string {
    const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
    this.services.set(key, svc);
    this.sliceMap.set(key, slices.filter((s) => sliceServiceKey(s) === key));
    this.rev++;
    return key;
  }

  remove(key: string): void {
    this.services.delete(key);
    this.sliceMap.delete(key);
    this.rev++;
  }

  serviceKeys(): Iterable<string> {
    return this.services.keys();
  }
  service(key: string): Service | undefined {
    return this.services.get(key);
  }
  slices(key: string): readonly EndpointSlice[] {
    return this.sliceMap.get(key) ?? [];
  }
  node(): Node | undefined {
    return this.nodeObj;
  }
  revision(): string {
    return String(this.rev);
  }
}
