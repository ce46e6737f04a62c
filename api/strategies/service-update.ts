// What an update of a Service keeps and drops, as Kubernetes' service strategy:
//   - values the apiserver allocated and the update leaves out are carried over (the
//     cluster IPs with their families and policy, node ports by port name, the health
//     check port), so `kubectl apply` of the original manifest changes nothing;
//   - values a type change makes meaningless are dropped when the client left them as
//     they were (ClusterIP → ExternalName drops the cluster IPs, NodePort → ClusterIP
//     the node ports), so the change needs no hand-clearing; the apiserver then releases
//     them in the same write.

import type { KubeObject, Service, ServicePort } from '../types.js';
import { deepEqual } from '../meta.js';

type Spec = Service['spec'];

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const empty = (v: unknown) => v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

const needsClusterIP = (s: Spec) => s.type !== 'ExternalName';
const needsNodePort = (s: Spec) => s.type === 'NodePort' || s.type === 'LoadBalancer';
const needsHealthPort = (s: Spec) => s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local';
const externallyAccessible = (s: Spec) => needsNodePort(s) || (Array.isArray(s.externalIPs) && s.externalIPs.length > 0);

export function prepareServiceUpdate(obj: KubeObject, old: KubeObject): void {
  if (!isObj(obj.spec) || !isObj(old.spec)) return;
  const spec = obj.spec as Spec;
  const prev = old.spec as Spec;
  carryAllocated(spec, prev);
  dropTypeDependent(spec, prev);
}

function carryAllocated(spec: Spec, prev: Spec): void {
  if (needsClusterIP(prev) && needsClusterIP(spec)) {
    for (const f of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy'] as const) {
      if (empty(spec[f]) && !empty(prev[f])) (spec as Record<string, unknown>)[f] = prev[f];
    }
  }
  if (needsNodePort(prev) && needsNodePort(spec) && Array.isArray(spec.ports) && Array.isArray(prev.ports)) {
    const byName = new Map<string, number>();
    for (const p of prev.ports) if (isObj(p) && typeof p.nodePort === 'number') byName.set(p.name ?? '', p.nodePort);
    // A node port the new ports give explicitly is not handed to another port.
    const used = new Set(spec.ports.filter(isObj).map((p) => (p as ServicePort).nodePort).filter((n) => typeof n === 'number'));
    for (const p of spec.ports) {
      if (!isObj(p) || (p.nodePort !== undefined && p.nodePort !== 0)) continue;
      const was = byName.get((p as ServicePort).name ?? '');
      if (was !== undefined && !used.has(was)) (p as ServicePort).nodePort = was;
    }
  }
  if (needsHealthPort(prev) && needsHealthPort(spec) && empty(spec.healthCheckNodePort) && prev.healthCheckNodePort) spec.healthCheckNodePort = prev.healthCheckNodePort;
}

function dropTypeDependent(spec: Spec, prev: Spec): void {
  if (needsClusterIP(prev) && !needsClusterIP(spec)) {
    for (const f of ['clusterIP', 'clusterIPs', 'ipFamilies', 'ipFamilyPolicy'] as const) {
      if (deepEqual(spec[f], prev[f])) delete spec[f];
    }
  }
  if (needsNodePort(prev) && !needsNodePort(spec) && Array.isArray(spec.ports) && Array.isArray(prev.ports)) {
    const same = spec.ports.length === prev.ports.length && spec.ports.every((p, i) => isObj(p) && p.nodePort === prev.ports![i]?.nodePort);
    if (same) for (const p of spec.ports) delete p.nodePort;
  }
  if (needsHealthPort(prev) && !needsHealthPort(spec) && spec.healthCheckNodePort === prev.healthCheckNodePort) delete spec.healthCheckNodePort;
  if (prev.type === 'LoadBalancer' && spec.type !== 'LoadBalancer' && spec.allocateLoadBalancerNodePorts === prev.allocateLoadBalancerNodePorts) delete spec.allocateLoadBalancerNodePorts;
  if (externallyAccessible(prev) && !externallyAccessible(spec) && spec.externalTrafficPolicy === prev.externalTrafficPolicy) delete spec.externalTrafficPolicy;
}
