import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchHttp } from './http.js';

let server: http.Server;
let base: string;
const seenAuth: Array<string | undefined> = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    seenAuth.push(req.headers.authorization);
    if (req.url?.startsWith('/watch')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      // Lines split across chunks and several lines per chunk, as a real stream delivers them.
      const chunks = ['{"type":"ADDED","n":1}\n{"type":"MOD', 'IFIED","n":2}\n', '{"type":"DELETED","n":3}\n{"ty', 'pe":"BOOKMARK","n":4}\n'];
      let i = 0;
      const t = setInterval(() => {
        if (i < chunks.length) res.write(chunks[i++]);
        else { clearInterval(t); res.end(); }
      }, 5);
      return;
    }
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, url: req.url, body, type: req.headers['content-type'] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('BenchHttp', () => {
  it('sends JSON with the bearer token and checks status codes', async () => {
    const c = new BenchHttp({ baseUrl: base, token: 'sekret', maxSockets: 2 });
    try {
      const r = await c.expect('POST', '/x', [201], { a: 1 });
      expect(JSON.parse(r.body)).toEqual({ method: 'POST', url: '/x', body: '{"a":1}', type: 'application/json' });
      const p = await c.request('PATCH', '/y', '{"b":2}', 'application/merge-patch+json');
      expect(JSON.parse(p.body).type).toBe('application/merge-patch+json');
      await expect(c.expect('GET', '/z', [404])).rejects.toThrow(/GET \/z: HTTP 200/);
      expect(seenAuth.at(-1)).toBe('Bearer sekret');
    } finally {
      c.close();
    }
  });

  it('watch() yields whole lines however the stream is chunked', async () => {
    const c = new BenchHttp({ baseUrl: base, maxSockets: 1 });
    const lines: string[] = [];
    const w = await c.watch('/watch', (line) => lines.push(line));
    await w.ended;
    expect(lines.map((l) => JSON.parse(l).n)).toEqual([1, 2, 3, 4]);
    expect(lines[1]).toBe('{"type":"MODIFIED","n":2}');
    c.close();
  });

  it('refuses https URLs (the bench client is plain HTTP only)', () => {
    expect(() => new BenchHttp({ baseUrl: 'https://127.0.0.1:1', maxSockets: 1 })).toThrow(/plain HTTP/);
  });
});
