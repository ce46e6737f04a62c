// The small text pieces every `orch describe` section is made of: "Label:   value" fields,
// key=value lists, indentation and a conditions table.

import { formatTable } from '../printers/table.js';

export const kv = (m?: Record<string, string>, skip: string[] = []) => {
  const entries = Object.entries(m ?? {}).filter(([k]) => !skip.includes(k));
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join('\n                ') : '<none>';
};

/** "Label:" padded to 16 columns (at least one space after a longer label), then the value. */
export function field(label: string, value: unknown): string {
  const head = `${label}:`;
  return `${head.padEnd(Math.max(16, head.length + 1))}${value === undefined || value === '' ? '<none>' : String(value)}`;
}

export function indent(text: string, n = 2): string {
  return text.split('\n').map((l) => ' '.repeat(n) + l).join('\n');
}

export function conditions(conds?: { type: string; status: string; reason?: string; message?: string }[]): string[] {
  if (!conds?.length) return [];
  return ['Conditions:', indent(formatTable(['TYPE', 'STATUS', 'REASON', 'MESSAGE'], conds.map((c) => [c.type, c.status, c.reason ?? '', c.message ?? ''])))];
}
