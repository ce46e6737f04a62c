// `npm run soak -- --minutes N --seed S [--hosts 3] [--ha] [--steps K]`: builds orch (the
// package script does), runs the soak (soak.ts) on a harness cluster and prints its
// summary; exits 1 on any violation, 2 on bad arguments. Needs root (network namespaces,
// engines) and the cluster suite's lock: the harness uses fixed names.

import { parseArgs } from 'node:util';
import { releaseLock, takeLock } from '../cluster/global-setup.js';
import { runSoak } from './soak.js';
import { formatSummary } from './summary.js';

const USAGE = 'usage: npm run soak -- --minutes N --seed S [--hosts 3] [--ha] [--steps K] [--out DIR]\n';

function positiveInt(name: string, v: string | undefined, dflt?: number): number {
  if (v === undefined) {
    if (dflt === undefined) throw new Error(`--${name} is required`);
    return dflt;
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

async function main(): Promise<number> {
  let opts;
  try {
    const { values } = parseArgs({
      options: { minutes: { type: 'string' }, seed: { type: 'string' }, hosts: { type: 'string' }, steps: { type: 'string' }, ha: { type: 'boolean' }, out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
    });
    if (values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const minutes = Number(values.minutes);
    if (!(minutes > 0)) throw new Error(`--minutes must be a positive number, got ${JSON.stringify(values.minutes)}`);
    opts = {
      minutes,
      seed: positiveInt('seed', values.seed, Date.now() % 1_000_000),
      hosts: positiveInt('hosts', values.hosts, 3),
      steps: values.steps === undefined ? undefined : positiveInt('steps', values.steps),
      ha: values.ha ?? false,
      outDir: values.out,
      signal: abort.signal,
    };
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('the soak needs root (network namespaces, bridges, dockerd)\n');
    return 2;
  }
  takeLock();
  try {
    const summary = await runSoak(opts);
    process.stdout.write(`\n${formatSummary(summary)}\n`);
    return summary.violations.length ? 1 : 0;
  } finally {
    releaseLock();
  }
}

// The first SIGINT/SIGTERM ends the run after the current step, through the teardown;
// a second one exits at once (the next run, or the cluster suite, removes what is left).
const abort = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (abort.signal.aborted) process.exit(130);
    process.stderr.write(`${sig}: stopping after this step (again to exit at once)\n`);
    abort.abort();
  });
}
main().then((code) => process.exit(code), (err) => {
  process.stderr.write(`soak failed: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
