// `orch get -w` when the version it resumes from has expired: the server says so with an
// ERROR event (410 Expired) or by answering the watch request itself with 410 Gone; either
// way orch starts over from the current state (resourceVersion=0) instead of asking for
// the expired version again and again. A stand-in server plays the apiserver so the
// expiry happens exactly when the test wants it.

import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { eventually } from '../helpers/eventually.js';
import { assertBuilt, ORCH_ENTRY } from '../helpers/orch-cli.js';

const columns = [
  { name: 'Name', type: 'string', format: 'name', description: '', priority: 0 },
  { name: 'Data', type: 'string', format: '', description: '', priority: 0 },
];
const row = (name: string) => ({ cells: [name, '1'], object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name, namespace: 'default', resourceVersion: '7' } } });
const table = (names: string[], rv?: string) => ({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: rv ? { resourceVersion: rv } : {}, columnDefinitions: columns, rows: names.map(row) });
const expired = { kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 410, reason: 'Expired', message: 'too old resource version: 5 (7)' };

/** Lists "old" at rv 5; a watch from 5 is expired (`how`); a watch from 0 sends "fresh". */
async function standIn(how: 'event' | 'status'): Promise<{ url: string; watches: string[]; close(): Promise<void> }> {
  const watches: string[] = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    if (url.searchParams.get('watch') !== 'true') return res.end(JSON.stringify(table(['old'], '5')));
    const rv = url.searchParams.get('resourceVersion') ?? '';
    watches.push(rv);
    if (rv === '5') {
      if (how === 'status') {
        res.statusCode = 410;
        return res.end(JSON.stringify({ ...expired, reason: 'Gone' }));
      }
      return res.end(`${JSON.stringify({ type: 'ERROR', object: expired })}\n`);
    }
    // The relist: the current state as ADDED events, then the watch stays open.
    res.write(`${JSON.stringify({ type: 'ADDED', object: table(['fresh']) })}\n`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    watches,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

describe('orch get -w after the watched version expired', () => {
  test.each([['an ERROR event', 'event'], ['a 410 answer', 'status']] as const)('%s: relists from the current state, once', async (_what, how) => {
    assertBuilt();
    const stub = await standIn(how);
    const child = spawn(process.execPath, [ORCH_ENTRY, 'get', 'configmaps', '-w', '--server', stub.url], { env: { ...process.env, ORCH_HOME: '/nonexistent-h17-cli', KUBECONFIG: '', NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually('the relisted object printed', () => out.includes('fresh'), 20_000);
      expect(out).toMatch(/^NAME\s+DATA\nold\s+1\n/);
      expect(stub.watches).toEqual(['5', '0']);
    } finally {
      child.kill('SIGKILL');
      await stub.close();
    }
  });
});
