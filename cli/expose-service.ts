// The Service `orch expose` creates for an object, built as `kubectl expose` builds it
// (kubectl's expose.go and its polymorphic helpers), so the same command line gives the
// same Service with either tool:
//  - selector: --selector, else the object's (Deployment/ReplicaSet spec.selector.matchLabels,
//    a Pod's labels, a Service's selector); matchExpressions cannot become a Service
//    selector and are refused;
//  - ports: --port (a number, or several separated by commas), else the object's container
//    ports (service ports for a Service): one → an unnamed port, several → port-1, port-2...;
//    each port keeps its protocol from the object unless --protocol is given;
//  - targetPort: --target-port (a number or a container port name) for every port, else the
//    port itself;
//  - labels: the object's; name: the object's (at most 63 characters) unless --name.
// Pure: no I/O, unit-tested in expose-service.test.ts.

import type { Container, KubeObject, LabelSelector, Pod, Service, ServicePort, ServiceType } from '../api/types.js';

export interface ExposeOptions {
  /** "80" or "80,443". */
  port?: string;
  /** A port number or a container port name, for every port. */
  targetPort?: string;
  type?: string;
  name?: string;
  protocol?: string;
  /** "k=v,k2=v2" (equality only, as a Service selector). */
  selector?: string;
  /** An IP, or "None" for a headless service. */
  clusterIP?: string;
  /** "k=v,..." labels of the new service (default: the object's). */
  labels?: string;
  sessionAffinity?: string;
}

/** Kinds `expose` understands, by kind (kubectl: Pod, Service, ReplicationController, Deployment, ReplicaSet). */
export const EXPOSABLE_KINDS = ['Deployment', 'ReplicaSet', 'Pod', 'Service'] as const;

const SERVICE_TYPES: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];
const PROTOCOLS = ['TCP', 'UDP', 'SCTP'] as const;
/** Longest Service name (a DNS-1035 label). */
const MAX_NAME = 63;

/** "a=b,c=d" → { a: 'b', c: 'd' } (kubectl's parseLabels: equality only, no empty keys). */
export function parseLabelMap(spec: string, flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of spec.split(',')) {
    const kv = part.split('=');
    if (kv.length !== 2) throw new Error(`${flag}: unexpected label spec "${part}" (use key=value, separated by commas)`);
    if (!kv[0]) throw new Error(`${flag}: unexpected empty label key in "${part}"`);
    out[kv[0].trim()] = kv[1]!.trim();
  }
  return out;
}

const kindWord = (obj: KubeObject) => `${(obj.kind ?? 'object').toLowerCase()} "${obj.metadata.name ?? ''}"`;

function workloadSelector(obj: KubeObject): Record<string, string> {
  const sel = (obj.spec as { selector?: LabelSelector } | undefined)?.selector;
  if (sel?.matchExpressions?.length) {
    const exprs = sel.matchExpressions.map((e) => `${e.key} ${e.operator}${e.values?.length ? ` (${e.values.join(',')})` : ''}`).join('; ');
    throw new Error(`cannot expose ${kindWord(obj)}: its selector has matchExpressions (${exprs}), which a Service selector (labels only) cannot express; pass --selector key=value`);
  }
  if (!sel?.matchLabels || Object.keys(sel.matchLabels).length === 0) throw new Error(`cannot expose ${kindWord(obj)}: it has no selector (spec.selector.matchLabels); pass --selector key=value`);
  return { ...sel.matchLabels };
}

/** The selector the object's pods carry (kubectl's MapBasedSelectorForObject). */
export function selectorForObject(obj: KubeObject): Record<string, string> {
  switch (obj.kind) {
    case 'Deployment':
    case 'ReplicaSet':
      return workloadSelector(obj);
    case 'Pod': {
      const labels = obj.metadata.labels ?? {};
      if (Object.keys(labels).length === 0) throw new Error(`cannot expose ${kindWord(obj)}: it has no labels to select it by; pass --selector key=value (and label the pod)`);
      return { ...labels };
    }
    case 'Service': {
      const sel = (obj as Service).spec?.selector;
      if (!sel || Object.keys(sel).length === 0) throw new Error(`cannot expose ${kindWord(obj)}: the service has no pod selector; pass --selector key=value`);
      return { ...sel };
    }
    default:
      throw new Error(`cannot expose a ${obj.kind ?? 'object'}: use one of ${EXPOSABLE_KINDS.join(', ')}`);
  }
}

interface ObjectPort {
  port: number;
  protocol: string;
}

