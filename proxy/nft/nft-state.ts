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

import { affinitySetDeclaration, baseDeclarations, baseRules, type Element, type NftFamily, type NftProgram } from './nft-program.js';

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
/** Claimants of one element in claim order: [service key, value]. */
type ClaimList = [string, string | undefined][];
/** As kept between syncs, compact: `<service key>\u0001<value>`, an array only when shared. */
type StoredClaims = Map<string, string | string[]>;

const encodeClaim = ([key, value]: [string, string | undefined]) => `${key}\u0001${value ?? ''}`;
function decodeClaim(c: string): [string, string | undefined] {
  const i = c.indexOf('\u0001');
  const value = c.slice(i + 1);
  return [c.slice(0, i), value === '' ? undefined : value];
}
const toList = (stored: string | string[] | undefined): ClaimList => (stored === undefined ? [] : typeof stored === 'string' ? [decodeClaim(stored)] : stored.map(decodeClaim));
const toStored = (list: ClaimList): string | string[] => (list.length === 1 ? encodeClaim(list[0]!) : list.map(encodeClaim));
function elementOf(id: string): Element {
  const i = id.indexOf('\u0000');
  return { set: id.slice(0, i) as Element['set'], key: id.slice(i + 1) };
}

/**
 * What the state keeps of a service between syncs: its program as one string (at 10,000
 * services, programs as objects took ~21 MB of heap, as strings ~6 MB), parsed again only
 * when it is written. Lines: `c <chain>`, then `r <rule>` for that chain; `e <set>\t<key>[\t<value>]`;
 * `a <set> <seconds>`.
 */
export function encodeProgram(p: NftProgram): string {
  const out: string[] = [];
  for (const [name, rules] of p.chains) {
    out.push(`c ${name}`);
    for (const r of rules) out.push(`r ${r}`);
  }
  for (const e of p.elements) out.push(e.value === undefined ? `e ${e.set}\t${e.key}` : `e ${e.set}\t${e.key}\t${e.value}`);
  for (const [name, s] of p.affinitySets) out.push(`a ${name} ${s}`);
  return out.join('\n');
}

export function decodeProgram(text: string | undefined): NftProgram {
  const p: NftProgram = { chains: new Map(), elements: [], affinitySets: new Map() };
  if (!text) return p;
  let chain: string[] = [];
  for (const line of text.split('\n')) {
    const rest = line.slice(2);
    switch (line[0]) {
      case 'c':
        p.chains.set(rest, (chain = []));
        break;
      case 'r':
        chain.push(rest);
        break;
      case 'e': {
        const [set, key, value] = rest.split('\t') as [Element['set'], string, string | undefined];
        p.elements.push(value === undefined ? { set, key } : { set, key, value });
        break;
      }
      case 'a': {
        const i = rest.lastIndexOf(' ');
        p.affinitySets.set(rest.slice(0, i), Number(rest.slice(i + 1)));
        break;
      }
    }
  }
  return p;
}

