// The address this apiserver gives in the `kubernetes` Endpoints: --advertise-address,
// else the bind address when it is one, else (bound to all) the first non-loopback IPv4
// address of the host, as kube-apiserver picks its default interface's.

import os from 'node:os';
import { parseIp } from '../../api/net/cidr.js';

export function advertiseAddressFor(flag: string | undefined, bindAddress: string): string {
  if (flag !== undefined) {
    if (!parseIp(flag) || flag === '0.0.0.0' || flag === '::') throw new Error(`invalid --advertise-address "${flag}": an IP address of this host that others reach it at`);
    return flag;
  }
  if (parseIp(bindAddress) && bindAddress !== '0.0.0.0' && bindAddress !== '::') return bindAddress;
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
