// ApiClient against a tiny in-process HTTP server that records requests and answers as
// scripted: request shapes, error mapping, timeouts, watch streaming. Behaviour against
// the real apiserver is in test/e2e/client-rest.test.ts.
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, isConflict, isNotFound, isUnavailable } from '../api/errors.js';
import type { Pod } from '../api/types.js';
import { freePort } from '../test/helpers/ports.js';
import { ApiClient } from './rest-client.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

let server: http.Server;
let url: string;
const seen: Seen[] = [];
let handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void = (_q, res) => res.end('{}');

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const json = (res: http.ServerResponse, code: number, body: unknown) => {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};
const last = () => seen[seen.length - 1]!;

describe('ApiClient request shapes', () => {
  it('sends the bearer token, JSON bodies and the right paths and verbs', async () => {
    handler = (req, res, body) => json(res, 200, body ? JSON.parse(body) : { kind: 'PodList', metadata: {}, items: [] });
    const c = new ApiClient({ server: url, token: 'sekret', userAgent: 'orch-test' });
    const pod: Pod = { metadata: { name: 'p', namespace: 'ns1' }, spec: { containers: [] } };
    await c.pods.create(pod);
    expect(last()).toMatchObject({ method: 'POST', url: '/api/v1/namespaces/ns1/pods' });
    expect(last().headers.authorization).toBe('Bearer sekret');
    expect(last().headers['user-agent']).toBe('orch-test');
    expect(last().headers['content-type']).toBe('application/json');
    expect(JSON.parse(last().body)).toEqual(pod);

    await c.pods.update(pod, { dryRun: true });
    expect(last()).toMatchObject({ method: 'PUT', url: '/api/v1/namespaces/ns1/pods/p?dryRun=All' });
    await c.pods.updateStatus(pod);
    expect(last()).toMatchObject({ method: 'PUT', url: '/api/v1/namespaces/ns1/pods/p/status' });
    await c.deployments.get('web', 'prod');
    expect(last()).toMatchObject({ method: 'GET', url: '/apis/apps/v1/namespaces/prod/deployments/web' });
    await c.pods.get('x');
    expect(last().url).toBe('/api/v1/namespaces/default/pods/x');
    await c.nodes.get('n1', 'ignored');
    expect(last().url).toBe('/api/v1/nodes/n1');
    await c.pods.list({ labelSelector: 'app in (a,b)', fieldSelector: 'spec.nodeName=n1', limit: 10, continue: 'tok' });
    expect(last().url).toBe('/api/v1/pods?labelSelector=app+in+%28a%2Cb%29&fieldSelector=spec.nodeName%3Dn1&limit=10&continue=tok');
    await c.replicasets.getScale('rs', 'ns');
    expect(last().url).toBe('/apis/apps/v1/namespaces/ns/replicasets/rs/scale');
    await c.pods.bind({ metadata: { name: 'p', namespace: 'ns' }, target: { name: 'node-1' } });
    expect(last()).toMatchObject({ method: 'POST', url: '/api/v1/namespaces/ns/pods/p/binding' });
    expect(JSON.parse(last().body)).toMatchObject({ kind: 'Binding', apiVersion: 'v1', target: { name: 'node-1' } });
    await c.pods.delete('p', 'ns', { gracePeriodSeconds: 0, propagationPolicy: 'Foreground' });
    expect(last()).toMatchObject({ method: 'DELETE', url: '/api/v1/namespaces/ns/pods/p?propagationPolicy=Foreground&gracePeriodSeconds=0', body: '' });
    await c.pods.delete('p', 'ns', { preconditions: { uid: 'u' } });
    expect(JSON.parse(last().body)).toMatchObject({ kind: 'DeleteOptions', preconditions: { uid: 'u' } });
  });

  it('uses the patch content type per patch type', async () => {
    handler = (_q, res) => json(res, 200, { metadata: {} });
    const c = new ApiClient({ server: url });
    await c.pods.patch('p', 'ns', { metadata: { labels: { a: 'b' } } });
    expect(last().headers['content-type']).toBe('application/merge-patch+json');
    await c.pods.patch('p', 'ns', [{ op: 'add', path: '/x', value: 1 }], 'json');
    expect(last().headers['content-type']).toBe('application/json-patch+json');
    await c.pods.patch('p', 'ns', {}, 'strategic');
    expect(last().headers['content-type']).toBe('application/strategic-merge-patch+json');
    await c.pods.patchStatus('p', 'ns', { status: { phase: 'Running' } });
    expect(last()).toMatchObject({ method: 'PATCH', url: '/api/v1/namespaces/ns/pods/p/status' });
    expect(last().headers.authorization).toBeUndefined();
  });

  it('resolves resources by plural, kind, short name; rejects unknown ones', () => {
    const c = new ApiClient({ server: url });
    expect(c.resource('po')).toBe(c.pods);
    expect(c.resource('Deployment')).toBe(c.deployments);
    expect(c.resource('deploy')).toBe(c.deployments);
    expect(() => c.resource('widgets')).toThrow(/unknown resource type "widgets"/);
    expect(() => new ApiClient({ server: 'ftp://x' })).toThrow(/scheme/);
  });
});

