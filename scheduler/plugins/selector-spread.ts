// Score: spread pods of one owner (a ReplicaSet's replicas) — or, for pods without an
// owner, pods with the same label set — across nodes. The raw score is how many such
// pods the node already has; the framework reverses it, so the emptiest node gets 100.

import type { ScorePlugin } from '../types.js';

export const selectorSpread: ScorePlugin = {
  name: 'SelectorSpread',
  normalize: 'reverse',
  score(pod, node) {
    if (!pod.spreadKey) return 0;
    return node.spreadCounts.get(pod.spreadKey) ?? 0;
  },
};
