// The channel session over a real WebSocket pair on localhost, with a scripted process
// (PassThrough streams) in place of Docker.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { V4, V5, type ChannelProtocol } from '../../../api/remote-command.js';
import { silentLogger } from '../../../foundation/logger.js';
import type { StreamSession } from '../../runtime/types.js';
import { runChannelSession } from './session.js';

interface Scripted {
  session: StreamSession;
  stdin: PassThrough;
  stdout: PassThrough;
  stderr: PassThrough;
  resizes: [number, number][];
  closed: () => boolean;
  exit(code: number | Error): void;
}

function scripted(): Scripted {
  const [stdin, stdout, stderr] = [new PassThrough(), new PassThrough(), new PassThrough()];
  const resizes: [number, number][] = [];
  let closed = false;
  let settle!: (v: { exitCode?: number }) => void;
  let fail!: (e: Error) => void;
  const done = new Promise<{ exitCode?: number }>((res, rej) => ((settle = res), (fail = rej)));
  return {
    stdin,
    stdout,
    stderr,
    resizes,
    closed: () => closed,
    exit: (c) => {
      stdout.end();
      stderr.end();
      if (c instanceof Error) fail(c);
      else settle({ exitCode: c });
    },
    session: {
      stdin,
      stdout,
      stderr,
      resize: async (w, h) => void resizes.push([w, h]),
      done,
      close: () => void (closed = true),
    },
  };
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** A server running one session per connection, and a client connected to it. */
async function connect(protocol: ChannelProtocol, p: Scripted, want = { stdout: true, stderr: true }) {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => protocol });
  const server = http.createServer();
  servers.push(server);
  let ended!: Promise<void>;
  server.on('upgrade', (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      ended = runChannelSession({ ws, protocol, session: p.session, command: ['cmd'], ...want, logger: silentLogger() });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, [protocol]);
  const frames: Buffer[] = [];
  client.on('message', (m: Buffer) => frames.push(m));
  const closed = new Promise<number>((r) => client.on('close', (code) => r(code)));
  await new Promise((r) => client.on('open', r));
  return { client, frames, closed, ended: () => ended };
}

const text = (frames: Buffer[], channel: number) => Buffer.concat(frames.filter((f) => f[0] === channel).map((f) => f.subarray(1))).toString();
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

describe('runChannelSession', () => {
  it('output on channels 1 and 2, then the exit Status on 3 and a normal close', async () => {
    const p = scripted();
    const c = await connect(V5, p);
    p.stdout.write('out');
    p.stderr.write('err');
    p.exit(2);
    expect(await c.closed).toBe(1000);
    await c.ended();
    expect(text(c.frames, 1)).toBe('out');
    expect(text(c.frames, 2)).toBe('err');
    expect(JSON.parse(text(c.frames, 3))).toMatchObject({ reason: 'NonZeroExitCode', details: { causes: [{ message: '2' }] } });
    // The Status is the last frame.
    expect(c.frames[c.frames.length - 1]![0]).toBe(3);
  });

  it('output the client did not ask for is drained, not sent', async () => {
    const p = scripted();
    const c = await connect(V5, p, { stdout: true, stderr: false });
    p.stderr.write('hidden');
    p.stdout.write('shown');
    p.exit(0);
    await c.closed;
    expect(c.frames.map((f) => f[0])).toEqual([1, 3]);
  });

  it('stdin frames reach the process; v5 close of channel 0 ends its stdin', async () => {
    const p = scripted();
    const c = await connect(V5, p);
    let got = '';
    p.stdin.on('data', (d: Buffer) => (got += d));
    const ended = new Promise((r) => p.stdin.on('end', r));
    c.client.send(Buffer.from([0, ...Buffer.from('abc')]));
    c.client.send(Buffer.from([255, 0]));
    await ended;
    expect(got).toBe('abc');
    p.exit(0);
    await c.closed;
  });

  it('v4 has no close channel: a 255 message leaves stdin open', async () => {
    const p = scripted();
    const c = await connect(V4, p);
    c.client.send(Buffer.from([255, 0]));
    c.client.send(Buffer.from([0, 120]));
    let got = '';
    p.stdin.on('data', (d: Buffer) => (got += d));
    await until(() => got === 'x');
    expect(p.stdin.writableEnded).toBe(false);
    p.exit(0);
    await c.closed;
  });

  it('resize messages reach the process; unreadable ones are ignored', async () => {
    const p = scripted();
    const c = await connect(V5, p);
    c.client.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":80,"Height":24}')]));
    c.client.send(Buffer.concat([Buffer.from([4]), Buffer.from('garbage')]));
    c.client.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":132,"Height":43}')]));
    await until(() => p.resizes.length === 2);
    expect(p.resizes).toEqual([
      [80, 24],
      [132, 43],
    ]);
    p.exit(0);
    await c.closed;
  });

  it('the client leaving lets go of the process and ends the session', async () => {
    const p = scripted();
    const c = await connect(V5, p);
    c.client.close();
    await c.closed;
    await until(() => p.closed());
    await c.ended();
  });

  it('a failure of the engine mid-session is an InternalError Status, not a crash', async () => {
    const p = scripted();
    const c = await connect(V5, p);
    p.exit(new Error('engine went away'));
    await c.closed;
    expect(JSON.parse(text(c.frames, 3))).toMatchObject({ status: 'Failure', reason: 'InternalError', message: expect.stringContaining('engine went away') });
  });

  it('holds the process output while the client does not read (backpressure), and loses none of it', async () => {
    const p = scripted();
    const c = await connect(V5, p, { stdout: true, stderr: true });
    const chunk = Buffer.alloc(64 * 1024, 7);
    let written = 0;
    // 8 MiB: several times the session's send buffer limit.
    while (written < 8 << 20) {
      p.stdout.write(chunk);
      written += chunk.length;
    }
    p.exit(0);
    await c.closed;
    expect(c.frames.filter((f) => f[0] === 1).reduce((n, f) => n + f.length - 1, 0)).toBe(written);
  });
});

describe('resizes', () => {
  it('are applied one at a time, in the order sent, even when the engine answers out of order', async () => {
    const p = scripted();
    const applied: [number, number][] = [];
    // The first call is slow: without ordering the second would land first.
    p.session.resize = (w, h) => new Promise((r) => setTimeout(() => (applied.push([w, h]), r()), w === 81 ? 80 : 1));
    const c = await connect(V5, p);
    c.client.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":81,"Height":25}')]));
    c.client.send(Buffer.concat([Buffer.from([4]), Buffer.from('{"Width":80,"Height":24}')]));
    await until(() => applied.length === 2);
    expect(applied).toEqual([
      [81, 25],
      [80, 24],
    ]);
    p.exit(0);
    await c.closed;
  });
});
