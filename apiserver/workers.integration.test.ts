// `orch apiserver --workers 2` as real processes: both workers serve the one port, writes
// through one are read through the other, a /metrics scrape (whichever worker takes it)
// counts the requests of both, and SIGTERM stops them all.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEtcd, type TestEtcd } from '../test/helpers/etcd.js';
import { freePort } from '../test/helpers/ports.js';
import { eventually } from '../test/helpers/eventually.js';

const entry = path.resolve('dist/cli/main.js');
let etcd: TestEtcd;

beforeAll(async () => {
  if (!fs.existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
  etcd = await startEtcd();
});
afterAll(async () => etcd?.stop());
/** A primary left running by a failed test: SIGTERM, which it forwards to its workers. */
const started: ChildProcess[] = [];
afterEach(async () => {
  for (const c of started.splice(0)) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await gone;
  }
});

function children(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

describe('orch apiserver --workers', () => {
  it('serves one port from several processes and stops them all on SIGTERM', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [entry, 'apiserver', '--insecure-http', '--etcd-servers', etcd.endpoint, '--bind-address', '127.0.0.1', '--port', String(port), '--workers', '2', '--log-level', 'warn'], { stdio: 'ignore' });
    started.push(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const base = `http://127.0.0.1:${port}`;
    await eventually('the apiserver ready with 2 workers', async () => (await fetch(`${base}/readyz`)).ok && children(child.pid!).length === 2, 30_000, 200);
    const workers = children(child.pid!);
    expect(workers).toHaveLength(2);
    // Many short connections are spread over both workers; every write is visible to all.
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${base}/api/v1/namespaces/default/configmaps`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}` }, data: { i: String(i) } }),
      });
      expect(res.status).toBe(201);
    }
    const list = (await (await fetch(`${base}/api/v1/namespaces/default/configmaps`, { headers: { connection: 'close' } })).json()) as { items: unknown[] };
    expect(list.items).toHaveLength(20);
    // Each worker served about half of the creates; every scrape, whichever worker answers
    // it (one connection each, handed out in turn), reports all 20.
    for (let i = 0; i < 4; i++) {
      const text = await (await fetch(`${base}/metrics`, { headers: { connection: 'close' } })).text();
      expect(text).toContain('apiserver_request_total{verb="create",resource="configmaps",code="201"} 20');
      expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    for (const w of workers) expect(fs.existsSync(`/proc/${w}`)).toBe(false);
  }, 60_000);
});
