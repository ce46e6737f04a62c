// docs/operations.md lists every metric each process serves (name, type, labels, which
// processes). The list here is not written by hand: each process is assembled exactly as
// its command assembles it (constructors do no I/O, so nothing starts), and its registry
// says what it would serve. A metric added anywhere without a row in the doc fails this
// test, and so does a row for a metric nothing serves any more.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Registry } from 'prom-client';
import { Agent } from '../../agent/agent.js';
import { FakeRuntime } from '../../agent/testing/fake-runtime.js';
import { createMetrics } from '../../apiserver/metrics.js';
import { restClientMetrics } from '../../client/metrics.js';
import { FakeClient } from '../../client/testing/fake-client.js';
import { controllerManagerProcess } from '../../controller/manager.js';
import { silentLogger } from '../../foundation/logger.js';
import { processRegistry } from '../../foundation/metrics.js';
import { schedulerProcess } from '../../scheduler/run.js';
import { ServiceProxy } from '../../proxy/proxy.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROCESSES = ['apiserver', 'scheduler', 'controller-manager', 'agent', 'proxy'] as const;
type ProcessName = (typeof PROCESSES)[number];

interface Served {
  type: string;
  labels: string[];
  processes: Set<ProcessName>;
}

const leaderElection = { namespace: 'kube-system', leaseName: 'doc' };

/** Each process's registry, filled the way its command fills it. */
function registries(): Record<ProcessName, Registry> {
  const logger = silentLogger();
  const apiserver = processRegistry();
  createMetrics({ registry: apiserver });

  const scheduler = processRegistry();
  restClientMetrics(scheduler);
  schedulerProcess({ client: new FakeClient(), logger, registry: scheduler, leaderElection });

  const controllerManager = processRegistry();
  restClientMetrics(controllerManager);
  controllerManagerProcess({ client: new FakeClient(), logger, registry: controllerManager, leaderElection });

  const agent = processRegistry();
  restClientMetrics(agent);
  new Agent({ nodeName: 'n1', nodeIP: '127.0.0.1', client: new FakeClient(), runtime: new FakeRuntime(), logger, rootDir: '/nonexistent', registry: agent });
  const proxy = processRegistry();
  restClientMetrics(proxy);
  new ServiceProxy({ nodeName: 'n1', client: new FakeClient(), logger, registry: proxy, commands: { run: async () => '' }, syncPeriodMs: 30_000, minSyncPeriodMs: 100, clusterDomain: 'cluster.local', dnsPort: 53 });
  return { apiserver, scheduler, 'controller-manager': controllerManager, agent, proxy };
}

function served(): Map<string, Served> {
  const out = new Map<string, Served>();
  for (const [proc, registry] of Object.entries(registries()) as [ProcessName, Registry][]) {
    for (const m of registry.getMetricsAsArray()) {
      const labels = [...((m as unknown as { labelNames?: string[] }).labelNames ?? [])].sort();
      const entry = out.get(m.name) ?? { type: String(m.type), labels, processes: new Set<ProcessName>() };
      entry.processes.add(proc);
      out.set(m.name, entry);
    }
  }
  return out;
}

/** The rows of the metrics table: | `name` | type | `a`, `b` | processes | meaning | */
function documented(): Map<string, { type: string; labels: string[]; processes: string }> {
  const text = fs.readFileSync(path.join(ROOT, 'docs/operations.md'), 'utf8');
  const start = text.indexOf('<!-- metrics-table -->');
  const end = text.indexOf('<!-- /metrics-table -->');
  if (start < 0 || end < 0) throw new Error('docs/operations.md has no <!-- metrics-table --> … <!-- /metrics-table --> section');
  const out = new Map<string, { type: string; labels: string[]; processes: string }>();
  for (const line of text.slice(start, end).split('\n')) {
    const m = /^\| `([a-z0-9_:]+)` \| (\w+) \| ([^|]*) \| ([^|]+) \|/.exec(line);
    if (!m) continue;
    const labels = [...m[3]!.matchAll(/`([a-z_]+)`/g)].map((x) => x[1]!).sort();
    out.set(m[1]!, { type: m[2]!, labels, processes: m[4]!.trim() });
  }
  return out;
}

/** How the table names the processes serving a metric. */
function processesText(p: Set<ProcessName>): string {
  if (p.size === PROCESSES.length) return 'all';
  return PROCESSES.filter((x) => p.has(x)).join(', ');
}

describe('docs/operations.md metrics table', () => {
  const actual = served();
  const doc = documented();

  it('documents every metric a process serves, with its type, labels and processes', () => {
    const wrong: string[] = [];
    for (const [name, s] of [...actual].sort(([a], [b]) => a.localeCompare(b))) {
      const row = `| \`${name}\` | ${s.type} | ${s.labels.map((l) => `\`${l}\``).join(', ')} | ${processesText(s.processes)} |`;
      const d = doc.get(name);
      if (!d || d.type !== s.type || d.labels.join() !== s.labels.join() || d.processes !== processesText(s.processes)) wrong.push(row);
    }
    // The rows to add or correct (meaning column left to write).
    expect(wrong).toEqual([]);
  });

  it('documents no metric that nothing serves', () => {
    expect([...doc.keys()].filter((n) => !actual.has(n))).toEqual([]);
  });

  it('names follow the conventions: units in the name, counters end in _total, no prefixed process metrics', () => {
    const bad: string[] = [];
    for (const [name, s] of actual) {
      if (s.type === 'counter' && !name.endsWith('_total')) bad.push(`${name}: a counter ends in _total`);
      if (/_(ms|milliseconds|kb|mb)(_|$)/.test(name)) bad.push(`${name}: base units (seconds, bytes)`);
      if (/^orch_.*(process|nodejs)_/.test(name)) bad.push(`${name}: the standard process metrics are unprefixed`);
      if (!/^(process_|nodejs_|apiserver_|etcd_|scheduler_|workqueue_|rest_client_|leader_election_|kubelet_|prober_|orch_)/.test(name)) bad.push(`${name}: Kubernetes' name, or orch_<component>_…`);
    }
    expect(bad).toEqual([]);
  });
});
