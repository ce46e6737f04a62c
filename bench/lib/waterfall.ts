// The waterfall of one `orch apply` (bench/e2e.ts): hop lines of foundation/trace.ts in,
// a table out. Pure, so it is unit-tested on hand-made lines.
//
// Two views:
// - Milestones: for each hop, when it happened first, at the median and last over the
//   pods (ms after the CLI process started), with a bar from first to last.
// - Stages of one pod: the time between consecutive hops of the same pod, median and
//   max over the pods, each marked "wait" (the pod sat in a queue, a watch stream or a
//   batch: nobody worked on it) or "work" (a request or a Docker call for it in flight).

export interface HopLine {
  hop: string;
  t: number;
  ns?: string;
  name?: string;
  key?: string;
  container?: string;
  phase?: string;
  kind?: string;
  argv?: string;
  count?: number;
}

/** Parses trace lines (garbage and partial lines are skipped). */
export function parseTrace(text: string): HopLine[] {
  const out: HopLine[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const o = JSON.parse(line) as HopLine;
      if (typeof o.hop === 'string' && typeof o.t === 'number') out.push(o);
    } catch {
      /* a line cut by a crash */
    }
  }
  return out.sort((a, b) => a.t - b.t);
}

/** "ns/name" of a pod hop, from its fields or its storage key (…/pods/NS/NAME). */
function podOf(h: HopLine): string | undefined {
  if (h.key) {
    const m = /\/pods\/([^/]+)\/([^/]+)$/.exec(h.key);
    if (m) return `${m[1]}/${m[2]}`;
    if (h.hop === 'sched.pop') return h.key;
    return undefined;
  }
  return h.ns && h.name ? `${h.ns}/${h.name}` : undefined;
}

