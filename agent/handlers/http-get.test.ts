import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpGet, PROBE_USER_AGENT } from './http-get.js';
import { resolvePort } from './resolve-port.js';
import { tcpCheck } from './tcp-socket.js';

let server: http.Server;
let port = 0;
const seen: http.IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push(req.headers);
    if (req.url === '/fail') res.writeHead(500).end('broken');
    else if (req.url === '/hang') return; // never answers
    else if (req.url === '/moved') res.writeHead(302, { Location: '/elsewhere' }).end();
    else res.writeHead(200).end(`ok ${req.url}`);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

describe('httpGet', () => {
  it('succeeds on 2xx/3xx with the body, sends kubelet headers and the handler’s own', async () => {
    const ok = await httpGet({ scheme: 'HTTP', host: '127.0.0.1', port, path: 'healthz', headers: [{ name: 'X-Probe', value: 'yes' }, { name: 'user-agent', value: 'mine' }] }, 1000);
    expect(ok).toEqual({ ok: true, message: 'ok /healthz', statusCode: 200 });
    expect(seen.at(-1)).toMatchObject({ 'x-probe': 'yes', 'user-agent': 'mine', accept: '*/*' });
    await httpGet({ scheme: 'HTTP', host: '127.0.0.1', port, path: '/' }, 1000);
    expect(seen.at(-1)?.['user-agent']).toBe(PROBE_USER_AGENT);
    expect((await httpGet({ scheme: 'HTTP', host: '127.0.0.1', port, path: '/moved' }, 1000)).ok).toBe(true);
  });

  it('fails with the kubelet’s messages: status, refused, timeout', async () => {
    expect(await httpGet({ scheme: 'HTTP', host: '127.0.0.1', port, path: '/fail' }, 1000)).toEqual({ ok: false, message: 'HTTP probe failed with statuscode: 500', statusCode: 500 });
    const closed = await closedPort();
    const refused = await httpGet({ scheme: 'HTTP', host: '127.0.0.1', port: closed, path: '/' }, 1000);
    expect(refused).toEqual({ ok: false, message: `Get "http://127.0.0.1:${closed}/": dial tcp 127.0.0.1:${closed}: connect: connection refused` });
    const hung = await httpGet({ scheme: 'HTTP', host: '127.0.0.1', port, path: '/hang' }, 150);
    expect(hung.ok).toBe(false);
    expect(hung.message).toContain('context deadline exceeded');
  });
});

describe('tcpCheck', () => {
  it('succeeds when the port accepts, fails with Go’s wording when refused', async () => {
    expect(await tcpCheck('127.0.0.1', port, 1000)).toEqual({ ok: true, message: '' });
    const closed = await closedPort();
    expect(await tcpCheck('127.0.0.1', closed, 1000)).toEqual({ ok: false, message: `dial tcp 127.0.0.1:${closed}: connect: connection refused` });
  });
});

describe('resolvePort', () => {
  it('takes numbers and the container’s named ports, names a missing one', () => {
    const c = { name: 'web', image: 'x', ports: [{ name: 'http', containerPort: 8080 }] };
    expect(resolvePort(8081, c)).toBe(8081);
    expect(resolvePort('http', c)).toBe(8080);
    expect(resolvePort('nope', c)).toEqual(new Error("couldn't find port: nope in container web"));
  });
});
