// What one proxy instance wants in one family's tables, what it last wrote, and the
// iptables-restore input from one to the other (pure; sync/syncer.ts runs it).
//
// Kept in memory, never read back from the kernel per sync. A partial sync rewrites only
// the chains a changed service touches: its own chains, the bucket chains (one per /24 of
// service IPs, one per block of 100 NodePorts) its dispatch rules live in, and the entry
// chains only when a bucket appears or empties. One change at 10,000 services is then a
// few short chains, not a 10,000-rule dispatch chain. A full sync writes every chain.
// Declaring a chain (`:NAME - [0:0]`) under `--noflush` flushes that chain only: nobody
// else's rule is touched, and a chain that went is flushed and deleted (`-X`) after the
// chains that jumped to it were rewritten, in the same transaction.

import type { InstanceChains } from './names.js';
import { baseNatRules, nodePortBlock, type ServiceRules } from './service-rules.js';

export type Table = 'nat' | 'filter';

export interface RestorePlan {
  /** iptables-restore inputs, applied in order (none when nothing changed). */
  texts: string[];
  bytes: number;
  /** Record the plan as written (call after iptables-restore succeeded). */
  commit(): void;
  /** Chains (re)written / deleted. */
  written: number;
  deleted: number;
}

/** A chain a service change may have altered: nat chains by name, the filter chain as `filter:<name>`. */
export type Touched = Set<string>;

type Contents = Map<string, string>;

const addMember = (m: Map<string, Set<string>>, ch: string, key: string) => (m.get(ch) ?? m.set(ch, new Set()).get(ch)!).add(key);
const dropMember = (m: Map<string, Set<string>>, ch: string, key: string) => {
  const s = m.get(ch);
  s?.delete(key);
  if (s?.size === 0) m.delete(ch);
};

export class RuleState {
  private readonly services = new Map<string, ServiceRules>();
  /** Bucket / NodePort block chain → the services with rules in it. */
  private readonly bucketMembers = new Map<string, Set<string>>();
  private readonly blockMembers = new Map<string, Set<string>>();
  private readonly bucketMatch = new Map<string, string>();
  /** A service's own chain → the service. */
  private readonly chainOwner = new Map<string, string>();
  /** Services with REJECT/DROP rules. */
  private readonly filterMembers = new Set<string>();
  /** What was last written per table: chain → content (the very strings of the rules). */
  private programmed: Record<Table, Contents> = { nat: new Map(), filter: new Map() };
  private readonly base: Map<string, string>;

  constructor(readonly chains: InstanceChains) {
    this.base = baseNatRules(chains);
  }

  get serviceCount(): number {
    return this.services.size;
  }

  serviceKeys(): Iterable<string> {
    return this.services.keys();
  }

  chainCount(table: Table): number {
    return this.programmed[table].size;
  }

  /** Replace one service's rules (undefined: the service is gone); adds the chains it may have changed to `touched`. */
  setService(key: string, rules: ServiceRules | undefined, touched: Touched): void {
    const old = this.services.get(key);
    if (old) {
      for (const ch of old.nat.keys()) if (this.chainOwner.get(ch) === key) this.chainOwner.delete(ch);
      for (const ch of old.buckets.keys()) dropMember(this.bucketMembers, ch, key);
      for (const ch of old.nodePorts.keys()) dropMember(this.blockMembers, ch, key);
    }
    this.filterMembers.delete(key);
    if (rules) {
      this.services.set(key, rules);
      for (const ch of rules.nat.keys()) this.chainOwner.set(ch, key);
      for (const ch of rules.buckets.keys()) addMember(this.bucketMembers, ch, key);
      for (const ch of rules.nodePorts.keys()) addMember(this.blockMembers, ch, key);
      for (const [ch, m] of rules.matches) this.bucketMatch.set(ch, m);
      if (rules.filter.length > 0) this.filterMembers.add(key);
    } else {
      this.services.delete(key);
    }
    for (const r of [old, rules]) {
      if (!r) continue;
      for (const m of [r.nat, r.buckets, r.nodePorts]) for (const ch of m.keys()) touched.add(ch);
      if (r.filter.length > 0) touched.add(`filter:${this.chains.filter}`);
    }
    touched.add(this.chains.services);
    touched.add(this.chains.nodePorts);
  }

  /** The wanted content of one chain (undefined: not wanted). */
  private wanted(table: Table, chain: string): string | undefined {
    const c = this.chains;
    if (table === 'filter') {
      if (chain === c.filter) return [...this.filterMembers].sort().flatMap((k) => this.services.get(k)!.filter).join('\n');
      if (chain === c.canary) return this.base.get(c.canary);
      return undefined;
    }
    const base = this.base.get(chain);
    if (base) return base;
    if (chain === c.services) {
      const lines = [...this.bucketMembers.keys()].sort().map((b) => `-A ${c.services} ${this.bucketMatch.get(b)} -j ${b}`);
      lines.push(`-A ${c.services} -m addrtype --dst-type LOCAL -j ${c.nodePorts}`);
      return lines.join('\n');
    }
    if (chain === c.nodePorts) return [...this.blockMembers.keys()].sort().map((b) => `-A ${c.nodePorts} ${blockMatch(c, b)} -j ${b}`).join('\n');
    const bucket = this.bucketMembers.get(chain);
    if (bucket) return [...bucket].sort().map((k) => this.services.get(k)!.buckets.get(chain)!).join('\n');
    const block = this.blockMembers.get(chain);
    if (block) return [...block].sort().map((k) => this.services.get(k)!.nodePorts.get(chain)!).join('\n');
    const owner = this.chainOwner.get(chain);
    return owner ? this.services.get(owner)?.nat.get(chain) : undefined;
  }

