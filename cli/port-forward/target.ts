// What `orch port-forward TARGET PORTS...` forwards to, resolved on the client side as
// kubectl does: a pod directly, or the first running pod of a Service's or Deployment's
// selector; remote ports by number or by name (a container port's name, or for a Service
// one of its ports, which becomes that port's targetPort in the chosen pod).

import { resolveResourceName } from '../../api/resources.js';
import { labelSelectorToString } from '../../api/selectors/labels.js';
import type { Deployment, Pod, Service } from '../../api/types.js';
import type { ApiClient } from '../../client/rest-client.js';

export interface PortSpec {
  /** 0: a free port picked by the OS. */
  local: number;
  /** As typed: a number or a port name. */
  remote: string;
}

export interface ForwardPlan {
  pod: Pod;
  ports: { local: number; remote: number }[];
}

function portNumber(text: string, what: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) throw new Error(`${what} "${text}" is not a port number (0-65535)`);
  return Number(text);
}

/** `8080:80`, `80` (same local port), `:80` or `0:80` (any free local port), `8080:http`. */
export function parsePortSpec(arg: string): PortSpec {
  const parts = arg.split(':');
  if (parts.length > 2 || parts[parts.length - 1] === '') throw new Error(`invalid port "${arg}": expected [LOCAL:]REMOTE`);
  const remote = parts[parts.length - 1]!;
  const isName = !/^\d+$/.test(remote);
  if (!isName && portNumber(remote, 'remote port') === 0) throw new Error(`invalid port "${arg}": the remote port must be 1-65535`);
  if (parts.length === 1) {
    if (isName) throw new Error(`invalid port "${arg}": a named remote port needs a local port (LOCAL:${remote})`);
    return { local: Number(remote), remote };
  }
  return { local: parts[0] === '' ? 0 : portNumber(parts[0]!, 'local port'), remote };
}

const running = (p: Pod) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp;
const ready = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

async function firstPod(client: ApiClient, namespace: string, selector: string, what: string): Promise<Pod> {
  const pods = (await client.pods.list({ namespace, labelSelector: selector })).items.filter(running);
  pods.sort((a, b) => Number(ready(b)) - Number(ready(a)) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  if (!pods[0]) throw new Error(`${what} has no running pods`);
  return pods[0];
}

function containerPort(pod: Pod, name: string): number {
  for (const c of pod.spec.containers) for (const p of c.ports ?? []) if (p.name === name) return p.containerPort;
  throw new Error(`pod "${pod.metadata.name}" has no container port named "${name}"`);
}

export async function resolveForward(client: ApiClient, namespace: string, target: string, specs: PortSpec[]): Promise<ForwardPlan> {
  const slash = target.indexOf('/');
  const kind = slash < 0 ? 'Pod' : resolveResourceName(target.slice(0, slash))?.kind;
  const name = slash < 0 ? target : target.slice(slash + 1);
  if (!name) throw new Error(`no name in "${target}"`);
  let pod: Pod;
  let service: Service | undefined;
  if (kind === 'Pod') pod = await client.pods.get(name, namespace);
  else if (kind === 'Service') {
    service = await client.services.get(name, namespace);
    if (!service.spec?.selector || Object.keys(service.spec.selector).length === 0) throw new Error(`service "${name}" has no selector: there is no pod to forward to`);
    pod = await firstPod(client, namespace, Object.entries(service.spec.selector).map(([k, v]) => `${k}=${v}`).join(','), `service "${name}"`);
  } else if (kind === 'Deployment') {
    const d: Deployment = await client.deployments.get(name, namespace);
    pod = await firstPod(client, namespace, labelSelectorToString(d.spec.selector), `deployment "${name}"`);
  } else throw new Error(`port-forward works for pods, services and deployments, not "${target.slice(0, slash)}"`);
  if (pod.status?.phase !== 'Running') throw new Error(`unable to forward port because pod "${pod.metadata.name}" is not running (phase ${pod.status?.phase ?? 'unknown'})`);

  const ports = specs.map((s) => {
    if (!service) return { local: s.local, remote: /^\d+$/.test(s.remote) ? Number(s.remote) : containerPort(pod, s.remote) };
    // A Service port (by number or name) → its targetPort in this pod.
    const sp = service.spec?.ports?.find((p) => String(p.port) === s.remote || p.name === s.remote);
    if (!sp) throw new Error(`service "${service.metadata.name}" has no port ${s.remote}`);
    const t = sp.targetPort ?? sp.port;
    const remote = typeof t === 'number' ? t : /^\d+$/.test(t) ? Number(t) : containerPort(pod, t);
    return { local: s.local, remote };
  });
  return { pod, ports };
}
