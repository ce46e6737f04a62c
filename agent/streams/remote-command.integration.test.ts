// The agent's exec and attach handlers against real Docker containers, reached over a
// plain HTTP server's upgrade event (as the log server will route them) by orch's own
// client (client/remote-command.ts) and by a bare `ws` client for the older subprotocols.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ApiError } from '../../api/errors.js';
import { V3, V4 } from '../../api/remote-command.js';
import { exitCodeOf, streamRemoteCommand, type RemoteCommandStreams } from '../../client/remote-command.js';
import { silentLogger } from '../../foundation/logger.js';
import { LABEL_CONTAINER, LABEL_NAMESPACE, LABEL_NODE, LABEL_POD } from '../labels.js';
import { DockerRuntime } from '../runtime/docker-runtime.js';
import type { ContainerSpec } from '../runtime/types.js';
import { attachHandler } from './attach.js';
import { execHandler } from './exec.js';
import type { StreamHandler, StreamKind } from './types.js';

const rt = new DockerRuntime({ logger: silentLogger() });
const NODE = `h17-exec-it-${process.pid}`;
const SUITE = { 'orch.test/suite': 'h17-exec-streams' };
const deps = { runtime: rt, nodeName: NODE, logger: silentLogger() };
const handlers: Partial<Record<StreamKind, StreamHandler>> = { exec: execHandler(deps), attach: attachHandler(deps) };
let server: http.Server;
let base = '';
const upgraded = new Set<import('node:stream').Duplex>();

function spec(container: string, cmd: string[], extra: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: `h17-exec-it-${container}-${process.pid}`,
    image: 'orch.local/busybox:latest',
    cmd,
    labels: { ...SUITE, [LABEL_NODE]: NODE, [LABEL_NAMESPACE]: 'default', [LABEL_POD]: 'p', [LABEL_CONTAINER]: container },
    env: [],
    ports: [],
    binds: [],
    networkMode: 'none',
    ...extra,
  };
}

/** Routes /exec|attach/{ns}/{pod}/{container} to the handlers; an ApiError before the upgrade becomes the answer. */
function route(req: http.IncomingMessage, socket: import('node:stream').Duplex, head: Buffer): void {
  upgraded.add(socket);
  socket.on('close', () => upgraded.delete(socket));
  const url = new URL(req.url!, 'http://agent');
  const m = /^\/(exec|attach)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
  const h = m && handlers[m[1] as StreamKind];
  if (!m || !h) return void socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
  h({ kind: m[1] as StreamKind, namespace: m[2]!, pod: m[3]!, container: m[4], query: url.searchParams, req, socket, head }).catch((err) => {
    const status = err instanceof ApiError ? err.status : { code: 500, message: String(err) };
    const body = JSON.stringify(status);
    socket.end(`HTTP/1.1 ${status.code} Error\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}

beforeAll(async () => {
  for (const c of await rt.listContainers(SUITE)) await rt.remove(c.id, { force: true });
  const start = async (s: ContainerSpec) => {
    const id = await rt.create(s);
    await rt.start(id);
    return id;
  };
  await start(spec('main', ['sleep', '300']));
  await start(spec('echoer', ['sh', '-c', 'while read l; do echo "got $l"; done; echo "stdin closed"; sleep 300'], { openStdin: true, stdinOnce: true }));
  await start(spec('done', ['true']));
  server = http.createServer((_q, s) => s.writeHead(404).end());
  server.on('upgrade', route);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const s of upgraded) s.destroy();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  for (const c of await rt.listContainers(SUITE)) await rt.remove(c.id, { force: true });
});

function q(params: Record<string, string | string[]>): URLSearchParams {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const x of [v].flat()) u.append(k, x);
  return u;
}

async function run(kind: StreamKind, container: string, params: Record<string, string | string[]>, s: Partial<RemoteCommandStreams> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const status = await streamRemoteCommand({ server: base }, `/${kind}/default/p/${container}`, q(params), { stdout, stderr, ...s });
  return { status, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('exec over v5.channel.k8s.io against real containers', () => {
  it('runs the command: output on stdout, Success on the error channel', async () => {
    const r = await run('exec', 'main', { command: ['echo', 'hi'], stdout: 'true', stderr: 'true' });
    expect(r.stdout).toBe('hi\n');
    expect(r.status).toMatchObject({ status: 'Success' });
  });

  it('a non-zero exit is a NonZeroExitCode Status carrying the code; stderr stays apart', async () => {
    const r = await run('exec', 'main', { command: ['sh', '-c', 'echo out; echo err >&2; exit 3'], stdout: 'true', stderr: 'true' });
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    expect(r.status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
    expect(exitCodeOf(r.status)).toBe(3);
  });

  it('stdin reaches the command and its end closes the command\'s stdin (v5 close signal)', async () => {
    const stdin = new PassThrough();
    stdin.end('line one\nline two\n');
    const r = await run('exec', 'main', { command: ['sh', '-c', 'cat; echo eof'], stdin: 'true', stdout: 'true', stderr: 'true' }, { stdin });
    expect(r.stdout).toBe('line one\nline two\neof\n');
    expect(r.status.status).toBe('Success');
  });

  it('1 MiB through stdin and back intact', async () => {
    const data = Buffer.alloc(1 << 20);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + (i >> 11)) & 0xff;
    const stdin = new PassThrough();
    stdin.end(data);
    const out: Buffer[] = [];
    const stdout = new PassThrough().on('data', (c: Buffer) => out.push(c));
    const status = await streamRemoteCommand({ server: base }, '/exec/default/p/main', q({ command: 'cat', stdin: '1', stdout: '1' }), { stdin, stdout });
    expect(status.status).toBe('Success');
    expect(Buffer.concat(out).equals(data)).toBe(true);
  });

  it('with a tty: the terminal size from the resize channel, stderr merged into stdout', async () => {
    const stdin = new PassThrough();
    const size = { width: 100, height: 30 };
    const terminal = { current: () => size, onChange: () => () => undefined };
    // The resize is sent first; the command waits for a line before it looks at the size.
    setTimeout(() => stdin.write('go\n'), 200);
    const r = await run('exec', 'main', { command: ['sh', '-c', 'read x; stty size; echo to-stderr >&2'], stdin: 'true', stdout: 'true', tty: 'true' }, { stdin, terminal });
    stdin.end();
    expect(r.stdout.replace(/\r/g, '')).toContain('30 100\n');
    expect(r.stdout).toContain('to-stderr');
    expect(r.stderr).toBe('');
  });
});

describe('attach', () => {
  it('reaches the main process: its stdin, its output, and the end of stdin (stdinOnce)', async () => {
    const stdin = new PassThrough();
    const out: string[] = [];
    const stdout = new PassThrough().on('data', (c: Buffer) => {
      out.push(c.toString());
      if (out.join('').includes('got b')) stdin.end();
    });
    stdin.write('a\n');
    setTimeout(() => stdin.write('b\n'), 100);
    // The container does not exit when stdin closes: the stream goes on until the client leaves.
    const leave = new AbortController();
    const done = streamRemoteCommand({ server: base }, '/attach/default/p/echoer', q({ stdin: 'true', stdout: 'true', stderr: 'true' }), { stdin, stdout, signal: leave.signal });
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no "stdin closed" in ${JSON.stringify(out.join(''))}`)), 10_000);
      stdout.on('data', () => out.join('').includes('stdin closed') && (clearTimeout(t), resolve()));
    });
    expect(out.join('')).toBe('got a\ngot b\nstdin closed\n');
    leave.abort();
    expect((await done).status).toBe('Success');
  });
});

