// Where a pod's forwarded ports are reached from the agent: the pod's IP, the address the
// agent's network probes use too (the sandbox's address on the pod network); 127.0.0.1 for
// a hostNetwork pod, whose containers share the node's network namespace with the agent.
//
// Limit (documented in docs/agent.md): a server that listens only on 127.0.0.1 inside a
// pod's own namespace is not reachable. The kubelet (through the container runtime) enters
// the pod's network namespace to dial localhost:PORT; Node cannot switch the namespace of
// one of its threads, and doing it from here would take a helper process per connection
// (nsenter + a relay binary on the node, or a `docker exec` needing a relay tool inside
// every image). Dialling the pod IP reaches every server bound to 0.0.0.0 or the pod IP,
// which is what Services and probes need as well.

import net from 'node:net';
import { errors } from '../../api/errors.js';
import { LABEL_CONTAINER, LABEL_NAMESPACE, LABEL_NODE, LABEL_POD, LABEL_POD_UID, SANDBOX_CONTAINER } from '../labels.js';
import type { ContainerRuntime } from '../runtime/types.js';

export interface PortForwardTarget {
  /** The address dialled for every forwarded port. */
  host: string;
  podUid: string;
}

/** The pod's running network holder on this node, or a 404/400 Status the client sees. */
export async function findPortForwardTarget(runtime: ContainerRuntime, nodeName: string, namespace: string, pod: string): Promise<PortForwardTarget> {
  const found = await runtime.listContainers({ [LABEL_NODE]: nodeName, [LABEL_NAMESPACE]: namespace, [LABEL_POD]: pod }, { details: false });
  const running = found.filter((c) => c.state === 'running');
  if (found.length === 0) throw errors.notFoundMessage(`pod "${pod}" in namespace "${namespace}" has no containers on this node`);
  const sandbox = running.find((c) => c.labels[LABEL_CONTAINER] === SANDBOX_CONTAINER);
  if (sandbox) {
    const host = sandbox.ipAddress || sandbox.ipAddresses?.[0];
    if (!host) throw errors.badRequest(`pod "${pod}" has no IP address yet`);
    return { host, podUid: sandbox.labels[LABEL_POD_UID] ?? '' };
  }
  const hostNet = running.find((c) => c.networkMode === 'host');
  if (hostNet) return { host: '127.0.0.1', podUid: hostNet.labels[LABEL_POD_UID] ?? '' };
  throw errors.badRequest(`pod "${pod}" has no running network namespace on this node (its sandbox is not running)`);
}

export interface DialOptions {
  timeoutMs?: number;
}

/** A TCP connection to the pod's port; rejects with the reason the client is told. */
export function dialPodPort(host: string, port: number, o: DialOptions = {}): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`failed to connect to ${host}:${port}: no answer within ${(o.timeoutMs ?? 10_000) / 1000}s`));
    }, o.timeoutMs ?? 10_000);
    sock.once('connect', () => {
      clearTimeout(timer);
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`failed to connect to ${host}:${port}: ${err.message}`));
    });
  });
}

/** The kubelet's wording, which kubectl prints after "an error occurred forwarding". */
export function forwardError(port: number, pod: string, uid: string, reason: string): string {
  return `error forwarding port ${port} to pod ${pod}, uid ${uid}: ${reason}`;
}

/** `ports=80,443&ports=8080` (the apiserver's name) or `port=` (the kubelet's): 1-65535 each. */
export function parsePortsQuery(query: URLSearchParams): number[] {
  const raw = [...query.getAll('ports'), ...query.getAll('port')];
  if (raw.length === 0) throw errors.badRequest('query parameter "ports" is required');
  const ports: number[] = [];
  for (const value of raw) {
    for (const p of value.split(',')) {
      const n = /^\d{1,5}$/.test(p) ? Number(p) : NaN;
      if (!(n >= 1 && n <= 65535)) throw errors.badRequest(`unable to parse ${JSON.stringify(p.slice(0, 50))} as a port: must be a number from 1 to 65535`);
      ports.push(n);
    }
  }
  return ports;
}
