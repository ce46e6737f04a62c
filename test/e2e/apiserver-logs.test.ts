// pods/{name}/log is proxied to the node's agent (here a stand-in server that records
// what it was asked): path, checked query, the apiserver's own credential, streamed body;
// the agent's certificate must be its node's; no API credential ever goes to an agent.

import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AgentClientOptions } from '../../apiserver/context.js';
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
    if (rq.url!.includes('/denied/')) {
      rs.writeHead(401, { 'Content-Type': 'application/json' });
      rs.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Unauthorized', code: 401, message: 'Unauthorized' }));
      return;
    }
    if (rq.url!.includes('/missing/')) {
      rs.writeHead(404, { 'Content-Type': 'application/json' });
      rs.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'container not found' }));
      return;
    }
    rs.writeHead(200, { 'Content-Type': 'text/plain' });
    rs.write('line 1\n');
    // A quiet log (follow): longer than the apiserver's 10 s for reaching the agent.
    setTimeout(() => rs.end('line 2\n'), rq.url!.includes('/quiet/') ? 11_000 : 50);
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

  test('a quiet log is not cut by the timeout for reaching the agent', async () => {
    await req('POST', PODS, { metadata: { name: 'quiet' }, spec: { nodeName: 'logs-node', containers: [{ name: 'main', image: 'i' }] } });
    const r = await req('GET', `${PODS}/quiet/log?follow=true`);
    expect(r.status).toBe(200);
    expect(r.body).toBe('line 1\nline 2\n');
  }, 30_000);

  test('without ?container=: the default-container annotation, or the only app container; init containers can be named', async () => {
    await req('POST', PODS, {
      metadata: { name: 'annotated', annotations: { 'kubectl.kubernetes.io/default-container': 'side' } },
      spec: { nodeName: 'logs-node', initContainers: [{ name: 'setup', image: 'i' }], containers: [{ name: 'main', image: 'i' }, { name: 'side', image: 'i' }] },
    });
    expect((await req('GET', `${PODS}/annotated/log`)).status).toBe(200);
    expect(seen[seen.length - 1]!.url).toBe('/containerLogs/default/annotated/side');
    expect((await req('GET', `${PODS}/annotated/log?container=setup`)).status).toBe(200);
    expect(seen[seen.length - 1]!.url).toBe('/containerLogs/default/annotated/setup');
    await req('POST', PODS, { metadata: { name: 'one-app' }, spec: { nodeName: 'logs-node', initContainers: [{ name: 'setup', image: 'i' }], containers: [{ name: 'app', image: 'i' }] } });
    expect((await req('GET', `${PODS}/one-app/log`)).status).toBe(200);
    expect(seen[seen.length - 1]!.url).toBe('/containerLogs/default/one-app/app');
    // An annotation naming no container of the pod is no choice at all.
    await req('POST', PODS, { metadata: { name: 'bad-annotation', annotations: { 'kubectl.kubernetes.io/default-container': 'nope' } }, spec: { nodeName: 'logs-node', containers: [{ name: 'a', image: 'i' }, { name: 'b', image: 'i' }] } });
    const r = await req('GET', `${PODS}/bad-annotation/log`);
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('a container name must be specified for pod bad-annotation, choose one of: [a b]');
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

describe('pod log options are checked like Kubernetes before the agent is asked', () => {
  test('unreadable values are 400, out-of-range values 422 naming the field; valid ones are passed on', async () => {
    const before = seen.length;
    let r = await req('GET', `${PODS}/lp/log?container=main&sinceSeconds=99999999999999999999`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expect(r.body.message).toContain('sinceSeconds');
    r = await req('GET', `${PODS}/lp/log?container=main&tailLines=-1&limitBytes=0`);
    expect(r.status).toBe(422);
    expect(r.body.details.causes.map((c: { field: string }) => c.field)).toEqual(['tailLines', 'limitBytes']);
    r = await req('GET', `${PODS}/lp/log?container=main&sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z`);
    expect(r.status).toBe(422);
    expect(r.body.message).toContain('at most one of `sinceTime` or `sinceSeconds`');
    expect((await req('GET', `${PODS}/lp/log?container=main&follow=maybe`)).status).toBe(400);
    expect(seen.length).toBe(before);
    r = await req('GET', `${PODS}/lp/log?container=main&sinceTime=2024-01-01T00:00:00Z&limitBytes=3&tailLines=9223372036854775807`);
    expect(r.status).toBe(200);
    expect(seen[seen.length - 1]!.url).toBe('/containerLogs/default/lp/main?tailLines=9007199254740991&sinceTime=2024-01-01T00%3A00%3A00Z&limitBytes=3');
  });
});

describe('the apiserver never sends an API credential to an agent', () => {
  test('an agent token the API accepts is refused with a Status; the agent receives nothing', async () => {
    // The same object the server reads per request: the token is set once the server's own
    // admin token is known (as if the token file had started accepting it).
    const agentClient: AgentClientOptions = { insecureHttp: true };
    const leaky = await startTestApiServer({ etcd: s.etcd, server: { agentClient } });
    agentClient.token = leaky.token;
    try {
      await apiRequest(leaky, 'POST', '/api/v1/nodes', {
        metadata: { name: 'logs-node' },
        status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: agentPort } } },
      });
      await apiRequest(leaky, 'POST', PODS, { metadata: { name: 'lk' }, spec: { nodeName: 'logs-node', containers: [{ name: 'main', image: 'i' }] } });
      const before = seen.length;
      const r = await apiRequest(leaky, 'GET', `${PODS}/lk/log`);
      expect(r.status).toBe(503);
      expect(r.body.message).toContain('refusing to send --agent-token-file to agents: the API accepts that token (user "admin")');
      expect(seen.length).toBe(before);
    } finally {
      await leaky.stop();
    }
  });

  test('an agent refusing the apiserver is not reported as the caller\'s 401', async () => {
    await req('POST', PODS, { metadata: { name: 'denied' }, spec: { nodeName: 'logs-node', containers: [{ name: 'main', image: 'i' }] } });
    const r = await req('GET', `${PODS}/denied/log`);
    expect(r.status).toBe(503);
    expect(r.body.message).toContain('refused the apiserver\'s credentials (HTTP 401)');
  });
});

