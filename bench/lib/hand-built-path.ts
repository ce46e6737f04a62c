// The pod → pod path of a backend built by hand between two harness hosts, with no orch
// and no Docker: per host a network namespace standing for a pod, a veth pair into a plain
// Linux bridge with the "pod range" gateway, and between the hosts either a route via the
// peer's host address (host-gw) or a VXLAN device with a flood entry for the peer (vxlan).
// bench/network measures it beside orch's pods in the same rounds: on the harness every
// "link" is a veth and a bridge in the same kernel, so a pod path (three veth pairs and
// three bridges against the host link's one each) costs CPU the host link does not, and
// that floor, not orch, is what the pod figures are compared with here.
//
// Addresses are 10.199.<host>.0/24 (far from the harness link 10.250.0.0/24 and the
// cluster's 10.244.0.0/16), the VXLAN device uses VNI 199 on UDP 4799 (orch's uses its
// own VNI and 8472), so the two never meet.

import { hostIP, netnsName } from '../../test/cluster/network.js';
import { run } from '../../test/cluster/sh.js';

export type HandBackend = 'host-gw' | 'vxlan';

export interface HandBuiltPath {
  /** Namespace paths of the client (on h1) and server (on h2) "pods". */
  from: string;
  to: string;
  /** The server's address. */
  addr: string;
  teardown(): Promise<void>;
}

const podNs = (host: number) => `orch-bench-hand-${host}`;
const BRIDGE = 'handbr0';
const VXLAN = 'handvx0';
const VNI = '199';
const PORT = '4799';
/** The VXLAN devices' own /24, so the kernel resolves the peer's gateway through them. */
const tunnelIP = (host: number) => `10.198.0.${host}`;
const podIP = (host: number) => `10.199.${host}.2`;

const ip = (args: string[]) => run('ip', args, { timeoutMs: 10_000 });
const inHost = (host: number, args: string[]) => ip(['-n', netnsName(host), ...args]);

/** Builds the path between harness hosts 1 and 2 (both must exist). `mtu`: the pods' MTU. */
export async function buildHandPath(backend: HandBackend, mtu: number): Promise<HandBuiltPath> {
  const hosts = [1, 2] as const;
  const teardown = async () => {
    for (const h of hosts) {
      await ip(['netns', 'del', podNs(h)]).catch(() => undefined);
      await inHost(h, ['link', 'del', BRIDGE]).catch(() => undefined);
      await inHost(h, ['link', 'del', VXLAN]).catch(() => undefined);
      await inHost(h, ['route', 'del', `10.199.${3 - h}.0/24`]).catch(() => undefined);
    }
  };
  await teardown();
  try {
    for (const h of hosts) {
      const ns = podNs(h);
      await ip(['netns', 'add', ns]);
      await inHost(h, ['link', 'add', BRIDGE, 'mtu', String(mtu), 'type', 'bridge']);
      await inHost(h, ['addr', 'add', `10.199.${h}.1/24`, 'dev', BRIDGE]);
      await inHost(h, ['link', 'set', BRIDGE, 'up']);
      await inHost(h, ['link', 'add', `handv${h}`, 'mtu', String(mtu), 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      await inHost(h, ['link', 'set', `handv${h}`, 'master', BRIDGE, 'up']);
      await ip(['-n', ns, 'addr', 'add', `${podIP(h)}/24`, 'dev', 'eth0']);
      await ip(['-n', ns, 'link', 'set', 'eth0', 'up']);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      await ip(['-n', ns, 'route', 'add', 'default', 'via', `10.199.${h}.1`]);
      const peer = 3 - h;
      if (backend === 'host-gw') {
        await inHost(h, ['route', 'add', `10.199.${peer}.0/24`, 'via', hostIP(peer)]);
      } else {
        await inHost(h, ['link', 'add', VXLAN, 'type', 'vxlan', 'id', VNI, 'local', hostIP(h), 'dev', 'eth0', 'dstport', PORT, 'nolearning']);
        await inHost(h, ['addr', 'add', `${tunnelIP(h)}/24`, 'dev', VXLAN]);
        await inHost(h, ['link', 'set', VXLAN, 'up']);
        await run('bridge', ['-n', netnsName(h), 'fdb', 'append', '00:00:00:00:00:00', 'dev', VXLAN, 'dst', hostIP(peer)], { timeoutMs: 10_000 });
        await inHost(h, ['route', 'add', `10.199.${peer}.0/24`, 'via', tunnelIP(peer), 'dev', VXLAN]);
      }
    }
  } catch (err) {
    await teardown();
    throw err;
  }
  return { from: `/var/run/netns/${podNs(1)}`, to: `/var/run/netns/${podNs(2)}`, addr: podIP(2), teardown };
}