export class NftState {
  private readonly wanted = new Map<string, string>();
  private readonly written = new Map<string, string>();
  private readonly touched = new Set<string>();
  /** Element id → its claimants in claim order, as written. */
  private claims: StoredClaims = new Map();
  private chainsWritten = 0;

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
    if (program) this.wanted.set(key, encodeProgram(program));
    else this.wanted.delete(key);
    this.touched.add(key);
  }

  plan(o: { full: boolean; recover: boolean }): NftPlan {
    if (o.recover || o.full) return this.planAll(o.recover);
    return this.planPartial();
  }

  private get t(): string {
    return `${this.family} ${this.table}`;
  }

  private planAll(recover: boolean): NftPlan {
    const t = this.t;
    const lines: string[] = [`add table ${t}`];
    if (recover) lines.push(`delete table ${t}`, `add table ${t}`);
    lines.push(...baseDeclarations(this.family, this.table));
    const chains = new Map<string, string[]>();
    const sets = new Map<string, number>();
    const claims = new Map<string, ClaimList>();
    for (const [key, text] of this.wanted) {
      const p = decodeProgram(text);
      for (const [name, rules] of p.chains) chains.set(name, rules);
      for (const [name, s] of p.affinitySets) sets.set(name, s);
      for (const e of p.elements) {
        const id = elementId(e);
        const list = claims.get(id) ?? claims.set(id, []).get(id)!;
        if (!list.some(([k]) => k === key)) list.push([key, e.value]);
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
    for (const [id, list] of claims) lines.push(addElement(t, elementOf(id), list[0]![1]));
    lines.push(`add element ${t} canary { 1 }`);
    let deleted = 0;
    if (!recover) {
      // Whatever was written and is wanted no more: nothing refers to it after the rewrite above.
      const gone = [...this.writtenChains()].filter((c) => !chains.has(c));
      for (const c of gone) lines.push(`flush chain ${t} ${c}`);
      for (const c of gone) lines.push(`delete chain ${t} ${c}`);
      const goneSets = [...this.writtenSets()].filter((s) => !sets.has(s));
      for (const s of goneSets) lines.push(`delete set ${t} ${s}`);
      deleted = gone.length + goneSets.length;
    }
    return {
      text: lines.join('\n') + '\n',
      written: chains.size,
      deleted,
      commit: () => {
        this.written.clear();
        for (const [k, p] of this.wanted) this.written.set(k, p);
        this.claims = new Map([...claims].map(([id, list]) => [id, toStored(list)]));
        this.touched.clear();
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
    const next = new Map<string, ClaimList>();
    const claimsOf = (id: string): ClaimList => next.get(id) ?? next.set(id, toList(this.claims.get(id))).get(id)!;
    let chainDelta = 0;
    let written = 0;
    let deleted = 0;
    const keys = [...this.touched];
    for (const key of keys) {
      const before = this.written.has(key) ? decodeProgram(this.written.get(key)) : undefined;
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
      // Elements: unclaim what it no longer names, claim what it names (a claimant that
      // stays keeps its place, so which of two claimants wins never flips by itself).
      const newIds = new Map((after?.elements ?? []).map((e) => [elementId(e), e]));
      for (const e of before?.elements ?? []) {
        const id = elementId(e);
        if (newIds.has(id)) continue;
        const list = claimsOf(id);
        const i = list.findIndex(([k]) => k === key);
        if (i >= 0) list.splice(i, 1);
      }
      for (const [id, e] of newIds) {
        const list = claimsOf(id);
        const i = list.findIndex(([k]) => k === key);
        if (i >= 0) list[i] = [key, e.value];
        else list.push([key, e.value]);
      }
      chainDelta += newChains.size - oldChains.size;
    }
    for (const [id, list] of next) {
      const cur = toList(this.claims.get(id));
      const had = cur.length > 0;
      const was = had ? cur[0]![1] : undefined;
      const has = list.length > 0;
      const now = has ? list[0]![1] : undefined;
      const element = elementOf(id);
      if (had && (!has || was !== now)) elemDeletes.push(`delete element ${t} ${element.set} { ${element.key} }`);
      if (has && (!had || was !== now)) elemAdds.push(addElement(t, element, now));
    }
    const lines = [...decl, ...rules, ...elemDeletes, ...elemAdds, ...removals, ...setRemovals];
    return {
      text: lines.length ? lines.join('\n') + '\n' : '',
      written,
      deleted,
      commit: () => {
        for (const key of keys) {
          const p = this.wanted.get(key);
          if (p) this.written.set(key, p);
          else this.written.delete(key);
        }
        for (const [id, list] of next) {
          if (list.length > 0) this.claims.set(id, toStored(list));
          else this.claims.delete(id);
        }
        this.touched.clear();
        this.chainsWritten += chainDelta;
      },
    };
  }

  private *writtenChains(): Iterable<string> {
    for (const text of this.written.values()) for (const line of text.split('\n')) if (line[0] === 'c') yield line.slice(2);
  }

  private *writtenSets(): Iterable<string> {
    for (const text of this.written.values()) for (const line of text.split('\n')) if (line[0] === 'a') yield line.slice(2, line.lastIndexOf(' '));
  }
}

function addElement(t: string, e: Element, value: string | undefined): string {
  return `add element ${t} ${e.set} { ${e.key}${value !== undefined ? ` : ${value}` : ''} }`;
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
