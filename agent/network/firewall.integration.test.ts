// orch's firewall chains in a real (namespaced) netfilter: written, jumped to before
// anything else, rewritten without touching other rules, removed cleanly.

import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Firewall } from './firewall.js';
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

  it('writes both chains, jumps to them first, and is idempotent', async () => {
    expect(await fw.apply(['10.244.0.0/16', 'fd00:10:244::/56'])).toHaveLength(4);
    expect(ipt('-S DOCKER-USER').split('\n')[1]).toContain('-j ORCH-FORWARD');
    expect(ipt('-S ORCH-FORWARD')).toContain('-A ORCH-FORWARD -s 10.244.0.0/16');
    expect(ipt('-t nat -S POSTROUTING').split('\n')[1]).toContain('-j ORCH-POSTROUTING');
    expect(ipt('-t nat -S ORCH-POSTROUTING')).toMatch(/-s 10.244.0.0\/16 ! -d 224.0.0.0\/4 .*-j MASQUERADE --random-fully/);
    expect(sh(`ip netns exec ${NS} ip6tables -w -S ORCH-FORWARD`)).toContain('fd00:10:244::/56');
    expect(await fw.apply(['10.244.0.0/16', 'fd00:10:244::/56'])).toEqual([]);
    expect(ipt('-S DOCKER-USER').match(/ORCH-FORWARD/g)).toHaveLength(1);
  });

  it('rewrites its chains for a new cluster CIDR without touching anyone else\'s rules', async () => {
    await fw.apply(['10.240.0.0/16']);
    const chain = ipt('-S ORCH-FORWARD');
    expect(chain).toContain('10.240.0.0/16');
    expect(chain).not.toContain('10.244.0.0/16');
    expect(ipt('-S DOCKER-USER')).toContain('-s 192.0.2.0/24 -j DROP');
    expect(ipt('-t nat -S POSTROUTING')).toContain('172.17.0.0/16');
  });

  it('puts back a jump deleted by hand, and removes everything of its own on cleanup', async () => {
    ipt('-D DOCKER-USER -m comment --comment "orch: pod network" -j ORCH-FORWARD');
    expect(await fw.apply(['10.240.0.0/16'])).toEqual(['iptables -t filter DOCKER-USER → ORCH-FORWARD']);
    await fw.remove();
    expect(ipt('-S')).not.toContain('ORCH-');
    expect(ipt('-t nat -S')).not.toContain('ORCH-');
    expect(sh(`ip netns exec ${NS} ip6tables -w -S`)).not.toContain('ORCH-');
    expect(ipt('-S DOCKER-USER')).toContain('-s 192.0.2.0/24 -j DROP');
    expect(ipt('-t nat -S POSTROUTING')).toContain('172.17.0.0/16');
  });
});
