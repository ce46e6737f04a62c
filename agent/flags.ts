// Parsing of the agent's flag values (pure, unit-tested).

import { cpuToMillis, parseQuantity } from '../api/quantity.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "5s", "1m30s", "250ms"; a bare number is seconds. */
export function parseDuration(text: string): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  let total = 0;
  let consumed = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    consumed += m[0].length;
  }
  if (!t || consumed !== t.length) throw new Error(`invalid duration "${text}": use e.g. 5s, 1m, 250ms`);
  return total;
}

/** "a=b,c=d" → { a: 'b', c: 'd' } */
export function parseLabels(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (text ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf('=');
    if (i <= 0) throw new Error(`invalid label "${part}": expected key=value`);
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

export function parseCpuMillis(text: string): number {
  return cpuToMillis(text);
}

export function parseBytes(text: string): number {
  return Math.floor(parseQuantity(text));
}

/** Token file: one token per line; CSV lines (token,user,...) use the first field; # comments. */
export function parseTokenFile(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(',')[0]!.trim())
    .filter(Boolean);
}
