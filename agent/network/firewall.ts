// Applies firewall-rules.ts to the host: the two chains rewritten whole with
// `iptables-restore -w --noflush` (IPv6: ip6tables-restore), and the jumps into them
// inserted at the top of DOCKER-USER (or FORWARD) and POSTROUTING when missing. Uses the
// `iptables` on PATH — Debian's is the nf_tables variant, the one Docker uses; mixing
// variants would split the rules over two tables nobody sees together.

import type { HostCommands } from './host-commands.js';
import { firewallRules, FORWARD_CHAIN, jumpRules, POSTROUTING_CHAIN, type JumpRule } from './firewall-rules.js';

type Family = 4 | 6;
const bin = (f: Family, tool: '' | '-restore') => `${f === 4 ? 'iptables' : 'ip6tables'}${tool}`;

export class Firewall {
  constructor(private readonly cmd: HostCommands) {}

  private async chainExists(f: Family, table: string, chain: string): Promise<boolean> {
    try {
      await this.cmd.run(bin(f, ''), ['-w', '-t', table, '-S', chain]);
      return true;
    } catch {
      return false;
    }
  }

  private async hasJump(f: Family, j: JumpRule): Promise<boolean> {
    try {
      await this.cmd.run(bin(f, ''), ['-w', '-t', j.table, '-C', j.chain, ...j.rule]);
      return true;
    } catch {
      return false;
    }
  }

  /** Writes the chains for these cluster CIDRs (per family) and makes sure they are jumped to. Returns the jumps it had to add. */
  async apply(clusterCIDRs: string[]): Promise<string[]> {
    const added: string[] = [];
    for (const f of [4, 6] as const) {
      const cidrs = clusterCIDRs.filter((c) => c.includes(':') === (f === 6));
      if (cidrs.length === 0) continue;
      await this.cmd.run(bin(f, '-restore'), ['-w', '5', '--noflush'], firewallRules(cidrs));
      const dockerUser = await this.chainExists(f, 'filter', 'DOCKER-USER');
      for (const j of jumpRules(dockerUser)) {
        if (await this.hasJump(f, j)) continue;
        await this.cmd.run(bin(f, ''), ['-w', '-t', j.table, '-I', j.chain, '1', ...j.rule]);
        added.push(`${bin(f, '')} -t ${j.table} ${j.chain} → ${j.rule.at(-1)}`);
      }
    }
    return added;
  }

  /** Removes orch's jumps and chains (both families, both possible jump places). */
  async remove(): Promise<void> {
    for (const f of [4, 6] as const) {
      for (const j of [...jumpRules(true), ...jumpRules(false)]) {
        while (await this.hasJump(f, j)) await this.cmd.run(bin(f, ''), ['-w', '-t', j.table, '-D', j.chain, ...j.rule]);
      }
      for (const [table, chain] of [['filter', FORWARD_CHAIN], ['nat', POSTROUTING_CHAIN]] as const) {
        if (!(await this.chainExists(f, table, chain))) continue;
        await this.cmd.run(bin(f, ''), ['-w', '-t', table, '-F', chain]);
        await this.cmd.run(bin(f, ''), ['-w', '-t', table, '-X', chain]);
      }
    }
  }
}
