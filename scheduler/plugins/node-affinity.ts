// NodeAffinity: spec.nodeSelector and required node affinity as a filter, preferred
// node affinity as a score (sum of the weights of the preferences the node meets).
// Semantics follow Kubernetes: terms are ORed, expressions within a term ANDed, an
// empty term list or an empty term matches nothing; matchFields knows metadata.name.

import { nodeMatchesPod, termMatches } from '../../api/selectors/node-match.js';
import { fail, PASS, type FilterPlugin, type ScorePlugin } from '../types.js';

export { nodeMatchesPod, requirementMatches, termMatches } from '../../api/selectors/node-match.js';

export const ERR_NODE_AFFINITY = "node(s) didn't match Pod's node affinity/selector";

export const nodeAffinityFilter: FilterPlugin = {
  name: 'NodeAffinity',
  filter(pod, node) {
    return nodeMatchesPod(pod.pod, node.node) ? PASS : fail(ERR_NODE_AFFINITY);
  },
};

export const nodeAffinityScore: ScorePlugin = {
  name: 'NodeAffinity',
  normalize: 'max',
  score(pod, node) {
    const prefs = pod.pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
    if (!prefs) return 0;
    let sum = 0;
    for (const p of prefs) if (p.weight > 0 && termMatches(p.preference, node.node)) sum += p.weight;
    return sum;
  },
};
