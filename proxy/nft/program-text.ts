// A service's nftables program as the state keeps it between syncs: one string. At 10,000
// services, programs kept as objects (maps of arrays of rules, element objects) took ~21 MB
// of heap; as strings ~5 MB. A program is parsed again only when it is written.
//
// Lines: `c <chain>`, then `r <rule>` for that chain; `e <set>\t<key>[\t<value>]`;
// `a <set> <seconds>`.

import type { Element, NftProgram } from './nft-program.js';

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

/** The value the program gives element `set`/`key` (undefined: a set element, or not there). */
export function elementValue(text: string | undefined, set: string, key: string): string | undefined {
  if (!text) return undefined;
  const needle = `e ${set}\t${key}`;
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
    if (i > 0 && text[i - 1] !== '\n') continue;
    const after = text[i + needle.length];
    if (after === '\t') {
      const end = text.indexOf('\n', i);
      return text.slice(i + needle.length + 1, end < 0 ? undefined : end);
    }
    if (after === undefined || after === '\n') return undefined;
  }
  return undefined;
}

/** The chain names, and affinity set names, of a program (without parsing the rules). */
export function* programChains(text: string): Iterable<string> {
  for (const line of text.split('\n')) if (line[0] === 'c') yield line.slice(2);
}

export function* programAffinitySets(text: string): Iterable<string> {
  for (const line of text.split('\n')) if (line[0] === 'a') yield line.slice(2, line.lastIndexOf(' '));
}
