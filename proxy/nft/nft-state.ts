// What one proxy instance wants in one family's nftables table, what it last wrote, and
// the `nft -f` transaction from one to the other (pure; nft-backend.ts runs it).
//
// As with iptables (../rules/rule-state.ts), everything is kept in memory and nothing is
// read back per sync. Three kinds of transaction, each atomic in the kernel:
//   recover  the table is deleted and rebuilt from memory (start, after a failure, or when
//            the canary set is gone): nothing of an unknown past can survive;
//   full     every chain flushed and rewritten, every map and set flushed and refilled,
//            what is no longer wanted deleted; the affinity sets keep their clients;
//   partial  only the changed services: their chains, their elements, their sets.
// Elements are claimed by services: two services may name the same key (the same endpoint
// in `hairpin`, or the same external IP and port twice). The kernel holds one element per
// key, so the first claimant's value is written and the element goes only with its last
// claimant, as iptables' first-rule-wins would have it.
//
// Memory (10,000 services in a few MB): programs are kept as strings (program-text.ts); what
// was written is the wanted program except for services touched since the last commit,
// whose written program is kept aside; an element's claimants are service keys (the
// strings the wanted map already holds), its value is read from the first claimant's
// program when it is needed.

import { affinitySetDeclaration, baseDeclarations, baseRules, type Element, type NftFamily, type NftProgram } from './nft-program.js';
import { decodeProgram, elementValue, encodeProgram, programAffinitySets, programChains } from './program-text.js';

export interface NftPlan {
  /** The `nft -f` input; empty when nothing changed. */
  text: string;
  written: number;
  deleted: number;
  /** Record the plan as written (call after nft succeeded). */
  commit(): void;
}

/** Sets and maps the full sync empties and refills (not the affinity sets, not the canary). */
const ELEMENT_SETS = ['service-ips', 'service-nodeports', 'no-endpoint-services', 'no-endpoint-nodeports', 'no-local-services', 'no-local-nodeports', 'hairpin'] as const;

const elementId = (e: Element) => `${e.set}\u0000${e.key}`;
function elementOf(id: string): Element {
  const i = id.indexOf('\u0000');
  return { set: id.slice(0, i) as Element['set'], key: id.slice(i + 1) };
}
/** A fresh flat copy: a kept id holds neither a rope of pieces nor a slice of a program. */
const flat = (s: string) => Buffer.from(s, 'latin1').toString('latin1');
const ownerList = (o: string | string[] | undefined): string[] => (o === undefined ? [] : typeof o === 'string' ? [o] : [...o]);
const stored = (l: string[]): string | string[] => (l.length === 1 ? l[0]! : l);

export class NftState {
  private readonly wanted = new Map<string, string>();
  /** The written program of each service touched since the last commit (undefined: none). */
  private readonly before = new Map<string, string | undefined>();
  /** Element id → the service(s) claiming it, in claim order, as written. */
  private owners = new Map<string, string | string[]>();
  private chainsWritten = 0;
  /** Whether the table was built (a family's first services arrive in a partial sync: the table is made then). */
  private built = false;

  constructor(
    readonly family: NftFamily,
    readonly table: string,
  ) {}

  serviceKeys(): Iterable<string> {
    return this.wanted.keys();
  }

  chainCount(): number {
    return this.chainsWritten;
  }

  /** A service's program now (undefined: it has none any more). */
  setService(key: string, program: NftProgram | undefined): void {
    if (!this.before.has(key)) this.before.set(key, this.wanted.get(key));
    if (program) this.wanted.set(key, encodeProgram(program));
    else this.wanted.delete(key);
  }

  plan(o: { full: boolean; recover: boolean }): NftPlan {
    if (!this.built) return this.planAll(true);
    if (o.recover || o.full) return this.planAll(o.recover);
    return this.planPartial();
  }

  private get t(): string {
    return `${this.family} ${this.table}`;
  }

  /** Every written program, with its service key. */
  private *writtenPrograms(): Iterable<[string, string]> {
    for (const [k, text] of this.wanted) if (!this.before.has(k)) yield [k, text];
    for (const [k, text] of this.before) if (text !== undefined) yield [k, text];
  }

