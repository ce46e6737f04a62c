// The real `orch proxy` process at N services (bench/services-sync.ts `--process`): a test
// API server (real etcd) holding N Services and N EndpointSlices × 2 endpoints, then
// `orch proxy --proxy-mode M` (dist/, with the node's token, its rules into a throw-away
// network namespace, no DNS) started against it. Measured: start → ready (first full sync
// of everything), and its RSS (/proc/<pid>/status) 20 s after it reported every object
// synced — the informers' caches, the rule state and Node.js, at rest (sampled every 10 s
// for 60 s; the last sample).

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { EndpointSlice, Node, Service } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { MALLOC_TUNING_ENV } from '../../foundation/malloc-tuning.js';
import { SYNCED_AT_ANNOTATION, SYNCED_REVISION_ANNOTATION } from '../../proxy/node-report.js';
import { service, slice } from '../../proxy/testing/objects.js';
import { startTestApiServer, type TestApiServer } from '../../test/helpers/apiserver.js';
import { freePort } from '../../test/helpers/ports.js';
import { cliEntry } from './apiserver-process.js';
import type { BenchContext } from './types.js';

export interface ProxyProcessResult {
  mode: string;
  readyMs: number;
  rss: number;
}

const REST_SAMPLES = 6;
const podIP = (i: number) => `10.${128 + ((i >> 16) & 63)}.${(i >> 8) & 255}.${i & 255}`;
/** 10.96.3.233 onwards: clear of 10.96.0.1 (the `kubernetes` Service). */
function clusterIP(i: number): string {
  const a = 0x0a600000 + 1000 + i;
  return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
}

async function inParallel(n: number, width: number, f: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < n) await f(next++);
  }));
}

function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/**
 * The proxy's environment as orch up, compose and systemd start it (the glibc malloc
 * settings of foundation/malloc-tuning.ts); PROXY_ENV="A=1 B=2" adds or overrides
 * (PROXY_ENV="MALLOC_ARENA_MAX= MALLOC_TRIM_THRESHOLD_= MALLOC_MMAP_THRESHOLD_=" measures glibc's defaults).
 */
function extraEnv(): Record<string, string> {
  return Object.fromEntries([...Object.entries(MALLOC_TUNING_ENV), ...(process.env.PROXY_ENV ?? '').split(/\s+/).filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])]);
}

export class ProxyProcessRig {
  private api?: TestApiServer;
  private admin?: ApiClient;
  private lastRevision = 0n;

  constructor(private readonly ctx: BenchContext) {}

  /** The API server with n services (ClusterIPs 10.96.x.y, i ≥ 1) and their slices. */
  async start(n: number): Promise<void> {
    this.api = await startTestApiServer({ nodeNames: ['n1'] });
    this.ctx.cleanup.add('test API server', () => this.api!.stop());
    this.admin = new ApiClient({ server: this.api.url, token: this.api.token });
    await this.admin.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } } as Node);
    const slices = this.admin.resource<EndpointSlice>('endpointslices');
    const t0 = Date.now();
    await inParallel(n, 16, async (k) => {
      const i = k + 1;
      await this.admin!.services.create({ ...service(`svc-${i}`, clusterIP(i)), metadata: { name: `svc-${i}`, namespace: 'default' } } as Service);
      const s = await slices.create({ ...slice(`svc-${i}`, [{ ip: podIP(2 * i), node: 'n1' }, { ip: podIP(2 * i + 1), node: 'n2' }]), metadata: { name: `svc-${i}-abcde`, namespace: 'default', labels: { 'kubernetes.io/service-name': `svc-${i}` } } } as EndpointSlice);
      const rv = BigInt(s.metadata.resourceVersion!);
      if (rv > this.lastRevision) this.lastRevision = rv;
      if (k % 2000 === 1999) this.ctx.say(`  ${k + 1} of ${n} services and slices created (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    });
  }

  /** One proxy process in `mode` into network namespace `netns` (which must exist, empty). */
  async measure(mode: string, netns: string): Promise<ProxyProcessResult> {
    const api = this.api!;
    const tokenFile = path.join(this.ctx.workDir, 'node-token');
    fs.writeFileSync(tokenFile, api.nodeTokens.n1!);
    const port = await freePort();
    const t0 = Date.now();
    // PROXY_HEAPSNAPSHOT=1: a heap snapshot of the proxy at rest, kept in the work directory.
    const snapshot = Boolean(process.env.PROXY_HEAPSNAPSHOT);
    const proc: ChildProcess = spawn(process.execPath, [...(snapshot ? ['--heapsnapshot-signal=SIGUSR2'] : []), cliEntry(), 'proxy', '--server', api.url, '--token-file', tokenFile, '--node-name', 'n1', '--netns', netns, '--dns-port', '0', '--proxy-mode', mode, '--port', String(port), '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'inherit'], cwd: this.ctx.workDir, env: { ...process.env, ...extraEnv() } });
    const stop = () => {
      if (proc.exitCode === null) proc.kill('SIGKILL');
    };
    this.ctx.cleanup.add(`orch proxy (${mode})`, stop);
    try {
      for (;;) {
        if (proc.exitCode !== null) throw new Error(`orch proxy --proxy-mode ${mode} exited with ${proc.exitCode}`);
        const node = await this.admin!.nodes.get('n1');
        // This process's report: the revision of the last slice, written after it started
        // (an earlier run's annotations are still on the Node).
        const rev = node.metadata.annotations?.[SYNCED_REVISION_ANNOTATION];
        const at = Date.parse(node.metadata.annotations?.[SYNCED_AT_ANNOTATION] ?? '');
        if (rev && BigInt(rev) >= this.lastRevision && at >= t0) break;
        if (Date.now() - t0 > 300_000) throw new Error(`orch proxy --proxy-mode ${mode} did not report the last slice's revision within 300 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const readyMs = Date.now() - t0;
      this.ctx.say(`  ${mode}: every object programmed ${readyMs} ms after the start; RSS ${(rssOf(proc.pid!) / 2 ** 20).toFixed(1)} MB then`);
      // At rest: sampled every 10 s for 60 s (V8 gives the pages of the start's burst back
      // once it sees the process idle); the last sample is the figure.
      for (let k = 1; k <= REST_SAMPLES; k++) {
        await new Promise((r) => setTimeout(r, 10_000));
        this.ctx.say(`  ${mode}: ${k * 10} s at rest: RSS ${(rssOf(proc.pid!) / 2 ** 20).toFixed(1)} MB`);
      }
      const rss = rssOf(proc.pid!);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN) / 2 ** 20;
      this.ctx.say(`  ${mode}: at rest RSS ${(rss / 2 ** 20).toFixed(1)} MB, V8 heap used ${gauge('nodejs_heap_size_used_bytes').toFixed(1)} MB of ${gauge('nodejs_heap_size_total_bytes').toFixed(1)} MB, external ${gauge('nodejs_external_memory_bytes').toFixed(1)} MB`);
      if (snapshot) {
        this.ctx.keepWorkDir();
        proc.kill('SIGUSR2');
        await new Promise((r) => setTimeout(r, 15_000));
      }
      return { mode, readyMs, rss };
    } finally {
      stop();
    }
  }
}
