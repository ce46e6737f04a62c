// The soak's summary as printed at the end of a run (and by the CI scenario).

import type { SoakSummary } from './soak.js';

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const list = (m: Record<string, number>) => Object.entries(m).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', ') || 'none';

export function formatSummary(s: SoakSummary): string {
  const faults = Object.entries(s.faults).filter(([k]) => k !== 'none').reduce((n, [, v]) => n + v, 0);
  const lines = [
    `soak summary: seed ${s.seed}, ${s.hosts} hosts, ${s.minutes} min of faults, ${s.steps} steps, ${sec(s.durationMs)} in all`,
    `  faults injected (${faults}): ${list(s.faults)}`,
    `  workload writes: ${list(s.writes)}`,
    `  invariants checked: ${list(s.checks)}`,
    `  supervisor restarts: ${list(s.supervisorRestarts)}`,
    `  worst convergence: ${s.worstConvergence.step ? `${sec(s.worstConvergence.ms)} (step ${s.worstConvergence.step}, after ${s.worstConvergence.after})` : 'n/a'}, bound 120 s`,
    `  violations: ${s.violations.length}`,
    ...s.violations.map((v) => `    - ${v}`),
    `  reproduce: npm run soak -- --minutes ${s.minutes} --seed ${s.seed} --hosts ${s.hosts}${s.ha ? ' --ha' : ''}   (logs: ${s.outDir})`,
  ];
  return lines.join('\n');
}
