// The nftables mode of the kernel backend (`orch proxy --proxy-mode nftables`): one table
// per instance and family (`ip orch-proxy-<id>`, `ip6 orch-proxy-<id>`), written with
// `nft -f -` in one atomic transaction per family and sync. Nothing is read back per sync;
// the canary is a one-element set, cheap to list at any size (a whole-table listing at
// 10,000 services takes ~0.8 s), and gone when someone deletes the table or flushes the
// ruleset. iptables' tables, Docker's and the pod network's rules are never touched: the
// table has its own base chains at the nat and filter hooks.

import type { HostCommands } from '../../foundation/host-commands.js';
import type { NodeModel, ServicePortModel } from '../rules/service-model.js';
import type { Family, KernelBackend, WriteResult } from '../sync/backend.js';
import { nftFamily, serviceProgram } from './nft-program.js';
import { NftState } from './nft-state.js';

export const nftTableName = (instanceId: string) => `orch-proxy-${instanceId}`;

export class NftBackend implements KernelBackend {
  readonly mode = 'nftables' as const;
  private readonly states = new Map<Family, NftState>();

  constructor(
    private readonly instanceId: string,
    private readonly commands: HostCommands,
  ) {
    this.states.set(4, new NftState('ip', nftTableName(instanceId)));
  }

  setService(key: string, family: Family, ports: readonly ServicePortModel[], node: NodeModel): void {
    if (ports.length === 0 && !this.states.has(family)) return;
    let state = this.states.get(family);
    if (!state) this.states.set(family, (state = new NftState(nftFamily(family), nftTableName(this.instanceId))));
    state.setService(key, ports.length ? serviceProgram(node, ports) : undefined);
  }

  async write(o: { full: boolean; recover: boolean }): Promise<WriteResult> {
    const result: WriteResult = { written: 0, deleted: 0, bytes: 0 };
    for (const state of this.states.values()) {
      const plan = state.plan(o);
      if (plan.text) await this.commands.run('nft', ['-f', '-'], plan.text);
      plan.commit();
      result.written += plan.written;
      result.deleted += plan.deleted;
      result.bytes += plan.text.length;
    }
    return result;
  }

  async alive(): Promise<boolean> {
    for (const s of this.states.values()) {
      try {
        const out = await this.commands.run('nft', ['list', 'set', s.family, s.table, 'canary']);
        if (!/elements = \{ 1 \}/.test(out)) return false;
      } catch {
        return false;
      }
    }
    return true;
  }

  *serviceKeys(): Iterable<string> {
    for (const s of this.states.values()) yield* s.serviceKeys();
  }

  chainCounts(): Record<string, number> {
    return { nft: [...this.states.values()].reduce((n, s) => n + s.chainCount(), 0) };
  }
}

/** Removes an instance's tables (both families); returns what went (nothing on a host without nft). */
export async function removeNftTables(commands: HostCommands, instanceId: string): Promise<string[]> {
  const removed: string[] = [];
  for (const family of ['ip', 'ip6'] as const) {
    const table = nftTableName(instanceId);
    try {
      await commands.run('nft', ['delete', 'table', family, table]);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return removed; // no nft on this host: no tables either
      if (/No such file or directory/.test((err as Error).message)) continue; // not there
      throw err;
    }
    removed.push(`nft table ${family} ${table}`);
  }
  return removed;
}