describe('pod logs over HTTPS to the agent', () => {
  test('the agent certificate is verified against --agent-ca-file and the node name; the apiserver authenticates with its client certificate', async () => {
    const { generateAgentServingCert, generateCA, generateClientCert } = await import('../../foundation/pki.js');
    const https = await import('node:https');
    const ca = generateCA({ commonName: 'agent-ca' });
    const client = generateClientCert(ca, { commonName: 'orch:apiserver-kubelet-client' });
    const serve = (cert: { certPem: string; keyPem: string }) =>
      https.createServer({ key: cert.keyPem, cert: cert.certPem, ca: ca.certPem, requestCert: true, rejectUnauthorized: true }, (rq, rs) => {
        const peer = (rq.socket as import('node:tls').TLSSocket).getPeerCertificate();
        rs.writeHead(200, { 'Content-Type': 'text/plain' });
        rs.end(`secure ${peer.subject.CN} ${rq.headers.authorization ?? 'no token'}\n`);
      });
    const right = serve(generateAgentServingCert(ca, { nodeName: 'tls-node', ipAddresses: ['127.0.0.1'] }));
    const otherNode = serve(generateAgentServingCert(ca, { nodeName: 'other-node', ipAddresses: ['127.0.0.1'] }));
    const ports: number[] = [];
    for (const srv of [right, otherNode]) {
      await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
      ports.push((srv.address() as { port: number }).port);
    }
    const agentClient = { ca: ca.certPem, clientCert: client.certPem, clientKey: client.keyPem };
    const good = await startTestApiServer({ etcd: s.etcd, server: { agentClient } });
    const bad = await startTestApiServer({ etcd: s.etcd, server: { agentClient: { ...agentClient, ca: generateCA({ commonName: 'other-ca' }).certPem } } });
    const setPort = (srv: TestApiServer, port: number) =>
      apiRequest(srv, 'PUT', '/api/v1/nodes/tls-node/status', {
        metadata: { name: 'tls-node' },
        status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
      });
    try {
      for (const srv of [good, bad]) {
        await apiRequest(srv, 'POST', '/api/v1/nodes', { metadata: { name: 'tls-node' } });
        await setPort(srv, ports[0]!);
        await apiRequest(srv, 'POST', PODS, { metadata: { name: 'tp' }, spec: { containers: [{ name: 'main', image: 'i' }] } });
        await apiRequest(srv, 'POST', `${PODS}/tp/binding`, { target: { name: 'tls-node' } });
      }
      const ok = await apiRequest(good, 'GET', `${PODS}/tp/log`);
      expect(ok.status).toBe(200);
      expect(ok.body).toBe('secure orch:apiserver-kubelet-client no token\n');
      const refused = await apiRequest(bad, 'GET', `${PODS}/tp/log`);
      expect(refused.status).toBe(503);
      expect(refused.body.message).toContain('cannot reach the agent');
      // The node points its endpoint at another node's agent: the certificate names the wrong node.
      await setPort(good, ports[1]!);
      const wrong = await apiRequest(good, 'GET', `${PODS}/tp/log`);
      expect(wrong.status).toBe(503);
      expect(wrong.body.message).toBe(
        'the agent endpoint of node "tls-node" (127.0.0.1:' + ports[1] + ') did not present node tls-node\'s certificate: the certificate is for "system:node:other-node", not "system:node:tls-node"; nothing was sent to it',
      );
    } finally {
      await good.stop();
      await bad.stop();
      for (const srv of [right, otherNode]) await new Promise((r) => srv.close(r));
    }
  });
});
