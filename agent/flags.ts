// Parsing of the agent's flag values (pure, unit-tested). Durations use the one parser
// every component shares (foundation/duration.ts).

import { cpuToMillis, parseQuantity } from '../api/quantity.js';

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
