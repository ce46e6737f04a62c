// orch's firewall chains in a real (namespaced) netfilter: written, jumped to before
// anything else, one cluster's chains beside another's, rewritten without touching other
// rules, removed cleanly.

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Firewall } from './firewall.js';
import { clusterChains } from './firewall-rules.js';
import { hostCommands } from './host-commands.js';

const NS = 'orchfw-a';
const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
const ipt = (args: string) => sh(`ip netns exec ${NS} iptables -w ${args}`);

describe('firewall chains (real netfilter, network namespace)', () => {
  beforeAll(() => {
    sh(`ip netns del ${NS} 2>/dev/null || true; ip netns add ${NS}`);
    // What Docker leaves: a DOCKER-USER chain jumped from FORWARD, a DROP policy, someone else's rule.
    ipt('-N DOCKER-USER');
    ipt('-A FORWARD -j DOCKER-USER');
    ipt('-P FORWARD DROP');
    ipt('-A DOCKER-USER -s 192.0.2.0/24 -j DROP');
    ipt('-t nat -A POSTROUTING -s 172.17.0.0/16 -j MASQUERADE');
  });
  afterAll(() => sh(`ip netns del ${NS} 2>/dev/null || true`));

  const fw = new Firewall(hostCommands(['nsenter', `--net=/var/run/netns/${NS}`]));

  const A4 = clusterChains(['10.244.0.0/16']);
  const B4 = clusterChains(['10.240.0.0/16']);

  it('writes the entry chains and the cluster\'s own, jumps to them first, and is idempotent', async () => {
    // DOCKER-USER → ORCH-FORWARD → cluster chain, POSTROUTING → ORCH-POSTROUTING → cluster chain; both families.
    expect(await fw.apply(['10.244.0.0/16', 'fd00:10:244::/56'])).toHaveLength(8);
    expect(ipt('-S DOCKER-USER').split('\n')[1]).toContain('-j ORCH-FORWARD');
    expect(ipt('-S ORCH-FORWARD')).toContain(`--comment "orch: cluster 10.244.0.0/16" -j ${A4.forward}`);
    expect(ipt(`-S ${A4.forward}`)).toContain(`-A ${A4.forward} -s 10.244.0.0/16`);
    expect(ipt('-t nat -S POSTROUTING').split('\n')[1]).toContain('-j ORCH-POSTROUTING');
    expect(ipt(`-t nat -S ${A4.nat}`)).toMatch(/-s 10.244.0.0\/16 ! -d 224.0.0.0\/4 .*-j MASQUERADE --random-fully/);
    expect(sh(`ip netns exec ${NS} ip6tables -w -S ${clusterChains(['fd00:10:244::/56']).forward}`)).toContain('fd00:10:244::/56');
    expect(await fw.apply(['10.244.0.0/16', 'fd00:10:244::/56'])).toEqual([]);
    expect(ipt('-S DOCKER-USER').match(/ORCH-FORWARD/g)).toHaveLength(1);
    expect(ipt('-S ORCH-FORWARD').match(/-j ORCH-FWD-/g)).toHaveLength(1);
  });

  it('a second cluster on the host gets chains of its own; neither undoes the other, nor anyone else\'s rules', async () => {
    await fw.apply(['10.240.0.0/16']);
    await fw.apply(['10.244.0.0/16', 'fd00:10:244::/56']); // cluster A's next recheck
    expect(ipt(`-S ${B4.forward}`)).toContain('10.240.0.0/16');
    expect(ipt(`-S ${A4.forward}`)).toContain('10.244.0.0/16');
    expect(ipt('-S ORCH-FORWARD').match(/-j ORCH-FWD-/g)).toHaveLength(2);
    expect(ipt('-t nat -S ORCH-POSTROUTING').match(/-j ORCH-NAT-/g)).toHaveLength(2);
    expect(await fw.apply(['10.240.0.0/16'])).toEqual([]);
    expect(ipt('-S DOCKER-USER')).toContain('-s 192.0.2.0/24 -j DROP');
    expect(ipt('-t nat -S POSTROUTING')).toContain('172.17.0.0/16');
  });

  it('puts back a jump deleted by hand, and removes everything of its own (every cluster\'s) on cleanup', async () => {
    ipt('-D DOCKER-USER -m comment --comment "orch: pod network" -j ORCH-FORWARD');
    ipt(`-D ORCH-FORWARD -m comment --comment "orch: cluster 10.240.0.0/16" -j ${B4.forward}`);
    expect(await fw.apply(['10.240.0.0/16'])).toEqual([`iptables -t filter ORCH-FORWARD → ${B4.forward}`, 'iptables -t filter DOCKER-USER → ORCH-FORWARD']);
    // A service proxy's chains and jumps that `orch proxy --cleanup` did not remove (its
    // API server was gone): still jumped to, they could not be deleted.
    ipt('-t nat -N ORCH-SERVICES-abc123');
    ipt('-t nat -A PREROUTING -m comment --comment "orch services" -j ORCH-SERVICES-abc123');
    ipt('-t nat -A OUTPUT -j ORCH-SERVICES-abc123');
    ipt('-N ORCH-SERVICES-abc123');
    ipt('-A INPUT -j ORCH-SERVICES-abc123');
    ipt('-A OUTPUT -j ORCH-SERVICES-abc123');
    expect((await fw.remove()).kept).toEqual([]);
    expect(ipt('-S')).not.toContain('ORCH-');
    expect(ipt('-t nat -S')).not.toContain('ORCH-');
    expect(sh(`ip netns exec ${NS} ip6tables -w -S`)).not.toContain('ORCH-');
    expect(ipt('-S DOCKER-USER')).toContain('-s 192.0.2.0/24 -j DROP');
    expect(ipt('-t nat -S POSTROUTING')).toContain('172.17.0.0/16');
  });

  it('a chain something else still jumps to (a live proxy of another cluster re-adding it) is kept and reported, not an error; the rest goes', async () => {
    ipt('-t nat -N ORCH-SEP-other1-AAAA');
    ipt('-t nat -N ORCH-SVC-mine-BBBB');
    ipt('-t nat -A ORCH-SVC-mine-BBBB -j RETURN');
    // A chain that is not orch's and not built in keeps jumping to it: nothing orch removes can free it.
    ipt('-t nat -N FOREIGN');
    ipt('-t nat -A FOREIGN -j ORCH-SEP-other1-AAAA');
    const r = await fw.remove();
    expect(r.kept).toEqual([expect.stringMatching(/^iptables -t nat ORCH-SEP-other1-AAAA \(chain\): still jumped to/)]);
    expect(r.removed).toContain('iptables -t nat ORCH-SVC-mine-BBBB (chain)');
    expect(ipt('-t nat -S')).not.toContain('ORCH-SVC-mine-BBBB');
    ipt('-t nat -F FOREIGN');
    expect((await fw.remove()).kept).toEqual([]);
    expect(ipt('-t nat -S')).not.toContain('ORCH-');
  });
});
