// Applies firewall-rules.ts to the host: the entry chains created when missing, the
// cluster's own chains rewritten whole with `iptables-restore -w --noflush` (IPv6:
// ip6tables-restore), the jumps entry → cluster chain and DOCKER-USER (or FORWARD) /
// POSTROUTING → entry inserted at the top when missing. Uses the
// `iptables` on PATH — Debian's is the nf_tables variant, the one Docker uses; mixing
// variants would split the rules over two tables nobody sees together.

import type { HostCommands } from './host-commands.js';
import { CHAIN_PREFIX, clusterJumps, firewallRules, FORWARD_CHAIN, jumpRules, POSTROUTING_CHAIN, type JumpRule } from './firewall-rules.js';

type Family = 4 | 6;

const bin = (f: Family, tool: '' | '-restore') => `${f === 4 ? 'iptables' : 'ip6tables'}${tool}`;
/** The rule as `iptables -S` prints it and iptables-restore reads it (arguments with spaces quoted). */
const ruleText = (j: JumpRule) => j.rule.map((a) => (a.includes(' ') ? `"${a}"` : a)).join(' ');

/** The built-in chains (and Docker's DOCKER-USER) orch's chains are jumped from. */
const BUILTIN_CHAINS = { filter: ['INPUT', 'FORWARD', 'OUTPUT', 'DOCKER-USER'], nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'] } as const;

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

  /** How many copies of the jump there are. */
  private async jumpCount(f: Family, j: JumpRule): Promise<number> {
    const want = `-A ${j.chain} ${ruleText(j)}`;
    return (await this.cmd.run(bin(f, ''), ['-w', '-t', j.table, '-S', j.chain])).split('\n').filter((l) => l.trim() === want).length;
  }

  /**
   * Exactly one copy of the jump, at the top. Several agents of one host (`orch up --nodes
   * 3`) do this at the same time, so the fix is one iptables-restore transaction that
   * deletes the copies counted and inserts one: when another agent changed them meanwhile,
   * a delete finds nothing, the whole transaction is refused, and it counts again. Two
   * agents may both insert into an empty chain (two copies, harmless); never zero.
   * Returns true when the jump was missing.
   */
  private async ensureJump(f: Family, j: JumpRule): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const n = await this.jumpCount(f, j);
      if (n === 1) return false;
      const lines = [`*${j.table}`, ...Array.from({ length: n }, () => `-D ${j.chain} ${ruleText(j)}`), `-I ${j.chain} 1 ${ruleText(j)}`, 'COMMIT', ''];
      try {
        await this.cmd.run(bin(f, '-restore'), ['-w', '5', '--noflush'], lines.join('\n'));
        return n === 0;
      } catch (err) {
        if (attempt >= 3) throw err;
      }
    }
  }

  /** Creates an (empty) entry chain unless it exists; another agent creating it meanwhile is fine. */
  private async ensureChain(f: Family, table: string, chain: string): Promise<void> {
    if (await this.chainExists(f, table, chain)) return;
    try {
      await this.cmd.run(bin(f, ''), ['-w', '-t', table, '-N', chain]);
    } catch (err) {
      if (!(await this.chainExists(f, table, chain))) throw err;
    }
  }

  /** Writes the chains for these cluster CIDRs (per family) and makes sure they are jumped to. Returns the jumps it had to add. */
  async apply(clusterCIDRs: string[]): Promise<string[]> {
    const added: string[] = [];
    for (const f of [4, 6] as const) {
      const cidrs = clusterCIDRs.filter((c) => c.includes(':') === (f === 6));
      if (cidrs.length === 0) continue;
      await this.ensureChain(f, 'filter', FORWARD_CHAIN);
      await this.ensureChain(f, 'nat', POSTROUTING_CHAIN);
      // The same content whoever writes it (several agents of one cluster on one host).
      await this.cmd.run(bin(f, '-restore'), ['-w', '5', '--noflush'], firewallRules(cidrs));
      const dockerUser = await this.chainExists(f, 'filter', 'DOCKER-USER');
      for (const j of [...clusterJumps(cidrs), ...jumpRules(dockerUser)]) {
        if (await this.ensureJump(f, j)) added.push(`${bin(f, '')} -t ${j.table} ${j.chain} → ${j.rule.at(-1)}`);
      }
    }
    return added;
  }

  /** orch's chains in a table (every one whose name starts with ORCH-). */
  private async ownChains(f: Family, table: string): Promise<string[]> {
    let listing: string;
    try {
      listing = await this.cmd.run(bin(f, ''), ['-w', '-t', table, '-S']);
    } catch {
      return []; // no such table for this family (e.g. IPv6 off): nothing of ours either
    }
    return listing.split('\n').flatMap((l) => (l.startsWith(`-N ${CHAIN_PREFIX}`) ? [l.slice(3).trim()] : []));
  }

  /** The jumps from `chain` into an orch chain, by rule number, highest first (deleting one keeps the others' numbers). */
  private async jumpsIntoOrch(f: Family, table: string, chain: string): Promise<{ num: number; target: string }[]> {
    let listing: string;
    try {
      listing = await this.cmd.run(bin(f, ''), ['-w', '-t', table, '-L', chain, '-n', '--line-numbers']);
    } catch {
      return []; // no such chain here (DOCKER-USER without Docker, IPv6 off)
    }
    const out: { num: number; target: string }[] = [];
    for (const line of listing.split('\n')) {
      const [num, target] = line.trim().split(/\s+/);
      if (num && /^\d+$/.test(num) && target?.startsWith(CHAIN_PREFIX)) out.push({ num: Number(num), target });
    }
    return out.sort((a, b) => b.num - a.num);
  }

  /**
   * Removes orch's jumps and chains (both families, both possible jump places, every
   * cluster's); returns what it removed, and the chains it had to keep: a chain another
   * live orch process (a service proxy of another cluster on this host) jumps to again
   * between the flush and the delete cannot go, and fighting it would not end.
   */
  async remove(): Promise<{ removed: string[]; kept: string[] }> {
    const removed: string[] = [];
    const kept: string[] = [];
    for (const f of [4, 6] as const) {
      for (const table of ['filter', 'nat'] as const) {
        // Every jump from a built-in chain into an orch chain: the pod network's entry
        // chains (from DOCKER-USER or FORWARD, and POSTROUTING) and a service proxy's that
        // could not clean up after itself. A chain still jumped to cannot go.
        for (const builtin of BUILTIN_CHAINS[table]) {
          for (const { num, target } of await this.jumpsIntoOrch(f, table, builtin)) {
            await this.cmd.run(bin(f, ''), ['-w', '-t', table, '-D', builtin, String(num)]);
            removed.push(`${bin(f, '')} -t ${table} ${builtin} → ${target} (jump)`);
          }
        }
        // Flush them all before deleting any: the entry chain refers to the cluster chains.
        const chains = await this.ownChains(f, table);
        for (const chain of chains) await this.cmd.run(bin(f, ''), ['-w', '-t', table, '-F', chain]);
        for (const chain of chains) {
          try {
            await this.cmd.run(bin(f, ''), ['-w', '-t', table, '-X', chain]);
            removed.push(`${bin(f, '')} -t ${table} ${chain} (chain)`);
          } catch (err) {
            if (!/Device or resource busy|Too many links/.test((err as Error).message)) throw err;
            kept.push(`${bin(f, '')} -t ${table} ${chain} (chain): still jumped to — a running orch proxy or agent of another cluster on this host re-created the jump; stop it first`);
          }
        }
      }
    }
    return { removed, kept };
  }
}