describe('refused before the upgrade, with a Status', () => {
  const refusal = async (kind: StreamKind, container: string, params: Record<string, string | string[]>) => {
    const e = await run(kind, container, params).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(ApiError);
    return (e as ApiError).status;
  };

  it('a container the pod does not have: 404', async () => {
    const s = await refusal('exec', 'nope', { command: 'true', stdout: 'true' });
    expect(s).toMatchObject({ code: 404, reason: 'NotFound' });
    expect(s.message).toContain('container not found ("nope")');
  });

  it('a container that is not running: 400 saying so', async () => {
    const s = await refusal('exec', 'done', { command: 'true', stdout: 'true' });
    expect(s.code).toBe(400);
    expect(s.message).toBe('container "done" in pod "p" is not running (exited with code 0)');
    expect((await refusal('attach', 'done', { stdout: 'true' })).code).toBe(400);
  });

  it('a pod not on this node: 404', async () => {
    const status = await streamRemoteCommand({ server: base }, '/exec/default/elsewhere/main', q({ command: 'true', stdout: 'true' }), {}).catch((e: ApiError) => e.status);
    expect(status).toMatchObject({ code: 404 });
    expect((status as { message: string }).message).toContain('pod does not exist');
  });

  it('no command, no stream, a bad boolean: 400', async () => {
    expect((await refusal('exec', 'main', { stdout: 'true' })).message).toBe('you must specify at least one command for the container');
    expect((await refusal('exec', 'main', { command: 'true' })).message).toBe('you must specify at least 1 of stdin, stdout, stderr');
    expect((await refusal('exec', 'main', { command: 'true', stdout: 'maybe' })).message).toContain('stdout');
  });

  it('a SPDY upgrade (kubectl\'s fallback) and unknown subprotocols: 400 naming what is served', async () => {
    const res = await new Promise<http.IncomingMessage>((resolve) => {
      http
        .request(`${base}/exec/default/p/main?command=true&stdout=1`, { headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' } })
        .on('response', resolve)
        .end();
    });
    expect(res.statusCode).toBe(400);
    let body = '';
    for await (const c of res) body += c;
    expect(JSON.parse(body).message).toContain('v5.channel.k8s.io');
    const ws = new WebSocket(`${base.replace('http', 'ws')}/exec/default/p/main?command=true&stdout=1`, ['base64.channel.k8s.io']);
    const code = await new Promise<number>((resolve) => ws.on('unexpected-response', (_q, r) => resolve(r.statusCode!)));
    expect(code).toBe(400);
  });
});

describe('older subprotocols', () => {
  async function bare(protocol: string, cmd: string[]): Promise<{ protocol: string; frames: Buffer[] }> {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/exec/default/p/main?${q({ command: cmd, stdout: '1', stderr: '1' })}`, [protocol]);
    const frames: Buffer[] = [];
    ws.on('message', (m: Buffer) => frames.push(m));
    await new Promise((r) => ws.on('close', r));
    return { protocol: ws.protocol, frames };
  }

  it('v4: the same JSON Status on channel 3', async () => {
    const r = await bare(V4, ['sh', '-c', 'exit 5']);
    expect(r.protocol).toBe(V4);
    const err = r.frames.find((f) => f[0] === 3)!;
    expect(JSON.parse(err.subarray(1).toString())).toMatchObject({ reason: 'NonZeroExitCode', details: { causes: [{ message: '5' }] } });
  });

  it('v3: a bare message on failure, nothing on success', async () => {
    const failed = await bare(V3, ['sh', '-c', 'exit 5']);
    expect(failed.frames.find((f) => f[0] === 3)!.subarray(1).toString()).toContain('command terminated with non-zero exit code');
    const ok = await bare(V3, ['echo', 'x']);
    expect(ok.frames.map((f) => [f[0], f.subarray(1).toString()])).toEqual([[1, 'x\n']]);
  });
});