describe('ApiClient errors', () => {
  it('turns a Status body into an ApiError with its reason and code', async () => {
    handler = (_q, res) =>
      json(res, 409, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Conflict', code: 409, message: 'the object has been modified' });
    const c = new ApiClient({ server: url });
    const err = await c.pods.get('p').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isConflict(err)).toBe(true);
    expect(err.message).toBe('the object has been modified');
  });

  it('synthesizes a Status for non-Status error bodies', async () => {
    handler = (_q, res) => {
      res.writeHead(404, { 'Content-Type': 'text/html' });
      res.end('<h1>nope</h1>');
    };
    const err = await new ApiClient({ server: url }).pods.get('p').catch((e) => e);
    expect(isNotFound(err)).toBe(true);
    expect(err.status).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
    expect(err.message).toContain('<h1>nope</h1>');
    handler = (_q, res) => {
      res.writeHead(502);
      res.end();
    };
    const err2 = await new ApiClient({ server: url }).pods.get('p').catch((e) => e);
    expect(err2).toBeInstanceOf(ApiError);
    expect(err2.code).toBe(502);
  });

  it('maps a refused connection to 503 naming the server', async () => {
    const port = await freePort();
    const err = await new ApiClient({ server: `http://127.0.0.1:${port}` }).pods.list().catch((e) => e);
    expect(isUnavailable(err)).toBe(true);
    expect(err.message).toMatch(new RegExp(`cannot reach the API server at http://127.0.0.1:${port}: .*ECONNREFUSED`));
  });

  it('times out a request that gets no answer (503), without affecting later requests', async () => {
    handler = (req, res) => {
      if (req.url?.includes('slow')) return; // never answer
      json(res, 200, { metadata: {} });
    };
    const c = new ApiClient({ server: url, timeoutMs: 200 });
    const err = await c.pods.get('slow').catch((e) => e);
    expect(isUnavailable(err)).toBe(true);
    expect(err.message).toMatch(/no response within 200 ms/);
    await expect(c.pods.get('fast')).resolves.toMatchObject({ metadata: {} });
  });
});