  /** Every chain wanted now, per table. */
  private allWanted(): Record<Table, Set<string>> {
    const c = this.chains;
    const nat = new Set<string>([...this.base.keys(), c.services, c.nodePorts, ...this.bucketMembers.keys(), ...this.blockMembers.keys(), ...this.chainOwner.keys()]);
    return { nat, filter: new Set([c.filter, c.canary]) };
  }

  /**
   * The restore input for the chains `touched` since the last plan, or for everything
   * (`full`). `existing`: chains known to be in the kernel besides what was programmed
   * (read after a flush): deleted when not wanted. `extra`: lines appended per table to
   * the last transaction (the jump fixes).
   *
   * Split into transactions of about maxLines lines: iptables-nft's restore with
   * --noflush costs about (chains × rules) of one transaction, so 10,000 services in one
   * go take minutes and in batches seconds. The order keeps every batch consistent for
   * the traffic: the mark chains first, then each service's own chains (endpoint chains
   * before the service chain jumping to them, one service never split), then the bucket
   * chains, then the entry chains, the filter chain and the canary, and the chains that
   * went last. A chain is always rewritten whole in one transaction, so no packet sees a
   * half-written chain.
   */
  plan(o: { full: boolean; touched?: Iterable<string>; existing?: Record<Table, string[]>; extra?: Record<Table, string[]>; maxLines?: number }): RestorePlan {
    const next: Record<Table, Contents> = o.full ? { nat: new Map(), filter: new Map() } : { nat: new Map(this.programmed.nat), filter: new Map(this.programmed.filter) };
    type Write = { table: Table; chain: string; content?: string };
    const groups: { phase: number; writes: Write[] }[] = [];
    const own = new Map<string, Write[]>();
    const phase: Write[][] = [[], [], [], [], []]; // base, (own), buckets, entry+filter+canary, deletions
    let written = 0;
    let deleted = 0;
    const c = this.chains;
    const consider = (table: Table, chain: string, full: boolean) => {
      const want = this.wanted(table, chain);
      const have = this.programmed[table].get(chain);
      if (want === undefined) {
        if (have === undefined && !full) return;
        phase[4]!.push({ table, chain });
        next[table].delete(chain);
        deleted++;
        return;
      }
      if (!full && want === have) return;
      next[table].set(chain, want);
      written++;
      const w = { table, chain, content: want };
      const owner = table === 'nat' ? this.chainOwner.get(chain) : undefined;
      if (owner !== undefined) (own.get(owner) ?? own.set(owner, []).get(owner)!).push(w);
      else if (table === 'nat' && this.base.has(chain) && chain !== c.canary) phase[0]!.push(w);
      else if (table === 'nat' && (this.bucketMembers.has(chain) || this.blockMembers.has(chain))) phase[2]!.push(w);
      else phase[3]!.push(w);
    };
    if (o.full) {
      const wanted = this.allWanted();
      for (const table of ['nat', 'filter'] as const) {
        for (const ch of wanted[table]) consider(table, ch, true);
        for (const ch of new Set([...this.programmed[table].keys(), ...(o.existing?.[table] ?? [])])) if (!wanted[table].has(ch)) consider(table, ch, true);
      }
    } else {
      for (const t of o.touched ?? []) {
        if (t.startsWith('filter:')) consider('filter', t.slice(7), false);
        else consider('nat', t, false);
      }
    }
    groups.push({ phase: 0, writes: phase[0]! });
    const rank = (ch: string) => (ch.startsWith('ORCH-SEP-') ? 0 : ch.startsWith('ORCH-SVC-') ? 1 : ch.startsWith('ORCH-SVCL-') ? 2 : 3);
    for (const ws of own.values()) groups.push({ phase: 1, writes: ws.sort((a, b) => rank(a.chain) - rank(b.chain)) });
    for (const w of phase[2]!) groups.push({ phase: 2, writes: [w] });
    groups.push({ phase: 3, writes: phase[3]! });
    groups.push({ phase: 4, writes: phase[4]! });

    const maxLines = o.maxLines ?? 5000;
    const texts: string[] = [];
    let batch: Write[] = [];
    let lines = 0;
    const flush = (last: boolean) => {
      const parts: string[] = [];
      for (const table of ['nat', 'filter'] as const) {
        const mine = batch.filter((w) => w.table === table);
        const extra = last ? (o.extra?.[table] ?? []) : [];
        if (mine.length === 0 && extra.length === 0) continue;
        parts.push(`*${table}`);
        for (const w of mine) parts.push(`:${w.chain} - [0:0]`);
        for (const w of mine) if (w.content) parts.push(w.content);
        parts.push(...extra);
        for (const w of mine) if (w.content === undefined) parts.push(`-X ${w.chain}`);
        parts.push('COMMIT');
      }
      if (parts.length) texts.push(`${parts.join('\n')}\n`);
      batch = [];
      lines = 0;
    };
    for (const g of groups) {
      if (lines >= maxLines) flush(false);
      for (const w of g.writes) {
        batch.push(w);
        lines += 1 + (w.content ? countLines(w.content) : 1);
      }
    }
    flush(true);
    return {
      texts,
      written,
      deleted,
      bytes: texts.reduce((n, t) => n + t.length, 0),
      commit: () => {
        this.programmed = next;
      },
    };
  }
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function blockMatch(c: InstanceChains, blockChain: string): string {
  const m = /-([tu])(\d+)$/.exec(blockChain)!;
  return nodePortBlock(c, m[1] === 't' ? 'tcp' : 'udp', Number(m[2]) * 100).match;
}
