// pods/{name}/exec, attach and portforward are Upgrade requests the apiserver checks and
// then proxies to the pod's agent byte for byte (apiserver/routes/pod-streams.ts). Here the
// agent is a stand-in that speaks WebSocket with `ws` and records what it was asked: the
// kubelet path, the client's query and subprotocols, the apiserver's own credential. The
// real agent's handlers (exec, port-forward) have their own tests with real containers.

import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';

let s: TestApiServer;
let agent: http.Server;
let agentPort = 0;
const seen: { url: string; auth?: string; protocol?: string; method?: string }[] = [];
const req = (method: string, path: string, body?: unknown) =>
  apiRequest(s, method, path, body, method === 'PATCH' ? { contentType: 'application/merge-patch+json' } : undefined);
const PODS = '/api/v1/namespaces/default/pods';
const wsUrl = (path: string) => `${s.url.replace(/^http/, 'ws')}${path}`;

/** Opens a WebSocket through the apiserver; resolves with the socket or the refusal's status and Status body. */
function open(path: string, token: string | undefined = s.token, protocols = ['v5.channel.k8s.io', 'v4.channel.k8s.io']) {
  return new Promise<{ ws?: WebSocket; status?: number; body?: any }>((resolve) => {
    const ws = new WebSocket(wsUrl(path), protocols, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_rq, res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : undefined }));
    });
    ws.on('error', () => undefined);
  });
}

