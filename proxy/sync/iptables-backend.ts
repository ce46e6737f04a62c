// The iptables mode of the kernel backend: one RuleState per family (../rules/rule-state.ts)
// written with `iptables-restore --noflush`, the jumps from the built-in chains checked on
// each full sync, the canary chains looked at between syncs.

import type { HostCommands } from '../../foundation/host-commands.js';
import type { InstanceChains } from '../rules/names.js';
import { RuleState, type Table, type Touched } from '../rules/rule-state.js';
import type { NodeModel, ServicePortModel } from '../rules/service-model.js';
import { serviceRules } from '../rules/service-rules.js';
import type { Family, KernelBackend, WriteResult } from './backend.js';
import { canaryAlive, instanceChainNames, instanceJumps, jumpFixes, restoreBin } from './kernel-rules.js';

export class IptablesBackend implements KernelBackend {
  readonly mode = 'iptables' as const;
  private readonly states = new Map<Family, RuleState>();
  private readonly touched = new Map<Family, Touched>();
  /** Families whose state was made since the last write: written in full, jumps included (the first IPv6 service may come in a partial sync). */
  private readonly fresh = new Set<Family>([4]);

  constructor(
    private readonly chains: InstanceChains,
    private readonly commands: HostCommands,
    private readonly maxTransactionLines?: number,
  ) {
    this.states.set(4, new RuleState(chains));
  }

  setService(key: string, family: Family, ports: readonly ServicePortModel[], node: NodeModel): void {
    if (ports.length === 0 && !this.states.has(family)) return;
    let state = this.states.get(family);
    if (!state) {
      this.states.set(family, (state = new RuleState(this.chains)));
      this.fresh.add(family);
    }
    const t = this.touched.get(family) ?? this.touched.set(family, new Set()).get(family)!;
    state.setService(key, ports.length ? serviceRules(this.chains, node, ports) : undefined, t);
  }

  async write(o: { full: boolean; recover: boolean }): Promise<WriteResult> {
    const touched = new Map(this.touched);
    this.touched.clear();
    const result: WriteResult = { written: 0, deleted: 0, bytes: 0 };
    for (const [f, state] of this.states) {
      const full = o.full || this.fresh.has(f);
      const existing = o.recover || this.fresh.has(f) ? await this.existingChains(f) : undefined;
      const extra = full ? await jumpFixes(this.commands, f, instanceJumps(this.chains)) : undefined;
      // The jumps need the entry chains: a full sync declares them before the jump lines.
      const plan = state.plan({ full, touched: touched.get(f), existing, extra, maxLines: this.maxTransactionLines });
      for (const text of plan.texts) await this.commands.run(restoreBin(f), ['-w', '5', '--noflush'], text);
      plan.commit();
      this.fresh.delete(f);
      result.written += plan.written;
      result.deleted += plan.deleted;
      result.bytes += plan.bytes;
    }
    return result;
  }

  async alive(): Promise<boolean> {
    for (const f of this.states.keys()) {
      for (const table of ['nat', 'filter'] as const) if (!(await canaryAlive(this.commands, f, table, this.chains.canary))) return false;
    }
    return true;
  }

  *serviceKeys(): Iterable<string> {
    for (const s of this.states.values()) yield* s.serviceKeys();
  }

  chainCounts(): Record<string, number> {
    return Object.fromEntries((['nat', 'filter'] as Table[]).map((t) => [t, [...this.states.values()].reduce((n, s) => n + s.chainCount(t), 0)]));
  }

  private async existingChains(f: Family): Promise<Record<Table, string[]>> {
    const id = this.chains.id;
    return { nat: await instanceChainNames(this.commands, f, 'nat', id), filter: await instanceChainNames(this.commands, f, 'filter', id) };
  }
}
