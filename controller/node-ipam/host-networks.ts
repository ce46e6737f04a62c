// This host's own networks, for podNetworkPlan's overlap check: every interface address
// as "address/prefix", except the bridges and tunnels the pod network itself creates
// (orch's `orch…` bridges and `orch.1` VXLAN device carry pod ranges on purpose) and
// Docker's (they move around and are not the host's uplink). Loopback is skipped too:
// 127/8 and ::1 can never collide with a valid cluster CIDR anyway.

import os from 'node:os';

const OWN_DEVICES = /^(orch|docker|br-|veth|vxlan)/;

export function hostNetworks(interfaces: NodeJS.Dict<os.NetworkInterfaceInfo[]> = os.networkInterfaces()): Array<{ name: string; cidr: string }> {
  const out: Array<{ name: string; cidr: string }> = [];
  for (const [name, addrs] of Object.entries(interfaces)) {
    if (OWN_DEVICES.test(name)) continue;
    for (const a of addrs ?? []) {
      if (a.internal || !a.cidr) continue;
      out.push({ name, cidr: a.cidr });
    }
  }
  return out;
}
