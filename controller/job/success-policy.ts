// spec.successPolicy of an Indexed Job (Kubernetes' matchSuccessPolicy): the rules are
// tried in order and the first one met declares the Job successful before every index
// succeeded — succeededIndexes alone: all of those indexes succeeded; succeededCount
// alone: that many indexes succeeded; both: that many of those indexes succeeded.

import type { Job } from '../../api/job-types.js';
import { parseIndexes } from './indexes.js';

/** The index of the first rule the succeeded indexes meet, or undefined. */
export function matchSuccessPolicy(job: Job, succeeded: Set<number>): number | undefined {
  if (job.spec.completionMode !== 'Indexed') return undefined;
  const completions = job.spec.completions ?? 0;
  const rules = job.spec.successPolicy?.rules ?? [];
  for (const [i, r] of rules.entries()) {
    if (r.succeededIndexes !== undefined) {
      const wanted = parseIndexes(r.succeededIndexes, completions);
      const met = [...wanted].filter((ix) => succeeded.has(ix)).length;
      if (r.succeededCount !== undefined ? met >= r.succeededCount : met === wanted.size && wanted.size > 0) return i;
    } else if (r.succeededCount !== undefined && succeeded.size >= r.succeededCount) return i;
  }
  return undefined;
}