describe('ApiClient watch', () => {
  it('streams events as they are written, and stop() ends the iteration', async () => {
    let res!: http.ServerResponse;
    handler = (_q, r) => {
      res = r;
      r.writeHead(200, { 'Content-Type': 'application/json' });
      r.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '5' } } }) + '\n{"type":"MOD');
    };
    const c = new ApiClient({ server: url, timeoutMs: 100 });
    const w = c.pods.watch({ namespace: 'ns', resourceVersion: '4', allowWatchBookmarks: true });
    const got: string[] = [];
    const done = (async () => {
      for await (const ev of w) {
        got.push(`${ev.type}:${ev.object.metadata.resourceVersion}`);
        if (got.length === 1) {
          // Later than the request timeout: watches must not be cut by it.
          await new Promise((r) => setTimeout(r, 300));
          res.write('IFIED","object":{"metadata":{"name":"a","resourceVersion":"6"}}}\n');
        }
        if (got.length === 2) w.stop();
      }
    })();
    await done;
    expect(got).toEqual(['ADDED:5', 'MODIFIED:6']);
    expect(last().url).toBe('/api/v1/namespaces/ns/pods?resourceVersion=4&watch=true&allowWatchBookmarks=true');
  });

  it('throws a 503 from the iterator when the connection drops mid-stream', async () => {
    handler = (_q, r) => {
      r.writeHead(200, { 'Content-Type': 'application/json' });
      r.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a', resourceVersion: '5' } } }) + '\n');
      setTimeout(() => r.socket?.destroy(), 50);
    };
    const w = new ApiClient({ server: url }).pods.watch();
    const got: string[] = [];
    const err = await (async () => {
      for await (const ev of w) got.push(ev.type);
    })().catch((e) => e);
    expect(got).toEqual(['ADDED']);
    expect(isUnavailable(err)).toBe(true);
  });

  it('an HTTP error on the watch request is thrown as ApiError; stop() before iterating yields nothing', async () => {
    handler = (_q, res) => json(res, 403, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403, message: 'no' });
    const c = new ApiClient({ server: url });
    const err = await (async () => {
      for await (const _ of c.pods.watch()) void _;
    })().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe(403);
    const w = c.pods.watch();
    w.stop();
    const items = [];
    for await (const ev of w) items.push(ev);
    expect(items).toEqual([]);
  });

  it('podLogs streams the body and passes the log options', async () => {
    handler = (_q, r) => {
      r.writeHead(200, { 'Content-Type': 'text/plain' });
      r.write('line 1\n');
      setTimeout(() => r.end('line 2\n'), 20);
    };
    const c = new ApiClient({ server: url, token: 't' });
    const stream = await c.podLogs('ns', 'p', { container: 'web', follow: true, tailLines: 10 });
    let text = '';
    for await (const chunk of stream) text += chunk.toString();
    expect(text).toBe('line 1\nline 2\n');
    expect(last().url).toBe('/api/v1/namespaces/ns/pods/p/log?container=web&follow=true&tailLines=10');
  });
});

describe('ApiClient keep-alive', () => {
  it('retries a GET once when the server closed the reused keep-alive socket; never retries a POST', async () => {
    // Answers the first request of every connection (keep-alive), and resets the
    // connection on the second: what a server closing an idle socket looks like.
    let connections = 0;
    const raw = net.createServer((sock) => {
      connections++;
      let requests = 0;
      let buf = '';
      sock.on('error', () => {});
      sock.on('data', (d) => {
        buf += d.toString();
        while (buf.includes('\r\n\r\n')) {
          const end = buf.indexOf('\r\n\r\n') + 4;
          const len = Number(/content-length: *(\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
          buf = buf.slice(end + len);
          if (++requests > 1) return sock.resetAndDestroy();
          const body = '{"metadata":{}}';
          sock.write(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: keep-alive\r\n\r\n${body}`);
        }
      });
    });
    await new Promise<void>((r) => raw.listen(0, '127.0.0.1', () => r()));
    const c = new ApiClient({ server: `http://127.0.0.1:${(raw.address() as net.AddressInfo).port}` });
    try {
      await c.pods.get('a');
      await new Promise((r) => setTimeout(r, 20)); // let the socket return to the pool
      await expect(c.pods.get('b')).resolves.toMatchObject({ metadata: {} });
      expect(connections).toBe(2);
      await new Promise((r) => setTimeout(r, 20));
      const err = await c.pods.create({ metadata: { name: 'x' }, spec: { containers: [] } }).catch((e) => e);
      expect(isUnavailable(err)).toBe(true);
      expect(connections).toBe(2);
    } finally {
      c.close();
      await new Promise((r) => raw.close(r));
    }
  });
});