beforeAll(async () => {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => [...p][0] ?? false });
  agent = http.createServer((_rq, rs) => rs.writeHead(404).end());
  agent.on('upgrade', (rq, socket, head) => {
    seen.push({ url: rq.url!, auth: rq.headers.authorization, protocol: rq.headers['sec-websocket-protocol'], method: rq.method });
    if (rq.url!.includes('/gone/')) {
      const body = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'NotFound', code: 404, message: 'container "main" in pod "gone" is not running' });
      socket.end(`HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      return;
    }
    if (rq.url!.includes('/denied/')) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    // Echoes every message back, prefixed with the path it was opened on.
    wss.handleUpgrade(rq, socket, head, (ws) => ws.on('message', (m, binary) => ws.send(binary ? Buffer.concat([Buffer.from([1]), m as Buffer]) : `${rq.url}:${m}`)));
  });
  await new Promise<void>((r) => agent.listen(0, '127.0.0.1', () => r()));
  agentPort = (agent.address() as { port: number }).port;
  s = await startTestApiServer({ nodeNames: ['streams-node'], server: { agentClient: { token: 'apiserver-to-agent', insecureHttp: true } } });
  await req('POST', '/api/v1/nodes', {
    metadata: { name: 'streams-node' },
    status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: agentPort } } },
  });
  const pod = (name: string, containers: string[], extra: Record<string, unknown> = {}) =>
    req('POST', PODS, { metadata: { name, ...extra }, spec: { nodeName: 'streams-node', containers: containers.map((c) => ({ name: c, image: 'i' })) } });
  await pod('one', ['main']);
  await pod('two', ['main', 'side']);
  await pod('annotated', ['main', 'side'], { annotations: { 'kubectl.kubernetes.io/default-container': 'side' } });
  await pod('gone', ['main']);
  await pod('denied', ['main']);
  await req('POST', PODS, { metadata: { name: 'pending' }, spec: { containers: [{ name: 'main', image: 'i' }] } });
  await pod('done', ['main']);
  expect((await req('PATCH', `${PODS}/done/status`, { status: { phase: 'Succeeded' } })).status).toBe(200);
});
afterAll(async () => {
  await s?.stop();
  await new Promise((r) => agent?.close(r));
});

describe('pods/exec, attach and portforward are proxied to the agent', () => {
  test('exec: the kubelet path with the client query, the agent credential, the subprotocol, and messages both ways', async () => {
    const { ws } = await open(`${PODS}/one/exec?command=sh&command=-c&command=echo%20hi&stdout=true&stderr=true`);
    expect(ws!.protocol).toBe('v5.channel.k8s.io');
    const last = seen[seen.length - 1]!;
    expect(last.url).toBe('/exec/default/one/main?command=sh&command=-c&command=echo%20hi&stdout=true&stderr=true');
    expect(last.auth).toBe('Bearer apiserver-to-agent');
    expect(last.protocol?.split(/,\s*/)).toEqual(['v5.channel.k8s.io', 'v4.channel.k8s.io']);
    const text = new Promise<string>((r) => ws!.once('message', (m) => r(String(m))));
    ws!.send('hello');
    expect(await text).toBe('/exec/default/one/main?command=sh&command=-c&command=echo%20hi&stdout=true&stderr=true:hello');
    // A megabyte each way, binary, intact.
    const big = Buffer.alloc(1 << 20, 7);
    const back = new Promise<Buffer>((r) => ws!.once('message', (m) => r(m as Buffer)));
    ws!.send(big);
    const got = await back;
    expect(got.length).toBe(big.length + 1);
    expect(got.subarray(1).equals(big)).toBe(true);
    ws!.close();
  });

  test('attach and portforward go to their kubelet paths; POST upgrades are forwarded as POST', async () => {
    (await open(`${PODS}/two/attach?container=side&stdin=true&tty=true`)).ws!.close();
    expect(seen[seen.length - 1]!.url).toBe('/attach/default/two/side?container=side&stdin=true&tty=true');
    (await open(`${PODS}/one/portforward?ports=8080&ports=9090`, s.token, ['portforward.k8s.io'])).ws!.close();
    expect(seen[seen.length - 1]).toMatchObject({ url: '/portForward/default/one?ports=8080&ports=9090', protocol: 'portforward.k8s.io' });
    // kubectl's tunnelled SPDY names a subprotocol with a '/', which the ws client refuses to send: by hand.
    await rawUpgrade('GET', `${PODS}/one/portforward`, {
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Protocol': 'SPDY/3.1+portforward.k8s.io',
    });
    expect(seen[seen.length - 1]).toMatchObject({ url: '/portForward/default/one', protocol: 'SPDY/3.1+portforward.k8s.io', method: 'GET' });
    // kubectl's SPDY fallback is a POST with Upgrade: SPDY/3.1.
    const r = await rawUpgrade('POST', `${PODS}/one/portforward`, { Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io' });
    expect(seen[seen.length - 1]).toMatchObject({ url: '/portForward/default/one', method: 'POST' });
    expect(r).toBe('HTTP/1.1 405 Method Not Allowed'); // the stand-in (ws) takes only GET: its answer is relayed
  });

  test('the container: the annotated default, else the only one; several without a name is 400 listing them', async () => {
    (await open(`${PODS}/annotated/exec?command=true`)).ws!.close();
    expect(seen[seen.length - 1]!.url).toBe('/exec/default/annotated/side?command=true');
    const r = await open(`${PODS}/two/exec?command=true`);
    expect(r.status).toBe(400);
    expect(r.body.message).toBe('a container name must be specified for pod two, choose one of: [main side]');
    const bad = await open(`${PODS}/two/exec?command=true&container=nope`);
    expect(bad).toMatchObject({ status: 400, body: { kind: 'Status', message: 'container nope is not valid for pod two' } });
  });

  test('refusals are Statuses: 401 without a token, 403 for a node, 404 missing pod, 400 unscheduled or completed pod', async () => {
    const before = seen.length;
    expect((await open(`${PODS}/one/exec?command=true`, '')).status).toBe(401);
    expect((await open(`${PODS}/one/exec?command=true`, 'wrong')).status).toBe(401);
    const node = await open(`${PODS}/one/exec?command=true`, s.nodeTokens['streams-node']);
    expect(node.status).toBe(403);
    expect(node.body.message).toContain('cannot create resource "pods/exec"');
    expect(await open(`${PODS}/nope/exec?command=true`)).toMatchObject({ status: 404, body: { reason: 'NotFound' } });
    expect(await open(`${PODS}/pending/exec?command=true`)).toMatchObject({ status: 400, body: { message: 'pod pending does not have a host assigned' } });
    expect(await open(`${PODS}/done/attach`)).toMatchObject({ status: 400, body: { message: 'cannot attach into a container in a completed pod; current phase is Succeeded' } });
    expect(await open(`/api/v1/namespaces/default/services/one/exec`)).toMatchObject({ status: 400 });
    expect(seen.length).toBe(before);
  });

  test("the agent's refusal reaches the client; an agent refusing the apiserver is a 503, not the caller's 401", async () => {
    expect(await open(`${PODS}/gone/exec?command=true`)).toMatchObject({ status: 404, body: { message: 'container "main" in pod "gone" is not running' } });
    const r = await open(`${PODS}/denied/exec?command=true`);
    expect(r.status).toBe(503);
    expect(r.body.message).toContain("refused the apiserver's credentials (HTTP 401)");
  });

  test('a plain request (no Upgrade) is 400 "Upgrade request required"', async () => {
    const r = await req('POST', `${PODS}/one/exec?command=true`);
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^Upgrade request required/);
  });

  test('discovery lists the stream subresources as Kubernetes does', async () => {
    const r = await req('GET', '/api/v1');
    const names = r.body.resources.filter((x: { name: string }) => x.name.startsWith('pods/')).map((x: { name: string; kind: string }) => `${x.name}:${x.kind}`);
    expect(names).toEqual(expect.arrayContaining(['pods/exec:PodExecOptions', 'pods/attach:PodAttachOptions', 'pods/portforward:PodPortForwardOptions']));
  });
});

/** Sends an Upgrade request by hand and returns the first line of the answer. */
function rawUpgrade(method: string, path: string, headers: Record<string, string>): Promise<string> {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname, () => {
      const h = Object.entries({ Host: u.host, Authorization: `Bearer ${s.token}`, Connection: 'Upgrade', 'Content-Length': '0', ...headers })
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n');
      sock.write(`${method} ${path} HTTP/1.1\r\n${h}\r\n\r\n`);
    });
    let text = '';
    sock.on('data', (c) => {
      text += c;
      if (text.includes('\r\n')) {
        resolve(text.split('\r\n')[0]!);
        sock.destroy();
      }
    });
    sock.on('error', reject);
  });
}