  private planAll(recover: boolean): NftPlan {
    const t = this.t;
    const lines: string[] = [`add table ${t}`];
    if (recover) lines.push(`delete table ${t}`, `add table ${t}`);
    lines.push(...baseDeclarations(this.family, this.table));
    const chains = new Map<string, string[]>();
    const sets = new Map<string, number>();
    const owners = new Map<string, string[]>();
    const elementLines: string[] = [];
    for (const [key, text] of this.wanted) {
      const p = decodeProgram(text);
      for (const [name, rules] of p.chains) chains.set(name, rules);
      for (const [name, s] of p.affinitySets) sets.set(name, s);
      for (const e of p.elements) {
        const id = elementId(e);
        const list = owners.get(id);
        if (!list) {
          owners.set(id, [key]);
          elementLines.push(addElement(t, e, e.value));
        } else if (!list.includes(key)) list.push(key);
      }
    }
    for (const name of chains.keys()) lines.push(`add chain ${t} ${name}`);
    for (const [name, s] of sets) lines.push(affinitySetDeclaration(this.family, this.table, name, s));
    for (const [chain, rules] of baseRules(this.family)) {
      if (!recover) lines.push(`flush chain ${t} ${chain}`);
      for (const r of rules) lines.push(`add rule ${t} ${chain} ${r}`);
    }
    for (const [name, rules] of chains) {
      if (!recover) lines.push(`flush chain ${t} ${name}`);
      for (const r of rules) lines.push(`add rule ${t} ${name} ${r}`);
    }
    if (!recover) for (const s of ELEMENT_SETS) lines.push(`flush ${s.startsWith('service-') ? 'map' : 'set'} ${t} ${s}`);
    lines.push(...elementLines, `add element ${t} canary { 1 }`);
    let deleted = 0;
    if (!recover) {
      // Whatever was written and is wanted no more: nothing refers to it after the rewrite above.
      const gone = new Set<string>();
      const goneSets = new Set<string>();
      for (const [, text] of this.writtenPrograms()) {
        for (const c of programChains(text)) if (!chains.has(c)) gone.add(c);
        for (const s of programAffinitySets(text)) if (!sets.has(s)) goneSets.add(s);
      }
      for (const c of gone) lines.push(`flush chain ${t} ${c}`);
      for (const c of gone) lines.push(`delete chain ${t} ${c}`);
      for (const s of goneSets) lines.push(`delete set ${t} ${s}`);
      deleted = gone.size + goneSets.size;
    }
    return {
      text: lines.join('\n') + '\n',
      written: chains.size,
      deleted,
      commit: () => {
        this.built = true;
        this.before.clear();
        this.owners = new Map([...owners].map(([id, list]) => [flat(id), stored(list)]));
        this.chainsWritten = chains.size;
      },
    };
  }

  private planPartial(): NftPlan {
    const t = this.t;
    const decl: string[] = [];
    const rules: string[] = [];
    const elemDeletes: string[] = [];
    const elemAdds: string[] = [];
    const removals: string[] = [];
    const setRemovals: string[] = [];
    const next = new Map<string, string[]>();
    const ownersOf = (id: string): string[] => next.get(id) ?? next.set(id, ownerList(this.owners.get(id))).get(id)!;
    let chainDelta = 0;
    let written = 0;
    let deleted = 0;
    const keys = [...this.before.keys()];
    for (const key of keys) {
      const beforeText = this.before.get(key);
      const before = beforeText !== undefined ? decodeProgram(beforeText) : undefined;
      const after = this.wanted.has(key) ? decodeProgram(this.wanted.get(key)) : undefined;
      const oldChains = before?.chains ?? new Map<string, string[]>();
      const newChains = after?.chains ?? new Map<string, string[]>();
      for (const [name, s] of after?.affinitySets ?? []) if (!before?.affinitySets.has(name)) decl.push(affinitySetDeclaration(this.family, this.table, name, s));
      for (const [name, r] of newChains) {
        const old = oldChains.get(name);
        if (old && sameRules(old, r)) continue;
        if (old) rules.push(`flush chain ${t} ${name}`);
        else decl.push(`add chain ${t} ${name}`);
        for (const x of r) rules.push(`add rule ${t} ${name} ${x}`);
        written++;
      }
      const goneChains = [...oldChains.keys()].filter((c) => !newChains.has(c));
      for (const c of goneChains) removals.unshift(`flush chain ${t} ${c}`);
      for (const c of goneChains) removals.push(`delete chain ${t} ${c}`);
      for (const s of before?.affinitySets.keys() ?? []) if (!after?.affinitySets.has(s)) setRemovals.push(`delete set ${t} ${s}`);
      deleted += goneChains.length;
      chainDelta += newChains.size - oldChains.size;
      // Elements: unclaim what it no longer names, claim what it names (a claimant that
      // stays keeps its place, so which of two claimants wins never flips by itself).
      const newIds = new Set((after?.elements ?? []).map(elementId));
      for (const e of before?.elements ?? []) {
        const id = elementId(e);
        if (newIds.has(id)) continue;
        const list = ownersOf(id);
        const i = list.indexOf(key);
        if (i >= 0) list.splice(i, 1);
      }
      for (const id of newIds) {
        const list = ownersOf(id);
        if (!list.includes(key)) list.push(key);
      }
    }
    const writtenText = (k: string) => (this.before.has(k) ? this.before.get(k) : this.wanted.get(k));
    for (const [id, list] of next) {
      const cur = ownerList(this.owners.get(id));
      const element = elementOf(id);
      const had = cur.length > 0;
      const has = list.length > 0;
      const was = had ? elementValue(writtenText(cur[0]!), element.set, element.key) : undefined;
      const now = has ? elementValue(this.wanted.get(list[0]!), element.set, element.key) : undefined;
      if (had && (!has || was !== now)) elemDeletes.push(`delete element ${t} ${element.set} { ${element.key} }`);
      if (has && (!had || was !== now)) elemAdds.push(addElement(t, element, now));
    }
    const lines = [...decl, ...rules, ...elemDeletes, ...elemAdds, ...removals, ...setRemovals];
    return {
      text: lines.length ? lines.join('\n') + '\n' : '',
      written,
      deleted,
      commit: () => {
        for (const [id, list] of next) {
          const kept = this.owners.has(id) ? id : flat(id);
          if (list.length > 0) this.owners.set(kept, stored(list));
          else this.owners.delete(id);
        }
        this.before.clear();
        this.chainsWritten += chainDelta;
      },
    };
  }
}

function addElement(t: string, e: Element, value: string | undefined): string {
  return `add element ${t} ${e.set} { ${e.key}${value !== undefined ? ` : ${value}` : ''} }`;
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
