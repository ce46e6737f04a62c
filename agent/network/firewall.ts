// Applies firewall-rules.ts to the host: the two chains rewritten whole with
// `iptables-restore -w --noflush` (IPv6: ip6tables-restore), and the jumps into them
// inserted at the top of DOCKER-USER (or FORWARD) and POSTROUTING when missing. Uses the
// `iptables` on PATH — Debian's is the nf_tables variant, the one Docker uses; mixing
// variants would split the rules over two tables nobody sees together.

import type { HostCommands } from './host-commands.js';
import { firewallRules, FORWARD_CHAIN, jumpRules, POSTROUTING_CHAIN, type JumpRule } from './firewall-rules.js';

type Family = 4 | 6;

/** Serializes orch's jump edits between the agents of one host. */
const LOCK_FILE = '/run/orch-firewall.lock';
// $1 iptables binary, $2 table, $3 chain, $@ (after shift 3) the rule. `-C` checks for a
// copy, `-S` counts them (the comment is orch's own, so no one else's rule matches).
const ENSURE_JUMP = [
  'ipt=$1 t=$2 c=$3; shift 3',
  'last=""; for a in "$@"; do last=$a; done',
  'n=$($ipt -w -t "$t" -S "$c" | grep -c -- "--comment \\"orch: pod network\\" -j $last\$" || true)',
  'if [ "$n" = 0 ]; then $ipt -w -t "$t" -I "$c" 1 "$@" && echo inserted; fi',
  'while [ "$n" -gt 1 ]; do $ipt -w -t "$t" -D "$c" "$@"; n=$((n-1)); done',
].join('\n');
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

  /**
   * Inserts the jump when missing and drops extra copies, as one step under a host-wide
   * lock: several agents of one host (`orch up --nodes 3`) run this at the same time, and
   * two unlocked check-then-insert (or check-then-delete) could leave two jumps (or none).
   * Returns true when it inserted.
   */
  private async ensureJump(f: Family, j: JumpRule): Promise<boolean> {
    const out = await this.cmd.run('flock', ['-w', '30', LOCK_FILE, 'sh', '-c', ENSURE_JUMP, 'ensure-jump', bin(f, ''), j.table, j.chain, ...j.rule]);
    return out.includes('inserted');
  }

  /** Writes the chains for these cluster CIDRs (per family) and makes sure they are jumped to. Returns the jumps it had to add. */
  async apply(clusterCIDRs: string[]): Promise<string[]> {
    const added: string[] = [];
    for (const f of [4, 6] as const) {
      const cidrs = clusterCIDRs.filter((c) => c.includes(':') === (f === 6));
      if (cidrs.length === 0) continue;
      await this.cmd.run(bin(f, '-restore'), ['-w', '5', '--noflush'], firewallRules(cidrs));
      const dockerUser = await this.chainExists(f, 'filter', 'DOCKER-USER');
      // The restore above writes the same content whoever runs it (several agents of one host).
      for (const j of jumpRules(dockerUser)) {
        if (await this.ensureJump(f, j)) added.push(`${bin(f, '')} -t ${j.table} ${j.chain} → ${j.rule.at(-1)}`);
      }
    }
    return added;
  }

  /** Removes orch's jumps and chains (both families, both possible jump places); returns what it removed. */
  async remove(): Promise<string[]> {
    const removed: string[] = [];
    for (const f of [4, 6] as const) {
      for (const j of [...jumpRules(true), ...jumpRules(false)]) {
        while (await this.hasJump(f, j)) {
          await this.cmd.run(bin(f, ''), ['-w', '-t', j.table, '-D', j.chain, ...j.rule]);
          removed.push(`${bin(f, '')} -t ${j.table} ${j.chain} → ${j.rule.at(-1)} (jump)`);
        }
      }
      for (const [table, chain] of [['filter', FORWARD_CHAIN], ['nat', POSTROUTING_CHAIN]] as const) {
        if (!(await this.chainExists(f, table, chain))) continue;
        await this.cmd.run(bin(f, ''), ['-w', '-t', table, '-F', chain]);
        await this.cmd.run(bin(f, ''), ['-w', '-t', table, '-X', chain]);
        removed.push(`${bin(f, '')} -t ${table} ${chain} (chain)`);
      }
    }
    return removed;
  }
}
