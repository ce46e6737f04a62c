// Every orch process, started from the built binary as operators start it, serves the same
// /healthz, /livez, /readyz (?verbose lists its components) and /metrics — on 127.0.0.1
// only, unless told otherwise — with the standard process_* and nodejs_* metrics
// unprefixed next to its own, logs JSON lines on stdout (nothing on stderr), and stops
// on SIGTERM with exit 0.

import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { detectNodeIP } from '../../foundation/node-ip.js';
import { writeTokenFile } from '../../foundation/token-file.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { eventually } from '../helpers/eventually.js';
import { assertBuilt, ORCH_ENTRY } from '../helpers/orch-cli.js';
import { freePort } from '../helpers/ports.js';
import { removeContainersWith } from './agent-helpers.js';

const NODE = `e2e-endpoints-${crypto.randomBytes(3).toString('hex')}`;
let api: TestApiServer;
let dir: string;

interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}
const procs: Proc[] = [];

beforeAll(async () => {
  assertBuilt();
  api = await startTestApiServer({ nodeNames: [NODE] });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-endpoints-'));
  fs.writeFileSync(path.join(dir, 'admin.token'), api.token);
  fs.writeFileSync(path.join(dir, 'node.token'), api.nodeTokens[NODE]!);
});
afterEach(async () => {
  for (const p of procs.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGKILL');
      await p.exit;
    }
  }
});
afterAll(async () => {
  removeContainersWith({ 'orch.io/node': NODE });
  await api?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function start(args: string[]): Proc {
  let out = '';
  let err = '';
  const child = spawn(process.execPath, [ORCH_ENTRY, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const p: Proc = { child, stdout: () => out, stderr: () => err, exit: new Promise((r) => child.once('exit', (code) => r(code))) };
  procs.push(p);
  return p;
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const r = await fetch(url, { headers });
  return { status: r.status, body: await r.text() };
}

/** Ready, then the shared checks of every process's endpoints; returns /metrics. */
async function checkEndpoints(base: string, p: Proc, components: string[]): Promise<string> {
  await eventually(`${base}/readyz 200`, async () => {
    if (p.child.exitCode !== null) throw new Error(`exited ${p.child.exitCode}: ${p.stdout()}${p.stderr()}`);
    return (await get(`${base}/readyz`).catch(() => ({ status: 0 }))).status === 200;
  }, 60_000);
  expect(await get(`${base}/healthz`)).toEqual({ status: 200, body: 'ok' });
  expect(await get(`${base}/livez`)).toEqual({ status: 200, body: 'ok' });
  const verbose = await get(`${base}/readyz?verbose`);
  expect(verbose.status).toBe(200);
  // Every component, in start order, then the shutdown check.
  const names = [...verbose.body.matchAll(/^\[\+\](\S+) ok$/gm)].map((m) => m[1]);
  expect(names).toEqual(['ping', ...components, 'shutdown']);
  expect(verbose.body).toMatch(/readyz check passed\n$/);
  const metrics = await get(`${base}/metrics`);
  expect(metrics.status).toBe(200);
  // Node's standard metrics, unprefixed.
  for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'process_start_time_seconds', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
    expect(metrics.body).toMatch(new RegExp(`^${name} [\\d.e+-]+$`, 'm'));
  }
  expect(metrics.body).not.toMatch(/^orch_\w*process_/m);
  return metrics.body;
}

/** Served on loopback only: the host's own address does not answer. */
async function notOnHostAddress(port: number): Promise<void> {
  const ip = detectNodeIP();
  if (ip.startsWith('127.')) return; // no other address to try on this machine
  await expect(fetch(`http://${ip}:${port}/healthz`)).rejects.toThrow();
}

/** Logs are JSON lines on stdout, as docs/operations.md says; stderr stays empty. */
async function logsOnStdout(p: Proc, component: string): Promise<void> {
  const lines = () => p.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { component?: string; level: number; msg: string });
  // The runner logs "ready" once it sees every component ready (it looks twice a second).
  await eventually('a "ready" line on stdout', () => lines().some((l) => l.component === component && l.msg === 'ready'), 10_000);
  for (const l of lines()) expect(typeof l.component).toBe('string');
  expect(p.stderr()).toBe('');
}

async function stopsCleanly(p: Proc): Promise<void> {
  p.child.kill('SIGTERM');
  expect(await p.exit).toBe(0);
  expect(p.stdout()).toContain('"msg":"stopped"');
}

describe('health, readiness and metrics of every process', () => {
  it('apiserver', async () => {
    let etcd: TestEtcd | undefined;
    try {
      etcd = await startEtcd();
      const port = await freePort();
      const p = start(['apiserver', '--insecure-http', '--etcd-servers', etcd.endpoint, '--bind-address', '127.0.0.1', '--port', String(port)]);
      const base = `http://127.0.0.1:${port}`;
      const metrics = await checkEndpoints(base, p, ['etcd', 'namespace-cache', 'node-graph', 'bootstrap', 'rbac-policy', 'crd-registry', 'admission-webhooks', 'namespace-cleanup', 'crd-cleanup', 'service-allocations', 'rbac-bootstrap', 'kubernetes-service', 'metrics-scraper']);
      expect(metrics).toMatch(/^apiserver_request_total\{verb="get",resource="",code="200"\} \d+$/m);
      expect(metrics).toContain('# TYPE etcd_request_duration_seconds histogram');
      expect((await get(`${base}/readyz/etcd`)).body).toBe('ok');
      await logsOnStdout(p, 'apiserver');
      await stopsCleanly(p);
    } finally {
      await etcd?.stop();
    }
  });

  it('scheduler (with leader election)', async () => {
    const port = await freePort();
    const p = start(['scheduler', '--server', api.url, '--token-file', path.join(dir, 'admin.token'), '--port', String(port), '--leader-elect', '--identity', 'endpoints-test']);
    const base = `http://127.0.0.1:${port}`;
    // A standby is ready too; this one is alone, so it leads once it got the lease.
    await eventually('leading', async () => (await get(`${base}/metrics`).catch(() => ({ body: '' }))).body.includes('leader_election_master_status{name="orch-scheduler"} 1'), 30_000);
    const metrics = await checkEndpoints(base, p, ['leader-election']);
    expect(metrics).toContain('leader_election_master_status{name="orch-scheduler"} 1');
    expect(metrics).toContain('scheduler_schedule_attempts_total{result="scheduled"} 0');
    expect(metrics).toMatch(/^rest_client_requests_total\{code="200",method="GET",host="127\.0\.0\.1:\d+"\} \d+$/m);
    await notOnHostAddress(port);
    await logsOnStdout(p, 'scheduler');
    await stopsCleanly(p);
  });

  it('controller manager', async () => {
    const port = await freePort();
    const p = start(['controller-manager', '--server', api.url, '--token-file', path.join(dir, 'admin.token'), '--port', String(port)]);
    const base = `http://127.0.0.1:${port}`;
    const metrics = await checkEndpoints(base, p, ['event-recorder', 'informers', 'custom-owner-informers', 'replicaset', 'deployment', 'daemonset', 'statefulset', 'nodelifecycle', 'garbagecollector', 'nodeipam', 'endpointslice', 'endpoint', 'servicelb', 'disruption', 'horizontalpodautoscaling', 'clusterrole-aggregation', 'csrapproving', 'tokencleaner', 'serviceaccount', 'job', 'cronjob', 'persistentvolume-binder', 'pvc-protection', 'pv-protection']);
    expect(metrics).toContain('# TYPE orch_controller_reconcile_total counter');
    expect(metrics).toMatch(/^rest_client_requests_total\{code="200",method="GET",host="127\.0\.0\.1:\d+"\} \d+$/m);
    await notOnHostAddress(port);
    await logsOnStdout(p, 'controller-manager');
    await stopsCleanly(p);
  });

  it('agent: localhost health port, and /metrics on its authenticated log endpoint', async () => {
    const [healthPort, logPort] = [await freePort(), await freePort()];
    const readers = path.join(dir, 'log-readers.csv');
    writeTokenFile(readers, [{ token: 'prometheus-token', user: 'prometheus', uid: 'prom', groups: [] }]);
    const p = start([
      'agent', '--server', api.url, '--token-file', path.join(dir, 'node.token'), '--node-name', NODE, '--node-ip', '127.0.0.1',
      '--root-dir', path.join(dir, 'agent'), '--log-port', String(logPort), '--log-address', '127.0.0.1', '--log-server-insecure-http',
      '--log-server-token-file', readers, '--healthz-port', String(healthPort), '--network-backend', 'none',
    ]);
    const base = `http://127.0.0.1:${healthPort}`;
    const metrics = await checkEndpoints(base, p, ['cluster-identity', 'log-server', 'node-registration', 'runtime-events', 'pod-informer', 'endpoint-drain', 'pod-workers', 'orphan-sweep', 'resource-sampler']);
    expect(metrics).toMatch(/^kubelet_running_pods 0$/m);
    expect(metrics).toMatch(/^kubelet_runtime_operations_total\{operation_type="info"\} \d+$/m);
    expect(metrics).toContain('orch_agent_pods{phase="Running"} 0');
    expect(metrics).toMatch(/^rest_client_requests_total\{code="200",method="GET",host="127\.0\.0\.1:\d+"\} \d+$/m);
    await notOnHostAddress(healthPort);
    // The same metrics on the log endpoint, for the callers that may read logs.
    const logBase = `http://127.0.0.1:${logPort}`;
    expect((await get(`${logBase}/metrics`)).status).toBe(401);
    const viaLogPort = await get(`${logBase}/metrics`, { authorization: 'Bearer prometheus-token' });
    expect(viaLogPort.status).toBe(200);
    expect(viaLogPort.body).toContain('# TYPE kubelet_runtime_operations_total counter');
    await logsOnStdout(p, 'agent');
    await stopsCleanly(p);
  });
});
