// TaintToleration: NoSchedule and NoExecute taints the pod does not tolerate refuse the
// node (the first one is named, as Kubernetes does); PreferNoSchedule taints only lower
// the score: fewer untolerated ones is better.

import type { Taint } from '../../api/types.js';
import { fail, PASS, type FilterPlugin, type ScorePlugin } from '../types.js';
import { tolerates, toleratesAny } from './toleration-match.js';

export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

export const taintTolerationFilter: FilterPlugin = {
  name: 'TaintToleration',
  filter(pod, node) {
    const taints = node.node.spec?.taints;
    if (!taints) return PASS;
    for (const taint of taints) {
      if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
      if (!toleratesAny(pod.tolerations, taint)) return fail(untoleratedTaintReason(taint));
    }
    return PASS;
  },
};

export const taintTolerationScore: ScorePlugin = {
  name: 'TaintToleration',
  normalize: 'reverse',
  score(pod, node) {
    const taints = node.node.spec?.taints;
    if (!taints) return 0;
    // Only tolerations whose effect is empty or PreferNoSchedule count here.
    const prefer = pod.tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
    let n = 0;
    for (const taint of taints) {
      if (taint.effect !== 'PreferNoSchedule') continue;
      if (!prefer.some((t) => tolerates(t, taint))) n++;
    }
    return n;
  },
};
