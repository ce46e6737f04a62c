// `kubectl top pods|nodes` (v1.32, the reference client) and `orch top` against one real
// apiserver whose metrics store is fed known figures: both print the same lines, and the
// lines are literal here (kubectl's rounding: CPU millicores up, memory MiB down,
// percentages of allocatable down), so the test also fails if both printed the same
// wrong thing. Also: -A, -l, --containers, --sort-by, one object, a user without rights.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { NodeSummary } from '../../api/metrics-types.js';
import { ApiClient } from '../../client/rest-client.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { assertBuilt } from '../helpers/orch-cli.js';

let s: TestApiServer;
let dir: string;
let clients: Clients;
const time = '2026-01-01T00:00:00Z';
const Mi = 1024 * 1024;
const stats = (nanoCores: number, bytes: number) => ({ cpu: { time, usageNanoCores: nanoCores, usageCoreNanoSeconds: 1 }, memory: { time, workingSetBytes: bytes, usageBytes: bytes } });

function summary(node: string, cpu: number, mem: number, pods: Array<[string, string, Record<string, string>, Array<[string, number, number]>]>): NodeSummary {
  return {
    node: { nodeName: node, ...stats(cpu, mem) },
    windowSeconds: 5,
    pods: pods.map(([ns, name, labels, cs]) => ({ podRef: { namespace: ns, name, uid: name }, labels, containers: cs.map(([c, cc, m]) => ({ name: c, ...stats(cc, m) })) })),
  };
}

beforeAll(async () => {
  assertBuilt();
  s = await startTestApiServer({ tls: true, users: [{ name: 'nobody' }], server: { metricResolutionMs: 60_000 } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-top-'));
  clients = cliClients(s, dir);
  const client = new ApiClient({ server: s.url, token: s.token, ca: s.ca });
  for (const [name, cpu, mem, zone] of [['top-n1', '4', '8Gi', 'a'], ['top-n2', '2', '4Gi', 'b'], ['top-n3', '1', '1Gi', 'b']] as const) {
    await client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { zone } }, spec: {}, status: { capacity: { cpu, memory: mem }, allocatable: { cpu, memory: mem } } });
  }
  await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } });
  client.close();
  await s.api.metricsScraper!.nodesSynced;
  const store = s.api.resourceMetrics!;
  store.ingest('top-n1', summary('top-n1', 1_234_567_890, 3000 * Mi + 12345, [
    ['shop', 'web-1', { app: 'web' }, [['app', 150_000_001, 100 * Mi + 5], ['sidecar', 2_000_000, 10 * Mi]]],
    ['shop', 'db-0', { app: 'db' }, [['db', 50_000_000, 700 * Mi]]],
  ]), { zone: 'a' });
  store.ingest('top-n2', summary('top-n2', 300_000_000, 512 * Mi, [['default', 'tool', { app: 'tool' }, [['main', 1, 1 * Mi]]]]), { zone: 'b' });
  // top-n3 has no figures: <unknown>.
});

afterAll(async () => {
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

async function both(args: string[]): Promise<string> {
  const [k, o] = await Promise.all([clients.kubectl(['top', ...args]), clients.orch(['top', ...args])]);
  expect(k.stderr).toBe('');
  expect(k.code).toBe(0);
  expect({ code: o.code, stderr: o.stderr }).toEqual({ code: 0, stderr: '' });
  expect(o.stdout).toBe(k.stdout);
  return o.stdout;
}

describe('kubectl top and orch top print the same', () => {
  test('pods of one namespace, -l, --sort-by', async () => {
    expect(await both(['pods', '-n', 'shop'])).toBe(['NAME    CPU(cores)   MEMORY(bytes)   ', 'db-0    50m          700Mi           ', 'web-1   153m         110Mi           ', ''].join('\n'));
    expect(await both(['pods', '-n', 'shop', '-l', 'app=web'])).toContain('web-1   153m');
    const byCpu = await both(['pods', '-n', 'shop', '--sort-by', 'cpu']);
    expect(byCpu.split('\n')[1]).toMatch(/^web-1/);
    const byMem = await both(['pods', '-n', 'shop', '--sort-by', 'memory']);
    expect(byMem.split('\n')[1]).toMatch(/^db-0/);
  });

  test('pods of all namespaces, with --containers', async () => {
    const all = await both(['pods', '-A']);
    expect(all.split('\n').map((l) => l.trimEnd())).toEqual(['NAMESPACE   NAME    CPU(cores)   MEMORY(bytes)', 'default     tool    1m           1Mi', 'shop        db-0    50m          700Mi', 'shop        web-1   153m         110Mi', '']);
    const containers = await both(['pods', '-n', 'shop', '--containers']);
    expect(containers.split('\n').map((l) => l.trimEnd())).toEqual(['POD     NAME      CPU(cores)   MEMORY(bytes)', 'db-0    db        50m          700Mi', 'web-1   app       151m         100Mi', 'web-1   sidecar   2m           10Mi', '']);
    await both(['pods', '-A', '--containers']);
    expect(await both(['pod', 'web-1', '-n', 'shop'])).toContain('web-1   153m         110Mi');
  });

  test('nodes: usage and share of allocatable; a node without figures is <unknown>; -l', async () => {
    const nodes = await both(['nodes']);
    expect(nodes.split('\n').map((l) => l.trimEnd())).toEqual([
      'NAME     CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)',
      'top-n1   1235m        30%         3000Mi          36%',
      'top-n2   300m         15%         512Mi           12%',
      'top-n3   <unknown>    <unknown>   <unknown>       <unknown>',
      '',
    ]);
    expect((await both(['nodes', '-l', 'zone=b'])).split('\n').map((l) => l.split(/\s+/)[0])).toEqual(['NAME', 'top-n2', 'top-n3', '']);
    await both(['nodes', '--sort-by', 'memory']);
    expect(await both(['node', 'top-n2'])).toContain('top-n2   300m');
  });

  test('a user without rights gets the 403 from both', async () => {
    const nobodyDir = fs.mkdtempSync(path.join(dir, 'nobody-'));
    const nobody = cliClients({ url: s.url, ca: s.ca, token: s.userTokens.nobody! }, nobodyDir);
    const k = await nobody.kubectl(['top', 'pods', '-n', 'shop']);
    const o = await nobody.orch(['top', 'pods', '-n', 'shop']);
    expect(k, JSON.stringify(k)).toMatchObject({ code: 1 });
    expect(o.code).not.toBe(0);
    expect(k.stderr).toContain('forbidden');
    expect(o.stderr).toContain('forbidden');
  });
});
