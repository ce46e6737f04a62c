// Runs one plugin against a pod and a node (with pods already on it) built by the builders.

import type { Node, Pod } from '../../api/types.js';
import { makePodInfo } from '../pod-info.js';
import type { FilterPlugin, FilterResult, ScorePlugin } from '../types.js';
import { makeSnapshot } from './builders.js';

export function runFilter(plugin: FilterPlugin, pod: Pod, node: Node, podsOnNode: Pod[] = []): FilterResult {
  const name = node.metadata.name!;
  const snap = makeSnapshot([node], podsOnNode.map((p) => ({ ...p, spec: { ...p.spec, nodeName: name } })));
  return plugin.filter(makePodInfo(pod), snap.get(name)!, snap);
}

export function runScore(plugin: ScorePlugin, pod: Pod, node: Node, podsOnNode: Pod[] = []): number {
  const name = node.metadata.name!;
  const snap = makeSnapshot([node], podsOnNode.map((p) => ({ ...p, spec: { ...p.spec, nodeName: name } })));
  return plugin.score(makePodInfo(pod), snap.get(name)!, snap);
}

/** 'ok' or the reasons joined by '|', for compact tables. */
export function verdict(r: FilterResult): string {
  return r.ok ? 'ok' : r.reasons.join('|');
}
