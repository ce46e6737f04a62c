// The address this host is reached at, for an agent that was not told (--node-ip) and
// for `orch up`, which puts it in the apiserver's certificate.

import os from 'node:os';

/** First non-internal IPv4 address, preferring real interfaces over Docker bridges. */
export function detectNodeIP(ifaces = os.networkInterfaces()): string {
  const candidates: { name: string; address: string }[] = [];
  for (const [name, addrs] of Object.entries(ifaces)) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) candidates.push({ name, address: a.address });
  }
  const virtual = /^(docker|br-|veth|virbr|cni|flannel)/;
  return (candidates.find((c) => !virtual.test(c.name)) ?? candidates[0])?.address ?? '127.0.0.1';
}
