// Several agents on one host (`orch up --nodes 3`) write orch's firewall with the same
// content, at the same time: the result is one set of chains and one jump each, whatever
// the interleaving (real netfilter in a network namespace).
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Firewall } from './firewall.js';
import { clusterChains } from './firewall-rules.js';
import { hostCommands, type HostCommands } from './host-commands.js';

const NS = 'h14na-fw';
const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
const ipt = (args: string) => sh(`ip netns exec ${NS} iptables -w ${args}`);
const jumps = () => ipt('-S DOCKER-USER').match(/-j ORCH-FORWARD/g)?.length ?? 0;

describe('firewall written by several agents of one host', () => {
  beforeAll(() => {
    sh(`ip netns del ${NS} 2>/dev/null || true; ip netns add ${NS}`);
    ipt('-N DOCKER-USER');
    ipt('-A FORWARD -j DOCKER-USER');
    ipt('-A DOCKER-USER -s 192.0.2.0/24 -j DROP');
  });
  afterAll(() => sh(`ip netns del ${NS} 2>/dev/null || true`));
  const agents = [0, 1, 2].map(() => new Firewall(hostCommands(['nsenter', `--net=/var/run/netns/${NS}`])));

  it('concurrent identical writes leave one copy of each chain rule and one jump', async () => {
    await Promise.all(agents.map((a) => a.apply(['10.244.0.0/16'])));
    await Promise.all(agents.map((a) => a.apply(['10.244.0.0/16'])));
    expect(jumps()).toBe(1);
    expect(ipt('-t nat -S POSTROUTING').match(/-j ORCH-POSTROUTING/g)).toHaveLength(1);
    // -N plus one jump into the cluster's chain; the cluster's chains: -N plus their rules.
    const { forward, nat } = clusterChains(['10.244.0.0/16']);
    expect(ipt('-S ORCH-FORWARD').trim().split('\n')).toHaveLength(2);
    expect(ipt('-t nat -S ORCH-POSTROUTING').trim().split('\n')).toHaveLength(2);
    expect(ipt(`-S ${forward}`).trim().split('\n')).toHaveLength(3);
    expect(ipt(`-t nat -S ${nat}`).trim().split('\n')).toHaveLength(3);
  });

  it('a jump inserted twice (two agents checked before either inserted) is brought back to one', async () => {
    ipt('-I DOCKER-USER 1 -m comment --comment "orch: pod network" -j ORCH-FORWARD');
    expect(jumps()).toBe(2);
    expect(await agents[0]!.apply(['10.244.0.0/16'])).toEqual([]);
    expect(jumps()).toBe(1);
    expect(ipt('-S DOCKER-USER')).toContain('-s 192.0.2.0/24 -j DROP');
  });

  it('another agent fixing the jumps between count and fix: the transaction is refused whole, counted again, one jump left', async () => {
    const real = hostCommands(['nsenter', `--net=/var/run/netns/${NS}`]);
    let raced = 0;
    const afterRace: number[] = [];
    const racing: HostCommands = {
      run: async (cmd, args, input) => {
        if (cmd !== 'iptables-restore' || !input?.includes('-D DOCKER-USER') || raced++ > 0) return real.run(cmd, args, input);
        // The other agent got there first: it left one copy.
        ipt('-D DOCKER-USER -m comment --comment "orch: pod network" -j ORCH-FORWARD');
        try {
          return await real.run(cmd, args, input);
        } finally {
          afterRace.push(jumps());
        }
      },
    };
    ipt('-I DOCKER-USER 1 -m comment --comment "orch: pod network" -j ORCH-FORWARD');
    expect(jumps()).toBe(2);
    expect(await new Firewall(racing).apply(['10.244.0.0/16'])).toEqual([]);
    expect(raced).toBe(1);
    expect(afterRace).toEqual([1]); // the refused transaction removed nothing: never zero jumps
    expect(jumps()).toBe(1);
  });
});
