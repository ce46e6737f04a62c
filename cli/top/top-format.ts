// What `orch top pods|nodes` prints, laid out as kubectl's metricsutil printer does, so
// both print the same: CPU as millicores rounded up ("%vm" of MilliValue), memory as whole
// MiB rounded down ("%vMi" of Value/2^20), node percentages of allocatable in whole percent
// (MilliValue*100/allocatable MilliValue, integer division). --sort-by cpu|memory sorts by
// usage, largest first. Pure: the command (cli/commands/top.ts) fetches, this formats.

import type { NodeMetrics, PodMetrics } from '../../api/metrics-types.js';
import { parseQuantity } from '../../api/quantity.js';
import type { Node } from '../../api/types.js';

export type SortBy = 'cpu' | 'memory' | undefined;

export function parseSortBy(v: string | undefined): SortBy {
  if (v === undefined || v === '') return undefined;
  if (v === 'cpu' || v === 'memory') return v;
  throw new Error(`--sort-by: "${v}" is not one of cpu, memory`);
}

// Quantities are parsed to a float of cores/bytes; round away binary noise before ceil.
const milli = (q: string) => Math.ceil(Number((parseQuantity(q) * 1000).toPrecision(12)));
const bytes = (q: string) => Math.ceil(Number(parseQuantity(q).toPrecision(15)));
const cpuCell = (m: number) => `${m}m`;
const memCell = (b: number) => `${Math.floor(b / (1024 * 1024))}Mi`;

/**
 * kubectl's top printer ends every cell with a tab, the last one too: with its tabwriter
 * (minimum width 6, padding 3) every column, the last included, is padded.
 */
function layout(headers: string[], rows: string[][], noHeaders: boolean): string {
  const all = noHeaders ? rows : [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((c, i) => c.padEnd(Math.max(widths[i]! + 3, 6))).join('')).join('\n');
}

interface Usage {
  cpuMilli: number;
  memBytes: number;
}

function sorted<T>(items: T[], usage: (t: T) => Usage, by: SortBy): T[] {
  if (!by) return items;
  const key = (t: T) => (by === 'cpu' ? usage(t).cpuMilli : usage(t).memBytes);
  return [...items].sort((a, b) => key(b) - key(a));
}

export function formatTopPods(pods: PodMetrics[], opts: { allNamespaces: boolean; containers: boolean; sortBy?: SortBy; noHeaders?: boolean }): string {
  const total = (p: PodMetrics): Usage =>
    p.containers.reduce((a, c) => ({ cpuMilli: a.cpuMilli + milli(c.usage.cpu), memBytes: a.memBytes + bytes(c.usage.memory) }), { cpuMilli: 0, memBytes: 0 });
  const ns = (p: PodMetrics) => (opts.allNamespaces ? [p.metadata.namespace ?? ''] : []);
  const rows: string[][] = [];
  for (const p of sorted(pods, total, opts.sortBy)) {
    if (opts.containers) {
      for (const c of p.containers) rows.push([...ns(p), p.metadata.name ?? '', c.name, cpuCell(milli(c.usage.cpu)), memCell(bytes(c.usage.memory))]);
    } else {
      const u = total(p);
      rows.push([...ns(p), p.metadata.name ?? '', cpuCell(u.cpuMilli), memCell(u.memBytes)]);
    }
  }
  const headers = [...(opts.allNamespaces ? ['NAMESPACE'] : []), ...(opts.containers ? ['POD', 'NAME'] : ['NAME']), 'CPU(cores)', 'MEMORY(bytes)'];
  return layout(headers, rows, Boolean(opts.noHeaders));
}

export function formatTopNodes(metrics: NodeMetrics[], nodes: Node[], opts: { sortBy?: SortBy; noHeaders?: boolean }): string {
  const byName = new Map(nodes.map((n) => [n.metadata.name!, n]));
  const usage = (m: NodeMetrics): Usage => ({ cpuMilli: milli(m.usage.cpu), memBytes: bytes(m.usage.memory) });
  const rows: string[][] = [];
  const shown = new Set<string>();
  for (const m of sorted(metrics, usage, opts.sortBy)) {
    const node = byName.get(m.metadata.name!);
    // kubectl prints only the nodes it listed (its label selector applies to both lists).
    if (!node) continue;
    shown.add(node.metadata.name!);
    const u = usage(m);
    const alloc = node.status?.allocatable ?? {};
    const pct = (used: number, q: unknown) => {
      const avail = q === undefined ? 0 : milli(String(q));
      return avail > 0 ? `${Math.floor((used * 100) / avail)}%` : '<unknown>';
    };
    rows.push([m.metadata.name!, cpuCell(u.cpuMilli), pct(u.cpuMilli, alloc.cpu), memCell(u.memBytes), pct(u.memBytes * 1000, alloc.memory)]);
  }
  // Nodes without figures (yet): listed last, as kubectl lists them.
  for (const n of nodes) if (!shown.has(n.metadata.name!)) rows.push([n.metadata.name!, '<unknown>', '<unknown>', '<unknown>', '<unknown>']);
  return layout(['NAME', 'CPU(cores)', 'CPU(%)', 'MEMORY(bytes)', 'MEMORY(%)'], rows, Boolean(opts.noHeaders));
}