function containersOf(obj: KubeObject): Container[] {
  if (obj.kind === 'Pod') return (obj as Pod).spec?.containers ?? [];
  return (obj.spec as { template?: { spec?: { containers?: Container[] } } } | undefined)?.template?.spec?.containers ?? [];
}

/** The object's ports in order (containers' ports; a Service's ports), with their protocols. */
export function portsForObject(obj: KubeObject): ObjectPort[] {
  if (obj.kind === 'Service') return ((obj as Service).spec?.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? 'TCP' }));
  return containersOf(obj).flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol ?? 'TCP' })));
}

function parsePorts(spec: string): number[] {
  return spec.split(',').map((s) => {
    const n = Number(s.trim());
    if (!/^\d+$/.test(s.trim()) || n < 1 || n > 65535) throw new Error(`--port: "${s}" is not a port number (1-65535)`);
    return n;
  });
}

function oneOf<T extends string>(value: string, allowed: readonly T[], flag: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`${flag}: "${value}" is not supported: use one of ${allowed.join(', ')}`);
  return value as T;
}

/** The service's ports, named as kubectl names them; each port's protocols from the object unless --protocol. */
function servicePorts(ports: number[], objectPorts: ObjectPort[], protocol: string | undefined): ServicePort[] {
  const protocolsOf = new Map<number, string[]>();
  for (const p of objectPorts) {
    const list = protocolsOf.get(p.port) ?? [];
    if (!list.includes(p.protocol)) list.push(p.protocol);
    protocolsOf.set(p.port, list);
  }
  const out: ServicePort[] = [];
  ports.forEach((port, i) => {
    const name = ports.length > 1 ? `port-${i + 1}` : undefined;
    const protocols = protocol ? [protocol] : (protocolsOf.get(port) ?? ['TCP']);
    if (protocols.length === 1) out.push({ ...(name ? { name } : {}), port, protocol: protocols[0] as ServicePort['protocol'] });
    // One port number served over several protocols: one service port each.
    else for (const pr of protocols) out.push({ name: `port-${i + 1}-${pr.toLowerCase()}`, port, protocol: pr as ServicePort['protocol'] });
  });
  return out;
}

/** The Service exposing `obj`; throws Error with a message for the user when it cannot be built. */
export function exposedService(obj: KubeObject, opts: ExposeOptions = {}): Service {
  if (!(EXPOSABLE_KINDS as readonly string[]).includes(obj.kind ?? '')) throw new Error(`cannot expose a ${obj.kind ?? 'object'}: use one of ${EXPOSABLE_KINDS.map((k) => k.toLowerCase()).join(', ')}`);
  const selector = opts.selector ? parseLabelMap(opts.selector, '--selector') : selectorForObject(obj);
  const type = opts.type ? oneOf(opts.type, SERVICE_TYPES, '--type') : undefined;
  const protocol = opts.protocol ? oneOf(opts.protocol.toUpperCase(), PROTOCOLS, '--protocol') : undefined;
  const headless = opts.clusterIP === 'None';

  const objectPorts = portsForObject(obj);
  // The same port listed twice (two containers, or TCP and UDP) is one entry here.
  const numbers = opts.port ? parsePorts(opts.port) : [...new Set(objectPorts.map((p) => p.port))];
  if (numbers.length === 0 && !headless) {
    throw new Error(`cannot expose ${kindWord(obj)}: it declares no ports (containerPort) and --port was not given; pass --port N (and --target-port)`);
  }
  const ports = servicePorts(numbers, objectPorts, protocol);
  if (opts.targetPort !== undefined) {
    const t = opts.targetPort;
    const target = /^\d+$/.test(t) ? Number(t) : t;
    if (typeof target === 'number' && (target < 1 || target > 65535)) throw new Error(`--target-port: ${t} is not a port number (1-65535)`);
    if (typeof target === 'string' && !/^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/.test(target)) throw new Error(`--target-port: "${t}" is neither a port number nor a container port name (at most 15 lowercase letters, digits and '-')`);
    for (const p of ports) p.targetPort = target;
  } else {
    for (const p of ports) p.targetPort = p.port;
  }

  const labels = opts.labels ? parseLabelMap(opts.labels, '--labels') : obj.metadata.labels;
  const name = opts.name || (obj.metadata.name ?? '').slice(0, MAX_NAME);
  const spec: Service['spec'] = { selector, ports };
  if (type) spec.type = type;
  if (opts.clusterIP) spec.clusterIP = opts.clusterIP;
  if (opts.sessionAffinity) spec.sessionAffinity = oneOf(opts.sessionAffinity, ['None', 'ClientIP'] as const, '--session-affinity');
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}), ...(labels && Object.keys(labels).length ? { labels: { ...labels } } : {}) },
    spec,
  };
}
