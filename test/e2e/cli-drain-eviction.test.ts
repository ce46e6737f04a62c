// How `orch drain` talks to pods/eviction, against a stand-in server that answers as a
// Kubernetes apiserver with PodDisruptionBudgets would (orch's own eviction subresource
// is other work): a 429 is retried every 5 s with kubectl's message until the eviction is
// accepted; a 404 for the eviction while the pod still exists means the server has no
// eviction subresource, and the pod is deleted instead.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { assertBuilt, runOrch } from '../helpers/orch-cli.js';

interface Stub {
  url: string;
  log: string[];
  close(): Promise<void>;
}

const status = (code: number, reason: string, message: string) => ({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });

/** A node "n1" with one managed pod "p" in "shop"; `evict` answers each eviction POST. */
async function stub(evict: (attempt: number) => { code: number; body: unknown }): Promise<Stub> {
  const log: string[] = [];
  let attempts = 0;
  let podGone = false;
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', resourceVersion: '1' }, spec: {} as Record<string, unknown> };
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop', uid: 'u1', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'r', controller: true }] }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      log.push(`${req.method} ${url.pathname}${body ? ` ${body}` : ''}`);
      const send = (code: number, obj: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj));
      };
      if (url.pathname === '/api/v1/nodes/n1' && req.method === 'GET') return send(200, node);
      if (url.pathname === '/api/v1/nodes/n1' && req.method === 'PATCH') {
        node.spec.unschedulable = true;
        return send(200, node);
      }
      if (url.pathname === '/api/v1/pods') return send(200, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: podGone ? [] : [pod] });
      if (url.pathname === '/api/v1/namespaces/shop/pods/p/eviction') {
        const answer = evict(++attempts);
        if (answer.code < 300) podGone = true;
        return send(answer.code, answer.body);
      }
      if (url.pathname === '/api/v1/namespaces/shop/pods/p' && req.method === 'DELETE') {
        podGone = true;
        return send(200, pod);
      }
      if (url.pathname === '/api/v1/namespaces/shop/pods/p') return podGone ? send(404, status(404, 'NotFound', 'pods "p" not found')) : send(200, pod);
      return send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, log, close: () => new Promise((r) => server.close(() => r())) };
}

let current: Stub | undefined;
afterEach(async () => {
  await current?.close();
  current = undefined;
});

describe('orch drain and pods/eviction', () => {
  test('429 from a disruption budget: retried every 5 s with kubectl\'s message, then evicted', async () => {
    assertBuilt();
    const budget = 'Cannot evict pod as it would violate the pod\'s disruption budget.';
    current = await stub((n) => (n === 1 ? { code: 429, body: status(429, 'TooManyRequests', budget) } : { code: 201, body: status(201, '', '') }));
    const r = await runOrch(['drain', 'n1', '--server', current.url, '--timeout', '60s'], { env: { ORCH_HOME: '/nonexistent-h17-cli' } });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`error when evicting pods/"p" -n "shop" (will retry after 5s): ${budget}`);
    expect(r.stdout.split('\n')).toEqual(['node/n1 cordoned', 'evicting pod shop/p', 'pod/p evicted', 'node/n1 drained', '']);
    const evictions = current.log.filter((l) => l.startsWith('POST /api/v1/namespaces/shop/pods/p/eviction'));
    expect(evictions).toHaveLength(2);
    expect(JSON.parse(evictions[0]!.slice(evictions[0]!.indexOf('{')))).toEqual({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'p', namespace: 'shop' } });
  }, 30_000);

  test('no eviction subresource (404 while the pod exists): the pod is deleted', async () => {
    current = await stub(() => ({ code: 404, body: status(404, 'NotFound', 'the server could not find the requested resource') }));
    const r = await runOrch(['drain', 'n1', '--server', current.url, '--grace-period', '0'], { env: { ORCH_HOME: '/nonexistent-h17-cli' } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('pod/p deleted');
    expect(current.log.some((l) => l.startsWith('DELETE /api/v1/namespaces/shop/pods/p'))).toBe(true);
  });

  test('--timeout ends a drain a budget keeps refusing', async () => {
    current = await stub(() => ({ code: 429, body: status(429, 'TooManyRequests', 'Cannot evict pod as it would violate the pod\'s disruption budget.') }));
    const r = await runOrch(['drain', 'n1', '--server', current.url, '--timeout', '3s'], { env: { ORCH_HOME: '/nonexistent-h17-cli' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/global timeout reached: 3s/);
  }, 30_000);
});
