import { describe, expect, it } from 'vitest';
import { buildWaterfall, parseTrace, renderWaterfall } from './waterfall.js';

const line = (hop: string, t: number, f: Record<string, unknown> = {}) => JSON.stringify({ hop, t, ...f });

describe('waterfall', () => {
  const ns = 'e2e-1';
  const pod = (name: string, base: number) => [
    line('api.create', base, { key: `/registry/pods/${ns}/${name}` }),
    line('sched.pop', base + 5, { key: `${ns}/${name}` }),
    line('sched.bind', base + 6, { ns, name }),
    line('sched.bound', base + 10, { ns, name }),
    line('agent.seen', base + 12, { ns, name }),
    line('agent.create', base + 20, { ns, name, container: 'POD' }),
    line('agent.created', base + 40, { ns, name, container: 'POD' }),
    line('agent.started', base + 90, { ns, name, container: 'POD' }),
    line('agent.create', base + 95, { ns, name, container: 'main' }),
    line('agent.created', base + 110, { ns, name, container: 'main' }),
    line('agent.started', base + 150, { ns, name, container: 'main' }),
    line('agent.status', base + 155, { ns, name, phase: 'Running' }),
    line('agent.status-written', base + 160, { ns, name, phase: 'Running' }),
  ];
  const text = [
    line('cli.start', 1000, { argv: 'apply' }),
    line('cli.main', 1200),
    line('cli.request', 1210, { kind: 'Deployment', name: 'e2e' }),
    line('api.create', 1220, { key: `/registry/apps/deployments/${ns}/e2e` }),
    line('api.create', 1230, { key: `/registry/apps/deployments/other/e2e` }),
    line('cli.response', 1225, { kind: 'Deployment', name: 'e2e' }),
    line('api.create', 1250, { key: `/registry/apps/replicasets/${ns}/e2e-abc` }),
    ...pod('e2e-abc-1', 1300),
    ...pod('e2e-abc-2', 1400),
    ...pod('other-x', 1350).map((l) => l.replaceAll(ns, 'other')),
    'not json',
    '{"hop":"cut',
  ].join('\n');

  it('times every hop after the CLI start, per pod, only for the namespace asked', () => {
    const w = buildWaterfall(parseTrace(text), ns);
    expect(w.t0).toBe(1000);
    expect(w.pods).toBe(2);
    const m = (label: string) => w.milestones.find((x) => x.label === label);
    expect(m('CLI main() (imports loaded)')).toMatchObject({ first: 200, n: 1 });
    expect(m('Deployment written')).toMatchObject({ first: 220, n: 1 });
    expect(m('bound')).toMatchObject({ first: 310, last: 410, n: 2 });
    expect(w.totalMs).toBe(560);
    const s = (label: string) => w.stages.find((x) => x.label === label);
    expect(s('pod written (apiserver) → scheduler takes it')).toMatchObject({ kind: 'wait', median: 5, max: 5, n: 2 });
    expect(s('sandbox created → sandbox started')).toMatchObject({ kind: 'work', median: 50 });
    const text2 = renderWaterfall(w);
    expect(text2).toContain('sum of medians');
    expect(text2).toContain("CLI start → last pod's status written: 560 ms (2 pods)");
  });
});
