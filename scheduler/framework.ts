// The scheduling framework: which plugins run, in what order, with what weights — all
// in PROFILE below, the one place to read or change placement policy — and the cycle
// that runs them: filter nodes, score the feasible ones, normalise, weight, pick the
// best with a random tie-break.
//
// Sampling (like Kubernetes' percentageOfNodesToScore): with fewer than 100 nodes every
// node is filtered and scored. With more, filtering starts at an index that rotates
// from one pod to the next and stops once max(100, 10% of nodes) feasible nodes are
// found; only those are scored. That keeps a cycle O(100s of nodes) at 5,000 nodes while
// the rotation spreads pods over the whole cluster. When too few feasible nodes exist
// every node has been examined, so a FitError always counts reasons over all nodes.

import type { Pod } from '../api/types.js';
import { FitError } from './fit-error.js';
import type { NodeInfo } from './node-info.js';
import { makePodInfo } from './pod-info.js';
import { balancedAllocation } from './plugins/balanced-allocation.js';
import { leastAllocated } from './plugins/least-allocated.js';
import { nodeAffinityFilter, nodeAffinityScore } from './plugins/node-affinity.js';
import { nodePorts } from './plugins/node-ports.js';
import { nodeReady } from './plugins/node-ready.js';
import { nodeResourcesFit } from './plugins/node-resources-fit.js';
import { nodeUnschedulable } from './plugins/node-unschedulable.js';
import { selectorSpread } from './plugins/selector-spread.js';
import { taintTolerationFilter, taintTolerationScore } from './plugins/taint-toleration.js';
import { volumeBinding } from './plugins/volume-binding.js';
import { MAX_NODE_SCORE, type FilterPlugin, type PodInfo, type ScorePlugin, type Snapshot } from './types.js';

export interface Profile {
  /** Run in order; the first refusal decides a node's reason(s). Cheap checks first. */
  filters: FilterPlugin[];
  scores: { plugin: ScorePlugin; weight: number }[];
}

// Order and weights follow kube-scheduler's default profile.
export const PROFILE: Profile = {
  filters: [nodeUnschedulable, nodeReady, taintTolerationFilter, nodeAffinityFilter, nodePorts, nodeResourcesFit, volumeBinding],
  scores: [
    { plugin: leastAllocated, weight: 1 },
    { plugin: balancedAllocation, weight: 1 },
    { plugin: selectorSpread, weight: 2 },
    { plugin: nodeAffinityScore, weight: 2 },
    { plugin: taintTolerationScore, weight: 3 },
  ],
};

export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const PERCENTAGE_OF_NODES_TO_SCORE = 10;

export interface FrameworkOptions {
  profile?: Profile;
  /** [0, 1) like Math.random; injected so tie-breaks are testable. */
  random?: () => number;
  minFeasibleNodesToFind?: number;
  percentageOfNodesToScore?: number;
}

export interface ScheduleResult {
  nodeName: string;
  /** Nodes run through the filters. */
  evaluatedNodes: number;
  feasibleNodes: number;
}

export class Framework {
  private readonly profile: Profile;
  private readonly random: () => number;
  private readonly minToFind: number;
  private readonly percentage: number;
  private nextStartIndex = 0;

  constructor(opts: FrameworkOptions = {}) {
    this.profile = opts.profile ?? PROFILE;
    this.random = opts.random ?? Math.random;
    this.minToFind = opts.minFeasibleNodesToFind ?? MIN_FEASIBLE_NODES_TO_FIND;
    this.percentage = opts.percentageOfNodesToScore ?? PERCENTAGE_OF_NODES_TO_SCORE;
  }

  /** How many feasible nodes to look for before scoring, out of numAll. */
  numFeasibleNodesToFind(numAll: number): number {
    if (numAll < this.minToFind) return numAll;
    return Math.min(numAll, Math.max(this.minToFind, Math.ceil((numAll * this.percentage) / 100)));
  }

  /** Picks a node for pod or throws FitError. Synchronous: the snapshot cannot change under it. */
  schedule(pod: Pod | PodInfo, snapshot: Snapshot): ScheduleResult {
    const pi = 'requests' in pod && 'key' in pod ? (pod as PodInfo) : makePodInfo(pod as Pod);
    const nodes = snapshot.nodeList();
    const n = nodes.length;
    if (n === 0) throw new FitError(0, new Map());

    const { feasible, evaluated, reasons } = this.findFeasible(pi, nodes, snapshot);
    if (feasible.length === 0) throw new FitError(n, reasons);
    if (feasible.length === 1) return { nodeName: feasible[0]!.name, evaluatedNodes: evaluated, feasibleNodes: 1 };

    const totals = this.scoreNodes(pi, feasible, snapshot);
    return { nodeName: feasible[this.pickBest(totals)]!.name, evaluatedNodes: evaluated, feasibleNodes: feasible.length };
  }

  private findFeasible(pi: PodInfo, nodes: readonly NodeInfo[], snapshot: Snapshot) {
    const n = nodes.length;
    const want = this.numFeasibleNodesToFind(n);
    const feasible: NodeInfo[] = [];
    const reasons = new Map<string, number>();
    const start = this.nextStartIndex % n;
    let evaluated = 0;
    for (let i = 0; i < n && feasible.length < want; i++) {
      const node = nodes[(start + i) % n]!;
      evaluated++;
      let ok = true;
      for (const f of this.profile.filters) {
        const r = f.filter(pi, node, snapshot);
        if (!r.ok) {
          for (const reason of r.reasons) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          ok = false;
          break;
        }
      }
      if (ok) feasible.push(node);
    }
    this.nextStartIndex = (start + evaluated) % n;
    return { feasible, evaluated, reasons };
  }

  /** Weighted sum of each plugin's normalised (0–100, integer) score per feasible node. */
  scoreNodes(pi: PodInfo, feasible: readonly NodeInfo[], snapshot: Snapshot): number[] {
    const totals = new Array<number>(feasible.length).fill(0);
    const raw = new Array<number>(feasible.length);
    for (const { plugin, weight } of this.profile.scores) {
      let max = 0;
      for (let i = 0; i < feasible.length; i++) {
        const s = plugin.score(pi, feasible[i]!, snapshot);
        raw[i] = s;
        if (s > max) max = s;
      }
      for (let i = 0; i < feasible.length; i++) {
        totals[i]! += weight * normalise(raw[i]!, max, plugin.normalize);
      }
    }
    return totals;
  }

  /** Index of the highest total; equal totals are chosen between uniformly at random. */
  private pickBest(totals: readonly number[]): number {
    let best = -Infinity;
    let ties: number[] = [];
    for (let i = 0; i < totals.length; i++) {
      const t = totals[i]!;
      if (t > best) {
        best = t;
        ties = [i];
      } else if (t === best) ties.push(i);
    }
    const k = Math.min(ties.length - 1, Math.floor(this.random() * ties.length));
    return ties[k]!;
  }
}

/** Kubernetes scores are int64 0–100: truncate so near-equal nodes really tie. */
export function normalise(score: number, max: number, mode: ScorePlugin['normalize']): number {
  switch (mode) {
    case 'none':
      return Math.trunc(Math.max(0, Math.min(MAX_NODE_SCORE, score)));
    case 'max':
      return max <= 0 ? 0 : Math.trunc((score * MAX_NODE_SCORE) / max);
    case 'reverse':
      return max <= 0 ? MAX_NODE_SCORE : MAX_NODE_SCORE - Math.trunc((score * MAX_NODE_SCORE) / max);
  }
}
