import { describe, expect, it } from 'vitest';
import type os from 'node:os';
import { hostNetworks } from './host-networks.js';

const addr = (cidr: string, internal = false): os.NetworkInterfaceInfo =>
  ({ address: cidr.split('/')[0]!, netmask: '', family: cidr.includes(':') ? 'IPv6' : 'IPv4', mac: '00:00:00:00:00:00', internal, cidr, scopeid: 0 }) as os.NetworkInterfaceInfo;

describe('hostNetworks', () => {
  it("lists the host's own networks, not loopback, orch's or Docker's devices", () => {
    expect(
      hostNetworks({
        lo: [addr('127.0.0.1/8', true)],
        eth0: [addr('192.0.2.2/24'), addr('fd00::2/64')],
        docker0: [addr('172.17.0.1/16')],
        'br-0123abcd': [addr('172.18.0.1/16')],
        orch1a2b3c4d: [addr('10.244.3.1/24')],
        'orch.1': [addr('10.244.3.0/32')],
      }),
    ).toEqual([
      { name: 'eth0', cidr: '192.0.2.2/24' },
      { name: 'eth0', cidr: 'fd00::2/64' },
    ]);
  });
});
