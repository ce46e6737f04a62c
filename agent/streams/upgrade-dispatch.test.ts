// The agent's endpoint routes Upgrade requests to the stream handlers by the kubelet's
// paths, after the same authentication as its other paths (a real LogServer, plain HTTP).

import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { errors } from '../../api/errors.js';
import { silentLogger } from '../../foundation/logger.js';
import { tokenAuthenticator } from '../../foundation/token-auth.js';
import { LogServer } from '../log-server.js';
import { FakeRuntime } from '../testing/fake-runtime.js';
import type { StreamHandlers, StreamRequest } from './types.js';
import { parseStreamPath } from './upgrade-dispatch.js';

let server: LogServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function start(streams: StreamHandlers): Promise<number> {
  server = new LogServer({
    runtime: new FakeRuntime(),
    nodeName: 'n1',
    logger: silentLogger(),
    port: 0,
    host: '127.0.0.1',
    insecure: true,
    tokens: tokenAuthenticator([{ token: 'apiserver', user: 'apiserver', uid: '', groups: [] }]),
    streams,
  });
  await server.start();
  return server.port;
}

/** Sends an Upgrade request and returns everything the server wrote until it closed (or `until` matched). */
function upgrade(port: number, path: string, token = 'apiserver', method = 'GET', until?: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1', () =>
      sock.write(`${method} ${path} HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${token ? `Authorization: Bearer ${token}\r\n` : ''}\r\n`),
    );
    let text = '';
    sock.on('data', (c) => {
      text += c;
      if (until?.test(text)) {
        sock.destroy();
        resolve(text);
      }
    });
    sock.on('close', () => resolve(text));
    sock.on('error', reject);
  });
}

describe('agent stream dispatch', () => {
  it('hands the handler the parsed kubelet path, the query and the socket', async () => {
    const got: Omit<StreamRequest, 'req' | 'socket' | 'head'>[] = [];
    const take = async (r: StreamRequest) => {
      got.push({ kind: r.kind, namespace: r.namespace, pod: r.pod, container: r.container, query: r.query });
      r.socket.end('HTTP/1.1 101 Switching Protocols\r\n\r\ntaken');
    };
    const port = await start({ exec: take, portForward: take });
    expect(await upgrade(port, '/exec/ns%2Fx/p1/main?command=ls&command=-l&tty=true')).toBe('HTTP/1.1 101 Switching Protocols\r\n\r\ntaken');
    expect(await upgrade(port, '/portForward/default/p2?ports=80', 'apiserver', 'POST')).toContain('taken');
    expect(got[0]).toMatchObject({ kind: 'exec', namespace: 'ns/x', pod: 'p1', container: 'main' });
    expect(got[0]!.query.getAll('command')).toEqual(['ls', '-l']);
    expect(got[1]).toMatchObject({ kind: 'portForward', namespace: 'default', pod: 'p2', container: undefined });
  });

  it('answers with a Status before the upgrade: 401 unauthenticated, 404 unknown path or kind not served, the handler\'s own error', async () => {
    let called = 0;
    const port = await start({
      exec: async () => {
        called++;
        throw errors.notFoundMessage('container "main" is not running');
      },
    });
    const status = (text: string) => [text.split('\r\n')[0], JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).message];
    expect(status(await upgrade(port, '/exec/default/p/main', ''))).toEqual(['HTTP/1.1 401 Unauthorized', 'Unauthorized']);
    expect(status(await upgrade(port, '/exec/default/p/main', 'someone-else'))[0]).toBe('HTTP/1.1 401 Unauthorized');
    expect(called).toBe(0);
    expect(status(await upgrade(port, '/containerLogs/default/p/main'))[0]).toBe('HTTP/1.1 404 Not Found');
    expect(status(await upgrade(port, '/attach/default/p/main'))).toEqual(['HTTP/1.1 404 Not Found', 'this agent does not serve attach streams']);
    expect(status(await upgrade(port, '/exec/default/p/main', 'apiserver', 'PUT'))[0]).toBe('HTTP/1.1 405 Method Not Allowed');
    expect(status(await upgrade(port, '/exec/default/p/main'))).toEqual(['HTTP/1.1 404 Not Found', 'container "main" is not running']);
    expect(called).toBe(1);
  });

  it('a handler that fails unexpectedly gives a 500 Status, and the agent keeps serving', async () => {
    const port = await start({
      exec: async () => {
        throw new Error('boom');
      },
    });
    expect(await upgrade(port, '/exec/default/p/main')).toMatch(/^HTTP\/1\.1 500 Internal Server Error[\s\S]*see the agent log/);
    expect(await upgrade(port, '/exec/default/p/main')).toMatch(/^HTTP\/1\.1 500/);
  });

  it('stopping the endpoint ends streams in progress', async () => {
    const port = await start({ exec: async (r) => void r.socket.write('HTTP/1.1 101 Switching Protocols\r\n\r\n') });
    const sock = net.connect(port, '127.0.0.1', () =>
      sock.write('GET /exec/default/p/main HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nAuthorization: Bearer apiserver\r\n\r\n'),
    );
    await new Promise((r) => sock.once('data', r));
    const closed = new Promise((r) => sock.once('close', r));
    await server!.stop();
    server = undefined;
    await closed;
  });

  it('parseStreamPath: only the three kubelet paths; bad percent-encoding is 400', () => {
    expect(parseStreamPath('/attach/a/b/c/')).toEqual({ kind: 'attach', namespace: 'a', pod: 'b', container: 'c' });
    expect(parseStreamPath('/exec/a/b')).toBeUndefined();
    expect(parseStreamPath('/portForward/a/b/c')).toBeUndefined();
    expect(() => parseStreamPath('/exec/a/%zz/c')).toThrow(/percent-encoding/);
  });
});
