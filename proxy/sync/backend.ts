// The kernel side of a proxy instance, behind one interface so the sync loop (syncer.ts)
// is the same for both modes: iptables (kube-proxy's iptables design, the default) and
// nftables (../nft/: one table per instance and family, no whole-table fetch per change).

import type { NodeModel, ServicePortModel } from '../rules/service-model.js';

export type Family = 4 | 6;
export type ProxyMode = 'iptables' | 'nftables';

export interface WriteResult {
  /** Chains (re)written / deleted. */
  written: number;
  deleted: number;
  /** Bytes handed to iptables-restore / nft. */
  bytes: number;
}

export interface KernelBackend {
  readonly mode: ProxyMode;
  /** A service's ports of one family now (empty: none of that family). Nothing is written yet. */
  setService(key: string, family: Family, ports: readonly ServicePortModel[], node: NodeModel): void;
  /**
   * Writes what setService recorded: full rewrites everything from memory; recover means the
   * kernel's state is unknown (start, a failed write, a canary gone) and leftovers must go.
   */
  write(o: { full: boolean; recover: boolean }): Promise<WriteResult>;
  /** Whether the rules are still where they were written (nobody flushed or deleted them). */
  alive(): Promise<boolean>;
  /** Services it holds rules of. */
  serviceKeys(): Iterable<string>;
  /** Chains programmed, by table (metrics). */
  chainCounts(): Record<string, number>;
}
