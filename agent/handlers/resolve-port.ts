// The port of an httpGet / tcpSocket handler: a number, or the name of one of the
// container's ports (kubelet looks names up in the container's own ports list only).

import type { Container } from '../../api/types.js';

export function resolvePort(port: number | string, container: Container): number | Error {
  if (typeof port === 'number') return port;
  if (/^[0-9]+$/.test(port)) return Number(port);
  const found = (container.ports ?? []).find((p) => p.name === port);
  if (!found) return new Error(`couldn't find port: ${port} in container ${container.name}`);
  return found.containerPort;
}

/** host:port with IPv6 literals bracketed. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
