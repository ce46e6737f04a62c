// The bare-socket HTTP GET against raw TCP servers that answer exactly as each test needs:
// chunked and sized bodies, a Host header of the handler's, a body cut at the limit, slow
// bodies, a close without an answer, a malformed answer.

import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeChunked, plainGet } from './http-plain.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A server that hands each connection's request text to `answer`. */
async function serve(answer: (request: string, socket: net.Socket) => void): Promise<number> {
  const s = net.createServer((socket) => {
    let req = '';
    socket.on('data', (d) => {
      req += d.toString('latin1');
      if (req.includes('\r\n\r\n')) answer(req, socket);
    });
    socket.on('error', () => undefined);
  });
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

const get = (port: number, extra: Partial<Parameters<typeof plainGet>[0]> = {}) => plainGet({ host: '127.0.0.1', port, path: '/h', headers: { 'User-Agent': 'kube-probe/1.32' }, timeoutMs: 500, bodyLimit: 10, ...extra });

describe('plainGet', () => {
  it('sends one HTTP/1.1 request with Host, the headers and Connection: close; reads a sized body', async () => {
    let seen = '';
    const port = await serve((req, s) => {
      seen = req;
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'); // left open: Content-Length ends it
    });
    expect(await get(port)).toEqual({ response: { statusCode: 200, body: 'ok' } });
    expect(seen).toBe(`GET /h HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUser-Agent: kube-probe/1.32\r\nConnection: close\r\n\r\n`);
    await get(port, { headers: { host: 'example.test' } });
    expect(seen.split('\r\n')[1]).toBe('Host: example.test');
  });

  it('decodes chunked bodies and cuts a body at the limit', async () => {
    const chunked = await serve((_r, s) => s.end('HTTP/1.1 503 Busy\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n'));
    expect(await get(chunked)).toEqual({ response: { statusCode: 503, body: 'abcde' } });
    const long = await serve((_r, s) => s.write(`HTTP/1.0 200 OK\r\n\r\n${'x'.repeat(100)}`)); // no length, never closed: the limit ends it
    expect(await get(long)).toEqual({ response: { statusCode: 200, body: 'x'.repeat(10) } });
    expect(decodeChunked(Buffer.from('4\r\nab'))).toEqual({ body: Buffer.from('ab'), done: false });
  });

  it('headers in, body slow: judged by its status at the timeout; nothing in: Go’s deadline wording', async () => {
    const slowBody = await serve((_r, s) => s.write('HTTP/1.1 500 Oops\r\nContent-Length: 100\r\n\r\npartial'));
    expect(await get(slowBody)).toEqual({ response: { statusCode: 500, body: 'partial' } });
    const silent = await serve(() => undefined);
    expect(await get(silent)).toEqual({ error: 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' });
  });

  it('a close without an answer is EOF; garbage is a malformed response', async () => {
    const closes = await serve((_r, s) => s.end());
    expect(await get(closes)).toEqual({ error: 'EOF' });
    const garbage = await serve((_r, s) => s.end('SSH-2.0-OpenSSH\r\n\r\n'));
    expect(await get(garbage)).toEqual({ error: 'net/http: HTTP/1.x transport connection broken: malformed HTTP response "SSH-2.0-OpenSSH"' });
  });

  it('closes with a reset once the whole response is in (no TIME_WAIT on the node); a server that closed first gets a plain close', async () => {
    const seen: string[] = [];
    const sized = await serve((_r, s) => {
      s.on('error', (e: NodeJS.ErrnoException) => seen.push(`sized: ${e.code}`));
      s.on('end', () => seen.push('sized: end'));
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
    });
    expect(await get(sized)).toEqual({ response: { statusCode: 200, body: 'ok' } });
    const untilClosed = await serve((_r, s) => {
      s.on('error', (e: NodeJS.ErrnoException) => seen.push(`close-delimited: ${e.code}`));
      s.on('end', () => seen.push('close-delimited: end'));
      s.end('HTTP/1.0 200 OK\r\n\r\nbye');
    });
    expect(await get(untilClosed)).toEqual({ response: { statusCode: 200, body: 'bye' } });
    await new Promise((r) => setTimeout(r, 100));
    expect(seen.sort()).toEqual(['close-delimited: end', 'sized: ECONNRESET']);
  });

  it('many probes at once share the read buffer without mixing their answers', async () => {
    const port = await serve((req, s) => {
      const path = req.split(' ')[1]!;
      // Answers in two writes, so reads of different connections interleave.
      s.write(`HTTP/1.1 200 OK\r\nContent-Length: ${path.length}\r\n\r\n`);
      setTimeout(() => s.write(path), 5);
    });
    const paths = Array.from({ length: 50 }, (_, i) => `/p${i}`);
    const got = await Promise.all(paths.map((p) => get(port, { path: p, bodyLimit: 100 })));
    expect(got).toEqual(paths.map((p) => ({ response: { statusCode: 200, body: p } })));
  });
});
