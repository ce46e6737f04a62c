// One run of a probe's handler against a container: exec inside the container, httpGet /
// tcpSocket / grpc from the node to the pod IP (or the handler's host). Never throws; the
// timeout is enforced by each handler (agent/handlers). prepareProbe resolves an httpGet
// probe's target once per container attempt (its workers run it every period).

import type { Container, Probe } from '../../api/types.js';
import { execInContainer } from '../handlers/exec-in-container.js';
import { grpcHealthCheck } from '../handlers/grpc-health.js';
import type { HandlerResult } from '../handlers/handler-result.js';
import { httpGet, prepareHttpGet } from '../handlers/http-get.js';
import { resolvePort } from '../handlers/resolve-port.js';
import { tcpCheck } from '../handlers/tcp-socket.js';
import type { ContainerRuntime } from '../runtime/types.js';

export interface ProbeTarget {
  containerId: string;
  container: Container;
  /** The pod IP (the node IP for hostNetwork pods); undefined while the pod has none. */
  podIP?: string;
}

export async function runProbe(runtime: Pick<ContainerRuntime, 'exec'>, probe: Probe, t: ProbeTarget, timeoutMs: number): Promise<HandlerResult> {
  return prepareProbe(runtime, probe, t)(timeoutMs);
}

/**
 * The probe's handler for one container attempt, resolved once (port, URL, request bytes):
 * a worker runs it every period for the attempt's life, and the target does not change.
 */
export function prepareProbe(runtime: Pick<ContainerRuntime, 'exec'>, probe: Probe, t: ProbeTarget): (timeoutMs: number) => Promise<HandlerResult> {
  if (probe.httpGet) {
    const host = probe.httpGet.host || t.podIP;
    const port = host ? resolvePort(probe.httpGet.port, t.container) : undefined;
    if (host && typeof port === 'number') {
      const h = probe.httpGet;
      return prepareHttpGet({ scheme: h.scheme ?? 'HTTP', host, port, path: h.path ?? '/', headers: h.httpHeaders });
    }
  }
  return (timeoutMs) => runOnce(runtime, probe, t, timeoutMs);
}

async function runOnce(runtime: Pick<ContainerRuntime, 'exec'>, probe: Probe, t: ProbeTarget, timeoutMs: number): Promise<HandlerResult> {
  if (probe.exec) return execInContainer(runtime, t.containerId, probe.exec.command, timeoutMs);
  if (!probe.httpGet && !probe.tcpSocket && !probe.grpc) return { ok: false, message: 'missing probe handler' };
  // gRPC probes always go to the pod IP (GRPCAction has no host).
  const host = probe.httpGet?.host || probe.tcpSocket?.host || t.podIP;
  if (!host) return { ok: false, message: 'pod has no IP address yet' };
  if (probe.grpc) return grpcHealthCheck(host, probe.grpc.port, probe.grpc.service ?? '', timeoutMs);
  const port = resolvePort((probe.httpGet ?? probe.tcpSocket)!.port, t.container);
  if (port instanceof Error) return { ok: false, message: port.message };
  if (probe.tcpSocket) return tcpCheck(host, port, timeoutMs);
  const h = probe.httpGet!;
  return httpGet({ scheme: h.scheme ?? 'HTTP', host, port, path: h.path ?? '/', headers: h.httpHeaders }, timeoutMs);
}