/** The per-pod hops, in the order a pod goes through them, with what the gap before each is. */
export const POD_HOPS: { id: string; label: string; match: (h: HopLine) => boolean; before: 'wait' | 'work' }[] = [
  { id: 'created', label: 'pod written (apiserver)', match: (h) => h.hop === 'api.create' && /\/pods\//.test(h.key ?? ''), before: 'work' },
  { id: 'pop', label: 'scheduler takes it', match: (h) => h.hop === 'sched.pop', before: 'wait' },
  { id: 'bind', label: 'binding sent', match: (h) => h.hop === 'sched.bind', before: 'work' },
  { id: 'bound', label: 'bound', match: (h) => h.hop === 'sched.bound', before: 'work' },
  { id: 'seen', label: 'seen by the agent', match: (h) => h.hop === 'agent.seen', before: 'wait' },
  { id: 'sbx-create', label: 'sandbox create sent', match: (h) => h.hop === 'agent.create' && h.container === 'POD', before: 'wait' },
  { id: 'sbx-created', label: 'sandbox created', match: (h) => h.hop === 'agent.created' && h.container === 'POD', before: 'work' },
  { id: 'sbx-started', label: 'sandbox started', match: (h) => h.hop === 'agent.started' && h.container === 'POD', before: 'work' },
  { id: 'create', label: 'container create sent', match: (h) => h.hop === 'agent.create' && h.container !== 'POD', before: 'work' },
  { id: 'created-c', label: 'container created', match: (h) => h.hop === 'agent.created' && h.container !== 'POD', before: 'work' },
  { id: 'started', label: 'container started', match: (h) => h.hop === 'agent.started' && h.container !== 'POD', before: 'work' },
  { id: 'status', label: 'status write sent (Running)', match: (h) => h.hop === 'agent.status' && h.phase === 'Running', before: 'work' },
  { id: 'written', label: 'status written (Running)', match: (h) => h.hop === 'agent.status-written' && h.phase === 'Running', before: 'work' },
];

export interface Waterfall {
  t0: number;
  pods: number;
  milestones: { label: string; first: number; median: number; last: number; n: number }[];
  stages: { label: string; kind: 'wait' | 'work'; median: number; max: number; n: number }[];
  /** Time from CLI start to the last pod's status written. */
  totalMs?: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};

/**
 * Builds the waterfall of the apply into namespace `ns`: `lines` are every hop of the run
 * (other namespaces' lines are ignored; single hops such as the Deployment's write are
 * matched by the namespace in their key or fields).
 */
export function buildWaterfall(lines: HopLine[], ns: string): Waterfall {
  const cliStart = lines.find((h) => h.hop === 'cli.start' && h.argv === 'apply');
  const t0 = cliStart?.t ?? lines[0]?.t ?? 0;
  const inNs = (h: HopLine) => h.ns === ns || (h.key ?? '').includes(`/${ns}/`) || h.key === ns;
  const single = (label: string, pred: (h: HopLine) => boolean) => {
    const hs = lines.filter(pred);
    return hs.length ? { label, first: hs[0]!.t - t0, median: median(hs.map((h) => h.t - t0)), last: hs[hs.length - 1]!.t - t0, n: hs.length } : undefined;
  };
  const cliHops = lines.filter((h) => h.t >= t0 && h.hop.startsWith('cli.'));
  const milestones = [
    single('CLI process started', (h) => h === cliStart),
    single('CLI main() (imports loaded)', (h) => h.hop === 'cli.main' && cliHops.includes(h)),
    single('CLI sends Deployment', (h) => h.hop === 'cli.request' && h.kind === 'Deployment' && cliHops.includes(h)),
    single('Deployment written', (h) => h.hop === 'api.create' && /\/deployments\//.test(h.key ?? '') && inNs(h)),
    single('CLI has the answer', (h) => h.hop === 'cli.response' && h.kind === 'Deployment' && cliHops.includes(h)),
    single('CLI exits', (h) => h.hop === 'cli.exit' && cliHops.includes(h)),
    single('ReplicaSet written', (h) => h.hop === 'api.create' && /\/replicasets\//.test(h.key ?? '') && inNs(h)),
    single('ReplicaSet creates pods (batch)', (h) => h.hop === 'rs.create-pods' && inNs(h)),
  ].filter((m): m is NonNullable<typeof m> => m !== undefined);

  // Per pod: the first time of each hop.
  const perPod = new Map<string, Map<string, number>>();
  for (const h of lines) {
    const pod = podOf(h);
    if (!pod || !pod.startsWith(`${ns}/`)) continue;
    const step = POD_HOPS.find((s) => s.match(h));
    if (!step) continue;
    let m = perPod.get(pod);
    if (!m) perPod.set(pod, (m = new Map()));
    if (!m.has(step.id)) m.set(step.id, h.t);
  }
  for (const step of POD_HOPS) {
    const ts = [...perPod.values()].map((m) => m.get(step.id)).filter((t): t is number => t !== undefined).map((t) => t - t0);
    if (ts.length) milestones.push({ label: step.label, first: Math.min(...ts), median: median(ts), last: Math.max(...ts), n: ts.length });
  }

  const stages: Waterfall['stages'] = [];
  for (let i = 1; i < POD_HOPS.length; i++) {
    const a = POD_HOPS[i - 1]!;
    const b = POD_HOPS[i]!;
    const ds = [...perPod.values()].filter((m) => m.has(a.id) && m.has(b.id)).map((m) => m.get(b.id)! - m.get(a.id)!);
    if (ds.length) stages.push({ label: `${a.label} → ${b.label}`, kind: b.before, median: median(ds), max: Math.max(...ds), n: ds.length });
  }
  const written = [...perPod.values()].map((m) => m.get('written')).filter((t): t is number => t !== undefined);
  return { t0, pods: perPod.size, milestones, stages, totalMs: written.length ? Math.max(...written) - t0 : undefined };
}

/** The waterfall as text: milestones with bars, then the stages with wait/work totals. */
export function renderWaterfall(w: Waterfall, width = 40): string {
  const end = Math.max(1, ...w.milestones.map((m) => m.last));
  const col = (ms: number) => Math.min(width - 1, Math.round((ms / end) * (width - 1)));
  const f = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(0).padStart(6) : '     -');
  const lw = Math.max(...w.milestones.map((m) => m.label.length), 10);
  const out = [`${'hop'.padEnd(lw)}  first median   last    n  ms after CLI start, 0 … ${end.toFixed(0)} ms`];
  for (const m of w.milestones) {
    const a = col(m.first);
    const b = col(m.last);
    const bar = ' '.repeat(a) + (b > a ? '█'.repeat(b - a + 1) : '|');
    out.push(`${m.label.padEnd(lw)} ${f(m.first)} ${f(m.median)} ${f(m.last)} ${String(m.n).padStart(4)}  ${bar}`);
  }
  out.push('');
  const sw = Math.max(...w.stages.map((s) => s.label.length), 10);
  out.push(`${'stage of one pod'.padEnd(sw)}  kind  median    max`);
  let wait = 0;
  let work = 0;
  for (const s of w.stages) {
    out.push(`${s.label.padEnd(sw)}  ${s.kind}  ${f(s.median)} ${f(s.max)}`);
    if (s.kind === 'wait') wait += s.median;
    else work += s.median;
  }
  out.push(`${'sum of medians'.padEnd(sw)}  wait ${f(wait)}   work ${f(work)}`);
  if (w.totalMs !== undefined) out.push(`CLI start → last pod's status written: ${w.totalMs.toFixed(0)} ms (${w.pods} pods)`);
  return out.join('\n');
}
