// The apiserver bench's harness at toy size, against a real etcd and the real apiserver
// process (dist/cli/main.js, built by `npm test` before vitest runs): every phase must
// measure what it claims (all pods listed, every watch event delivered and matched) and
// stopping must leave no process behind. Figures are not checked: speed belongs to bench/.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateToken, writeTokenFile } from '../../foundation/token-file.js';
import { startApiServerProcess, type ApiServerProcess } from '../lib/apiserver-process.js';
import { startEtcd, type TestEtcd } from '../lib/etcd.js';
import { BenchHttp } from '../lib/http.js';
import { readRss } from '../lib/rss.js';
import { createPods, topUpListNamespace } from './creates.js';
import { timeList } from './list.js';
import { namespaceManifest, podKeyPrefix, podManifest, podName } from './pods.js';
import { RawEtcd } from './raw-etcd.js';
import { watchLatency } from './watch.js';

let dir: string;
let etcd: TestEtcd;
let api: ApiServerProcess;
let http: BenchHttp;
let raw: RawEtcd;
let token: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-bench-harness-'));
  etcd = await startEtcd();
  token = generateToken();
  const tokens = path.join(dir, 'tokens.csv');
  writeTokenFile(tokens, [{ token, user: 'admin', uid: 'a', groups: ['system:masters'] }]);
  api = await startApiServerProcess({ etcdEndpoint: etcd.endpoint, workDir: dir, tokenAuthFile: tokens });
  http = new BenchHttp({ baseUrl: api.url, token, maxSockets: 4 });
  raw = new RawEtcd(etcd.endpoint);
  for (const ns of ['h-list', 'h-extra', 'h-watch']) await http.expect('POST', '/api/v1/namespaces', [201], JSON.stringify(namespaceManifest(ns)));
});

afterAll(async () => {
  http?.close();
  await raw?.close();
  await api?.stop();
  await etcd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('apiserver bench harness', () => {
  it('the apiserver runs as its own process and requires the token', async () => {
    expect(api.pid).not.toBe(process.pid);
    expect(readRss(api.pid).rss).toBeGreaterThan(10 * 1024 * 1024);
    const anon = new BenchHttp({ baseUrl: api.url, maxSockets: 1 });
    expect((await anon.request('GET', '/api/v1/namespaces')).status).toBe(401);
    anon.close();
  });

  it('creates, tops up and lists exactly the list namespace', async () => {
    const created = new Set<number>();
    const r = await createPods(http, { concurrency: 4, maxPods: 30, maxMs: 60_000, listNs: 'h-list', listCount: 20, extraNs: 'h-extra' }, created);
    expect(r.done).toBe(30);
    expect(r.errors).toBe(0);
    expect(await topUpListNamespace(http, { concurrency: 4, listNs: 'h-list', listCount: 20 }, created)).toBe(0);
    const l = await timeList(http, '/api/v1/namespaces/h-list/pods', 20, 2);
    expect(l.all).toHaveLength(2);
    await expect(timeList(http, '/api/v1/namespaces/h-extra/pods', 20, 1)).rejects.toThrow(/returned 10 items, expected 20/);
    // The baseline reads the same keys the apiserver wrote.
    expect((await raw.rangeGet(podKeyPrefix('h-list'))).count).toBe(20);
    expect((await raw.getBuffer(`${podKeyPrefix('h-list')}${podName(0)}`)).length).toBeGreaterThan(200);
  });

  it('delivers and matches every watch event, on orch and on raw etcd', async () => {
    const names = ['w-0', 'w-1', 'w-2'];
    for (const n of names) await http.expect('POST', '/api/v1/namespaces/h-watch/pods', [201], JSON.stringify(podManifest('h-watch', n)));
    const writer = new BenchHttp({ baseUrl: api.url, token, maxSockets: 8 });
    try {
      const w = await watchLatency(http, writer, { namespace: 'h-watch', podNames: names, watchers: 3, ratePerSec: 40, durationMs: 1000 });
      expect(w.writes.done).toBe(40);
      expect(w.received).toEqual([40, 40, 40]);
      expect(w.fromAck.count).toBe(120);
      expect(w.fromSend.count).toBe(120);
      expect(w.disconnected).toBe(0);
      expect(w.errors).toBe(0);
    } finally {
      writer.close();
    }
    const template = JSON.stringify(podManifest('x', 'raw'));
    const r = await raw.watchLatency({
      prefix: '/h-raw/', watchers: 3, ratePerSec: 40, durationMs: 1000, keys: 3,
      value: (t) => template.replace('"annotations":{', `"annotations":{"bench.orch.io/sent":"${t.toFixed(3)}",`),
    });
    expect(r.received).toEqual([40, 40, 40]);
    expect(r.fromSend.count).toBe(120);
  });

  it('stop() ends the apiserver process', async () => {
    const other = await startApiServerProcess({ etcdEndpoint: etcd.endpoint, workDir: dir });
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
  });
});
