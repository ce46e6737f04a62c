// The reported failure, end to end: `orch apiserver` as a real process (dist/, built by npm test) over a real etcd
// whose history was compacted (`etcdctl compact`), killed with SIGKILL and started again
// while ~30 watches a second arrive with old resourceVersions, some of whose clients give
// up and disconnect. It used to die at start (an uncaught error from etcd3's watch
// manager, apiserver/storage/etcd-watch-guard.ts has the race) and stay down. Every
// start must survive, and every stale watch that stays connected must get its 410.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { assertBuilt, ORCH_ENTRY } from '../helpers/orch-cli.js';
import { freePort } from '../helpers/ports.js';
import { eventually } from '../helpers/eventually.js';

let etcd: TestEtcd;
let port = 0;
let url = '';
let child: ChildProcess | undefined;
let stderr = '';
let compactedAt = 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startApiserver(): ChildProcess {
  const args = [ORCH_ENTRY, 'apiserver', '--insecure-http', '--etcd-servers', etcd.endpoint, '--bind-address', '127.0.0.1', '--port', String(port), '--etcd-prefix', '/storm', '--log-level', 'warn'];
  const p = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child = p;
  return p;
}

function kill9(p: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (p.exitCode !== null || p.signalCode !== null) return resolve();
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

async function waitReady(timeoutMs = 60_000): Promise<void> {
  try {
    await eventually('the apiserver to answer /readyz', async () => (await fetch(`${url}/readyz`)).ok, timeoutMs, 100);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${stderr.slice(-3000)}`);
  }
}

beforeAll(async () => {
  assertBuilt();
  etcd = await startEtcd();
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  startApiserver();
  await waitReady();
  for (let i = 0; i < 40; i++) {
    const res = await fetch(`${url}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ metadata: { name: `cm-${i}` }, data: { i: String(i) } }) });
    expect(res.status).toBe(201);
  }
  const list = (await (await fetch(`${url}/api/v1/namespaces/default/configmaps`)).json()) as { metadata: { resourceVersion: string } };
  compactedAt = Number(list.metadata.resourceVersion);
  const out = spawnSync('etcdctl', ['--endpoints', etcd.endpoint, 'compact', String(compactedAt)], { env: { ...process.env, ETCDCTL_API: '3' }, encoding: 'utf8' });
  expect(out.status, out.stderr).toBe(0);
  await kill9(child!);
}, 120_000);

afterAll(async () => {
  if (child) await kill9(child);
  await etcd?.stop();
});

interface StaleWatch {
  abandoned: boolean;
  /** 'refused' (server not listening yet), 'aborted', or the end of the stream. */
  outcome?: 'refused' | 'aborted' | 'ended';
  status?: number;
  body: string;
}

/** One watch from a compacted resourceVersion; abandoned ones disconnect after `abandonAfterMs`. */
async function staleWatch(rv: number, abandonAfterMs?: number): Promise<StaleWatch> {
  const w: StaleWatch = { abandoned: abandonAfterMs !== undefined, body: '' };
  const ac = new AbortController();
  const timer = abandonAfterMs !== undefined ? setTimeout(() => ac.abort(), abandonAfterMs) : setTimeout(() => ac.abort(), 20_000);
  try {
    const res = await fetch(`${url}/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, { signal: ac.signal });
    w.status = res.status;
    w.body = await res.text();
    w.outcome = 'ended';
  } catch (err) {
    w.outcome = ac.signal.aborted ? 'aborted' : 'refused';
    if (w.outcome === 'aborted' && !w.abandoned) w.body = `no answer within 20 s: ${(err as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
  return w;
}

function got410(w: StaleWatch): boolean {
  if (w.status === 410) return true;
  const lines = w.body.trim().split('\n').filter(Boolean);
  return lines.some((l) => {
    const ev = JSON.parse(l);
    return ev.type === 'ERROR' && ev.object?.code === 410;
  });
}

test('killed and restarted 8 times under a storm of stale watches, the apiserver never dies and every stale watch gets 410', async () => {
  for (let round = 0; round < 8; round++) {
    const p = startApiserver();
    let exit: string | undefined;
    p.once('exit', (code, signal) => (exit = `exited with ${code ?? signal}`));
    const watches: Promise<StaleWatch>[] = [];
    // ~30 a second for 4 s, starting before the server listens: the first ones are
    // refused, the rest arrive while its etcd watch stream is being set up.
    for (let i = 0; i < 120; i++) {
      const rv = 1 + ((i * 11 + round * 3) % (compactedAt - 2));
      watches.push(staleWatch(rv, i % 2 === 1 ? (i * 17) % 150 : undefined));
      await sleep(33);
    }
    const results = await Promise.all(watches);
    await sleep(500); // late answers from etcd for cancelled watches
    expect(exit, `round ${round}: ${stderr.slice(-6000)}`).toBeUndefined();
    const answered = results.filter((w) => !w.abandoned && w.outcome === 'ended');
    expect(answered.length, `round ${round}: the server answered none of the stale watches`).toBeGreaterThan(20);
    for (const w of answered) expect(got410(w), `round ${round}: ${w.status} ${w.body.slice(0, 300)}`).toBe(true);
    expect(results.filter((w) => !w.abandoned && w.outcome === 'aborted').map((w) => w.body)).toEqual([]);
    await kill9(p);
  }
}, 300_000);
