// V8 lets the old generation grow to a multiple of what survived the last full GC (up to
// 4x under load) before it collects again; most of that is garbage the process holds as
// resident memory. Long-running components cap the factor and collect a little more
// often for a much smaller footprint (figures from `npm run bench`, 2-core machine):
//   - apiserver, 2x: creates/s within ~5 % (2,237–2,334/s), RSS right after the bench's
//     load 161 MB instead of 215–240 MB, at rest with 10,000 pods ~105 MB instead of 116–143.
//   - scheduler, 1.25x (it waits on the apiserver, not on its CPU): same binding rate,
//     118–134 MB instead of 133–154 MB with 5,000 nodes and 10,000 pods.
//   - controller manager, 1.25x (likewise): 118 MB instead of 138 MB with 10,000 pods
//     cached, rollout and failover times unchanged.
// heap-growing-percent is read by V8 at every GC, so setting it at start-up works
// (unlike the young-generation sizes, which only take effect as command-line flags).

import v8 from 'node:v8';

/**
 * Let the old generation grow to (1 + percent/100) times the live heap between full GCs,
 * unless the operator chose a value with node's own flag (`node --heap-growing-percent=N
 * .../orch scheduler`; V8 flags are not allowed in NODE_OPTIONS): theirs wins. Returns
 * whether this value was applied.
 */
export function limitHeapGrowth(percent: number, execArgv: readonly string[] = process.execArgv): boolean {
  if (!Number.isInteger(percent) || percent <= 0) throw new Error(`heap growth percent must be a positive integer, got ${percent}`);
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a))) return false;
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return true;
}
