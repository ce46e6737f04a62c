// `npm run bench -- crd`: creates/s of a custom resource whose CRD has a structural
// schema (types, enum, bounds, a pattern, a default, a nested object, a list) against
// ConfigMaps of the same ~1 KiB, on one apiserver process (the real CLI) over a
// throw-away etcd, in the same run: rounds alternate the order (cm,cr / cr,cm), each
// round in fresh namespaces, --count creates with --clients concurrent keep-alive
// clients. The table shows the median creates/s and the apiserver's CPU per create
// (utime + stime from /proc), custom resource (orch) vs ConfigMap (baseline).
// Target (issue 23): custom resource ≥ 0.8 × ConfigMap.
// Options: --rounds N (4), --count N (1000), --clients N (16), --keep, --strict.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { startAdminApiserver } from './lib/admin-apiserver.js';
import { runPool } from './lib/concurrency.js';
import { startEtcd } from './lib/etcd.js';
import { median } from './lib/stats.js';
import { renderTable, verdict, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';
import { intOption } from './lib/options.js';

type Kind = 'configmaps' | 'widgets';

const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(rest[11]) + Number(rest[12])) * 1000) / CLOCK_TICKS;
}

const VALUE = crypto.randomBytes(768).toString('base64');
const GROUP = 'bench.example.com';

const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${GROUP}` },
  spec: {
    group: GROUP,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size', 'value'],
                properties: {
                  size: { type: 'string', enum: ['small', 'medium', 'large'] },
                  replicas: { type: 'integer', minimum: 0, maximum: 100, default: 1 },
                  image: { type: 'string', pattern: '^[a-z0-9./:-]+$' },
                  value: { type: 'string', maxLength: 4096 },
                  port: { 'x-kubernetes-int-or-string': true },
                  options: { type: 'object', properties: { mode: { type: 'string', default: 'auto' }, debug: { type: 'boolean' } } },
                  tags: { type: 'array', items: { type: 'string' } },
                },
              },
              status: { type: 'object', properties: { ready: { type: 'boolean' } } },
            },
          },
        },
      },
    ],
  },
};

function manifest(kind: Kind, ns: string, name: string): string {
  return kind === 'configmaps'
    ? JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { value: VALUE } })
    : JSON.stringify({
        apiVersion: `${GROUP}/v1`,
        kind: 'Widget',
        metadata: { name, namespace: ns },
        spec: { size: 'medium', image: 'orch.local/app:1', value: VALUE, port: 'http', options: { debug: false }, tags: ['a', 'b'] },
      });
}

const pathOf = (kind: Kind, ns: string) => (kind === 'configmaps' ? `/api/v1/namespaces/${ns}/configmaps` : `/apis/${GROUP}/v1/namespaces/${ns}/widgets`);

export const bench: Bench = {
  description: 'creates/s of a custom resource with a schema vs a ConfigMap, same apiserver, alternating rounds',
  async run(ctx: BenchContext): Promise<number> {
    const { args, say } = ctx;
    const rounds = intOption(args, '--rounds', 4);
    const count = intOption(args, '--count', 1000);
    const clients = intOption(args, '--clients', 16);
    if (args.includes('--keep')) ctx.keepWorkDir();

    const etcd = await startEtcd();
    ctx.cleanup.add('etcd', () => etcd.stop());
    const { api, http } = await startAdminApiserver(ctx, etcd.endpoint, clients);
    say(`apiserver: ${api.url} (pid ${api.pid})`);
    await http.expect('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', [201], JSON.stringify(CRD));

    const rates: Record<Kind, number[]> = { configmaps: [], widgets: [] };
    const cpu: Record<Kind, number[]> = { configmaps: [], widgets: [] };
    const measure = async (kind: Kind, round: number) => {
      const ns = `bench-${kind}-${round}`;
      await http.expect('POST', '/api/v1/namespaces', [201, 409], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
      const bodies = Array.from({ length: count }, (_, i) => manifest(kind, ns, `o-${i}`));
      const url = pathOf(kind, ns);
      const before = cpuMs(api.pid);
      const r = await runPool({ concurrency: clients, total: count, maxMs: 120_000 }, async (i) => {
        await http.expect('POST', url, [201], bodies[i]!);
      });
      if (r.errors > 0) throw new Error(`${kind} round ${round}: ${r.errors} creates failed: ${String(r.firstError)}`);
      const rate = (r.done * 1000) / r.elapsedMs;
      rates[kind].push(rate);
      cpu[kind].push((cpuMs(api.pid) - before) / r.done);
      return rate;
    };
    // Warm-up (JIT, connections, the schema's first compile), not counted.
    for (const kind of ['configmaps', 'widgets'] as const) await measure(kind, 0);
    for (const kind of ['configmaps', 'widgets'] as const) rates[kind].length = cpu[kind].length = 0;
    for (let round = 1; round <= rounds; round++) {
      const order: Kind[] = round % 2 === 1 ? ['configmaps', 'widgets'] : ['widgets', 'configmaps'];
      const line: string[] = [];
      for (const kind of order) line.push(`${kind} ${(await measure(kind, round)).toFixed(0)}/s`);
      say(`round ${round}/${rounds}: ${line.join(', ')}`);
    }
    // The custom resources really went through the schema: defaults were applied.
    const sample = JSON.parse((await http.expect('GET', `${pathOf('widgets', 'bench-widgets-1')}/o-0`, [200])).body) as { spec: { replicas?: number; options?: { mode?: string } } };
    if (sample.spec.replicas !== 1 || sample.spec.options?.mode !== 'auto') throw new Error(`the stored custom resource was not defaulted: ${JSON.stringify(sample.spec)}`);

    const cr = median(rates.widgets);
    const cm = median(rates.configmaps);
    const rows: ResultRow[] = [
      {
        metric: `creates/s (${clients} clients)`,
        unit: '/s',
        orch: cr,
        baseline: cm,
        target: 0.8 * cm,
        direction: 'higher',
        note: `median of ${rounds} rounds of ${count}; custom resource ${rates.widgets.map((r) => r.toFixed(0)).join(', ')}; ConfigMap ${rates.configmaps.map((r) => r.toFixed(0)).join(', ')}`,
      },
      {
        metric: 'apiserver CPU per create',
        unit: 'ms',
        orch: median(cpu.widgets),
        baseline: median(cpu.configmaps),
        target: median(cpu.configmaps) / 0.8,
        direction: 'lower',
        note: `custom resource ${cpu.widgets.map((r) => r.toFixed(2)).join(', ')}; ConfigMap ${cpu.configmaps.map((r) => r.toFixed(2)).join(', ')}`,
      },
    ];
    say('');
    say(renderTable('crd: custom resource with a schema (orch) vs ConfigMap (baseline); target ≥ 0.8 × ConfigMap', rows));
    say(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const failed = rows.filter((r) => verdict(r) === 'FAIL');
    return args.includes('--strict') && failed.length > 0 ? 1 : 0;
  },
};
