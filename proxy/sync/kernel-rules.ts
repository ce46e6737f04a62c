// The few iptables calls the proxy makes besides iptables-restore: the jumps from the
// built-in chains into an instance's entry chains (kept at exactly one copy, at the top),
// the canary check, the names of an instance's chains (read at start and after a flush,
// never per sync), and removing an instance (--cleanup). Every call names the chains it
// needs; nothing here reads or rewrites a chain that is not the instance's, except the
// jump rules themselves.

import type { HostCommands } from '../../foundation/host-commands.js';
import { belongsTo, type InstanceChains } from '../rules/names.js';

export type Family = 4 | 6;
export type { Table } from '../rules/rule-state.js';
import type { Table } from '../rules/rule-state.js';

export const iptablesBin = (f: Family) => (f === 4 ? 'iptables' : 'ip6tables');
export const restoreBin = (f: Family) => (f === 4 ? 'iptables-restore' : 'ip6tables-restore');

export interface Jump {
  table: Table;
  /** The built-in chain jumped from. */
  from: string;
  /** The rule as `iptables -S` prints it, without `-A <from>`. */
  rule: string;
}

/** The jumps into an instance's chains (the filter ones only for new connections, as kube-proxy's). */
export function instanceJumps(c: InstanceChains): Jump[] {
  const comment = `-m comment --comment "orch proxy ${c.id}"`;
  const natJump = `${comment} -j ${c.services}`;
  const filterJump = `-m conntrack --ctstate NEW ${comment} -j ${c.filter}`;
  return [
    { table: 'nat', from: 'PREROUTING', rule: natJump },
    { table: 'nat', from: 'OUTPUT', rule: natJump },
    { table: 'nat', from: 'POSTROUTING', rule: `${comment} -j ${c.postrouting}` },
    { table: 'filter', from: 'INPUT', rule: filterJump },
    { table: 'filter', from: 'FORWARD', rule: filterJump },
    { table: 'filter', from: 'OUTPUT', rule: filterJump },
    // Docker evaluates DOCKER-USER first in FORWARD and re-inserts that jump on top each
    // time it sets up a network, and the pod network accepts pod traffic there: without a
    // jump of ours inside it, a pod's connection to a service without endpoints would be
    // accepted before our REJECT. Only where Docker made the chain (see jumpStates).
    { table: 'filter', from: 'DOCKER-USER', rule: filterJump },
  ];
}

/** The jumps of every proxy instance carry this comment (jumps of other instances may precede ours). */
const PROXY_JUMP = /-m comment --comment "orch proxy [0-9a-f]+"/;

/**
 * Per jump: how many copies there are, and whether the first copy is "at the top" — no
 * rule but other proxies' jumps before it (Docker re-inserts its DOCKER-USER jump first
 * when it restarts, and the pod network's ACCEPT for pod traffic lives there: a REJECT of
 * ours behind it would never see a pod's connection). Reads only the built-in chains.
 */
interface JumpState {
  count: number;
  onTop: boolean;
  /** The chain it would be in does not exist (DOCKER-USER without Docker). */
  absent?: boolean;
}

async function jumpStates(cmd: HostCommands, f: Family, jumps: Jump[]): Promise<JumpState[]> {
  const listings = new Map<string, string[] | undefined>();
  const out: JumpState[] = [];
  for (const j of jumps) {
    const key = `${j.table}/${j.from}`;
    if (!listings.has(key)) {
      try {
        const rules = (await cmd.run(iptablesBin(f), ['-w', '-t', j.table, '-S', j.from])).split('\n').map((l) => l.trim()).filter((l) => l.startsWith(`-A ${j.from} `));
        listings.set(key, rules);
      } catch (err) {
        // DOCKER-USER on a host without Docker: no jump to keep there.
        if (j.from !== 'DOCKER-USER') throw err;
        listings.set(key, undefined);
      }
    }
    const rules = listings.get(key);
    if (!rules) {
      out.push({ count: 0, onTop: true, absent: true });
      continue;
    }
    const want = `-A ${j.from} ${j.rule}`;
    const first = rules.indexOf(want);
    out.push({ count: rules.filter((l) => l === want).length, onTop: first >= 0 && rules.slice(0, first).every((l) => PROXY_JUMP.test(l)) });
  }
  return out;
}

/**
 * iptables-restore lines (per table) that leave exactly one copy of each jump, at the top
 * of its built-in chain; empty when all are in place. Deleting the copies counted makes
 * the transaction fail if someone changed them meanwhile (the caller retries).
 */
export async function jumpFixes(cmd: HostCommands, f: Family, jumps: Jump[]): Promise<Record<Table, string[]>> {
  const states = await jumpStates(cmd, f, jumps);
  const out: Record<Table, string[]> = { nat: [], filter: [] };
  jumps.forEach((j, i) => {
    const { count, onTop, absent } = states[i]!;
    if (absent || (count === 1 && onTop)) return;
    for (let k = 0; k < count; k++) out[j.table].push(`-D ${j.from} ${j.rule}`);
    out[j.table].push(`-I ${j.from} 1 ${j.rule}`);
  });
  return out;
}

/** Whether the canary chain is there with its rule (a flushed or deleted chain is not). */
export async function canaryAlive(cmd: HostCommands, f: Family, table: Table, canary: string): Promise<boolean> {
  try {
    return (await cmd.run(iptablesBin(f), ['-w', '-t', table, '-S', canary])).includes(`-A ${canary} `);
  } catch {
    return false;
  }
}

/** The instance's chains that exist in a table (one iptables-save of that table). */
export async function instanceChainNames(cmd: HostCommands, f: Family, table: Table, id: string): Promise<string[]> {
  let text: string;
  try {
    text = await cmd.run(`${iptablesBin(f)}-save`, ['-t', table]);
  } catch {
    return []; // no such table for this family (IPv6 off): nothing of ours either
  }
  return text.split('\n').flatMap((l) => (l.startsWith(':ORCH-') ? [l.slice(1).split(' ')[0]!] : [])).filter((c) => belongsTo(c, id));
}

/** Removes an instance's jumps and chains (both families, both tables) in one transaction per table; returns what went. */
export async function removeInstance(cmd: HostCommands, c: InstanceChains): Promise<string[]> {
  const removed: string[] = [];
  for (const f of [4, 6] as const) {
    const jumps = instanceJumps(c);
    let counts: number[];
    try {
      counts = (await jumpStates(cmd, f, jumps)).map((x) => x.count);
    } catch {
      continue; // this family's tables are not there
    }
    for (const table of ['nat', 'filter'] as const) {
      const lines: string[] = [];
      jumps.forEach((j, i) => {
        if (j.table !== table) return;
        for (let k = 0; k < counts[i]!; k++) {
          lines.push(`-D ${j.from} ${j.rule}`);
          removed.push(`${iptablesBin(f)} -t ${table} ${j.from} → ${j.rule.split(' -j ')[1]} (jump)`);
        }
      });
      const chains = await instanceChainNames(cmd, f, table, c.id);
      // Flushed first, deleted after: they refer to one another.
      for (const ch of chains) lines.push(`-F ${ch}`);
      for (const ch of chains) {
        lines.push(`-X ${ch}`);
        removed.push(`${iptablesBin(f)} -t ${table} ${ch} (chain)`);
      }
      if (lines.length > 0) await cmd.run(restoreBin(f), ['-w', '5', '--noflush'], [`*${table}`, ...lines, 'COMMIT', ''].join('\n'));
    }
  }
  return removed;
}
