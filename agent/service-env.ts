// Service links: the environment variables the kubelet gives every container for the
// Services that exist when it starts (pkg/kubelet/envvars), Docker-links style:
//
//   WEB_SERVICE_HOST=10.96.0.10   WEB_SERVICE_PORT=80   WEB_SERVICE_PORT_HTTP=80
//   WEB_PORT=tcp://10.96.0.10:80  WEB_PORT_80_TCP=tcp://10.96.0.10:80
//   WEB_PORT_80_TCP_PROTO=tcp     WEB_PORT_80_TCP_PORT=80   WEB_PORT_80_TCP_ADDR=10.96.0.10
//
// for each Service of the pod's namespace when spec.enableServiceLinks is not false, and
// for the `kubernetes` Service of `default` always (the kubelet's "master services",
// added even with enableServiceLinks: false, and not overridden by a namespace's own
// `kubernetes` Service when the pod lives in `default`). Headless and ExternalName
// Services (no cluster IP) give nothing. The container's own variables win on a clash
// (pod-to-container.ts).

import type { Service } from '../api/types.js';

export const MASTER_SERVICE_NAMESPACE = 'default';
const MASTER_SERVICES = new Set(['kubernetes']);

/** "my-svc" → "MY_SVC". */
export function envName(s: string): string {
  return s.replace(/-/g, '_').toUpperCase();
}

function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== 'None' && svc.spec.type !== 'ExternalName';
}

function hostPort(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** The variables of one Service, in the kubelet's order. */
export function serviceEnvVars(svc: Service): [string, string][] {
  const ports = svc.spec.ports ?? [];
  if (!hasClusterIP(svc) || ports.length === 0) return [];
  const ip = svc.spec.clusterIP!;
  const prefix = envName(svc.metadata.name!);
  const out: [string, string][] = [
    [`${prefix}_SERVICE_HOST`, ip],
    [`${prefix}_SERVICE_PORT`, String(ports[0]!.port)],
  ];
  for (const sp of ports) if (sp.name) out.push([`${prefix}_SERVICE_PORT_${envName(sp.name)}`, String(sp.port)]);
  ports.forEach((sp, i) => {
    const proto = (sp.protocol ?? 'TCP').toLowerCase();
    const url = `${proto}://${hostPort(ip, sp.port)}`;
    if (i === 0) out.push([`${prefix}_PORT`, url]);
    const pp = `${prefix}_PORT_${sp.port}_${proto.toUpperCase()}`;
    out.push([pp, url], [`${pp}_PROTO`, proto], [`${pp}_PORT`, String(sp.port)], [`${pp}_ADDR`, ip]);
  });
  return out;
}

/**
 * Every service variable a container of a pod in `namespace` gets, from the Services
 * known now (all namespaces; only the relevant ones are used).
 */
export function serviceLinkEnv(services: readonly Service[], namespace: string, enableServiceLinks: boolean | undefined): Map<string, string> {
  const chosen = new Map<string, Service>();
  for (const svc of services) {
    if (svc.metadata.namespace === MASTER_SERVICE_NAMESPACE && MASTER_SERVICES.has(svc.metadata.name ?? '')) chosen.set(svc.metadata.name!, svc);
  }
  // The namespace's own Services (a `kubernetes` Service of the pod's namespace replaces the master one).
  if (enableServiceLinks !== false) for (const svc of services) if (svc.metadata.namespace === namespace) chosen.set(svc.metadata.name ?? '', svc);
  const env = new Map<string, string>();
  // Sorted by name so the same Services always give the same container (its config hash).
  for (const name of [...chosen.keys()].sort()) for (const [k, v] of serviceEnvVars(chosen.get(name)!)) env.set(k, v);
  return env;
}
