// pods/{name}/log is proxied to the node's agent (here a stand-in HTTP server that
// records what it was asked): path, query, the apiserver's own token, streamed body.

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';

let s: TestApiServer;
let agent: http.Server;
let agentPort = 0;
const seen: { url: string; auth?: string }[] = [];
const req = (method: string, path: string, body?: unknown, opts?: Parameters<typeof apiRequest>[4]) => apiRequest(s, method, path, body, opts);
const PODS = '/api/v1/namespaces/default/pods';

beforeAll(async () => {
  agent = http.createServer((rq, rs) => {
    seen.push({ url: rq.url!, auth: rq.headers.authorization });
    if (rq.url!.includes('/missing/')) {
      rs.writeHead(404, { 'Content-Type': 'application/json' });
      rs.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'container not found' }));
      return;
    }
    rs.writeHead(200, { 'Content-Type': 'text/plain' });
    rs.write('line 1\n');
    setTimeout(() => rs.end('line 2\n'), 50);
  });
  await new Promise<void>((r) => agent.listen(0, '127.0.0.1', () => r()));
  agentPort = (agent.address() as { port: number }).port;
  s = await startTestApiServer({ server: { agentClient: { token: 'apiserver-to-agent', insecureHttp: true } } });
  await req('POST', '/api/v1/nodes', {
    metadata: { name: 'logs-node' },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: agentPort } } },
  });
  await req('POST', '/api/v1/nodes', { metadata: { name: 'no-endpoint' } });
  for (const [name, node] of [['lp', 'logs-node'], ['lp2', 'no-endpoint']] as const) {
    await req('POST', PODS, { metadata: { name }, spec: { containers: [{ name: 'main', image: 'i' }, { name: 'side', image: 'i' }] } });
    await req('POST', `${PODS}/${name}/binding`, { target: { name: node } });
  }
  await req('POST', PODS, { metadata: { name: 'pending' }, spec: { containers: [{ name: 'main', image: 'i' }] } });
});
afterAll(async () => {
  await s?.stop();
  await new Promise((r) => agent?.close(r));
});

describe('pod logs', () => {
  test('proxied to the agent with path, query and the apiserver token; body streamed back', async () => {
    const r = await req('GET', `${PODS}/lp/log?container=side&tailLines=10&timestamps=true&follow=true`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/plain');
    expect(r.body).toBe('line 1\nline 2\n');
    const last = seen[seen.length - 1]!;
    expect(last.url).toBe('/containerLogs/default/lp/side?follow=true&timestamps=true&tailLines=10');
    expect(last.auth).toBe('Bearer apiserver-to-agent');
  });

  test('a pod with several containers needs ?container=', async () => {
    const r = await req('GET', `${PODS}/lp/log`);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('main side');
    expect((await req('GET', `${PODS}/lp/log?container=nope`)).status).toBe(400);
  });

  test('clear errors: unscheduled pod 400, node without endpoint 503, agent Status passed through', async () => {
    let r = await req('GET', `${PODS}/pending/log`);
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('does not have a host');
    r = await req('GET', `${PODS}/lp2/log?container=main`);
    expect(r.status).toBe(503);
    expect(r.body.message).toContain('no-endpoint');
    await req('POST', PODS, { metadata: { name: 'missing' }, spec: { containers: [{ name: 'main', image: 'i' }] } });
    await req('POST', `${PODS}/missing/binding`, { target: { name: 'logs-node' } });
    r = await req('GET', `${PODS}/missing/log`);
    expect(r.status).toBe(404);
    expect(r.body.message).toBe('container not found');
  });
});

describe('pod logs over HTTPS to the agent', () => {
  test('the agent certificate is verified against --agent-ca-file', async () => {
    const { generateCA, generateServerCert } = await import('../../apiserver/pki.js');
    const https = await import('node:https');
    const ca = generateCA({ commonName: 'agent-ca' });
    const cert = generateServerCert(ca, { commonName: 'agent' });
    const tlsAgent = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (rq, rs) => {
      rs.writeHead(200, { 'Content-Type': 'text/plain' });
      rs.end(`secure ${rq.headers.authorization}\n`);
    });
    await new Promise<void>((r) => tlsAgent.listen(0, '127.0.0.1', () => r()));
    const port = (tlsAgent.address() as { port: number }).port;
    const good = await startTestApiServer({ etcd: s.etcd, server: { agentClient: { token: 't0k', ca: ca.certPem } } });
    const wrongCa = generateCA({ commonName: 'other-ca' });
    const bad = await startTestApiServer({ etcd: s.etcd, server: { agentClient: { token: 't0k', ca: wrongCa.certPem } } });
    try {
      for (const srv of [good, bad]) {
        await apiRequest(srv, 'POST', '/api/v1/nodes', {
          metadata: { name: 'tls-node' },
          status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
        });
        await apiRequest(srv, 'POST', PODS, { metadata: { name: 'tp' }, spec: { containers: [{ name: 'main', image: 'i' }] } });
        await apiRequest(srv, 'POST', `${PODS}/tp/binding`, { target: { name: 'tls-node' } });
      }
      const ok = await apiRequest(good, 'GET', `${PODS}/tp/log`);
      expect(ok.status).toBe(200);
      expect(ok.body).toBe('secure Bearer t0k\n');
      const refused = await apiRequest(bad, 'GET', `${PODS}/tp/log`);
      expect(refused.status).toBe(503);
      expect(refused.body.message).toContain('cannot reach the agent');
    } finally {
      await good.stop();
      await bad.stop();
      await new Promise((r) => tlsAgent.close(r));
    }
  });
});
