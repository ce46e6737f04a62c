// The port-forward handler with real clients (kubectl v1.32 in both its modes,
// @kubernetes/client-node 1.4.0, a raw SPDY client) against TCP servers on this host. The
// full path through the apiserver and a Docker pod is test/e2e/pod-port-forward-kubectl.test.ts.

import crypto from 'node:crypto';
import { PassThrough } from 'node:stream';
import { KubeConfig, PortForward } from '@kubernetes/client-node';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../foundation/logger.js';
import { eventually } from '../../test/helpers/eventually.js';
import { FLAG_FIN, FrameReader, RstStatus } from './spdy/frames.js';
import { SpdySession, type SpdyStream } from './spdy/session.js';
import { download, exchange, spdyUpgrade, startForward, startFront, startPodServers, type Front, type PodServers } from './testing/port-forward-rig.js';

const BIG = 20 * 1024 * 1024;
let pods: PodServers;
let front: Front;

beforeAll(async () => {
  pods = await startPodServers(BIG);
  front = await startFront();
});
afterAll(async () => {
  await front?.close();
  await pods?.close();
});

const readAll = (s: NodeJS.ReadableStream) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks).toString()));
    s.on('close', () => resolve(Buffer.concat(chunks).toString()));
  });

describe.each([
  ['WebSocket-tunnelled SPDY (kubectl default)', 'true', 'spdy-ws'],
  ['plain SPDY upgrade (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', 'false', 'spdy'],
])('kubectl port-forward over %s', (_name, websockets, protocol) => {
  const kubectl = (ports: string[]) =>
    startForward('kubectl', ['--server', front.url, 'port-forward', 'pod/web', ...ports], ports.length, { KUBECTL_PORT_FORWARD_WEBSOCKETS: websockets, KUBECONFIG: '/nonexistent' });

  it('forwards several ports, concurrent connections and 20 MB each way intact', async () => {
    const before = front.protocols.length;
    const pf = kubectl([`0:${pods.echo}`, `0:${pods.hash}`, `0:${pods.big}`]);
    try {
      const [echo, hash, big] = await pf.ready;
      expect(front.protocols.slice(before)).toEqual([protocol]);
      const payloads = Array.from({ length: 16 }, (_, i) => crypto.randomBytes(1000 + i * 5000));
      const answers = await Promise.all(payloads.map((p) => exchange(echo!, p)));
      answers.forEach((a, i) => expect(a.equals(payloads[i]!)).toBe(true));
      const upload = crypto.randomBytes(BIG);
      const [hashed, down] = await Promise.all([exchange(hash!, upload), download(big!)]);
      expect(hashed.toString()).toBe(crypto.createHash('sha256').update(upload).digest('hex'));
      expect(down).toEqual({ sha: pods.bigSha, bytes: BIG });
    } finally {
      await pf.stop();
    }
  });

  it('shows the agent error for a closed port (kubectl then ends the session itself)', async () => {
    const pf = kubectl([`0:${pods.closed}`]);
    try {
      const [port] = await pf.ready;
      await exchange(port!, 'x').catch(() => Buffer.alloc(0));
      await eventually('kubectl prints the error', () => pf.output().includes(`error forwarding port ${pods.closed} to pod web, uid uid-1: failed to connect to 127.0.0.1:${pods.closed}`), 10_000);
      // kubectl v1.32 closes its SPDY connection after any error-stream message
      // (client-go portforward.go handleConnection): "lost connection to pod".
      await eventually('kubectl exits', () => pf.proc.exitCode !== null, 10_000);
      expect(pf.output()).toContain('lost connection to pod');
    } finally {
      await pf.stop();
    }
  });
});

describe('client-node 1.4.0 PortForward (WebSocket channel protocol)', () => {
  const kc = () => {
    const k = new KubeConfig();
    k.loadFromOptions({ clusters: [{ name: 'c', server: front.url, skipTLSVerify: true }], users: [{ name: 'u' }], contexts: [{ name: 'x', cluster: 'c', user: 'u' }], currentContext: 'x' });
    return k;
  };

  it('forwards a connection and reports a closed port on the error channel', async () => {
    const before = front.protocols.length;
    const out = new PassThrough();
    const err = new PassThrough();
    const input = new PassThrough();
    const ws = (await new PortForward(kc()).portForward('default', 'web', [pods.echo], out, err, input)) as { close(): void; protocol: string };
    expect(front.protocols.slice(before)).toEqual(['channels']);
    expect(ws.protocol).toBe('v4.channel.k8s.io');
    input.write('ping through client-node');
    let got = '';
    out.on('data', (d: Buffer) => (got += d.toString()));
    await eventually('the echo', () => got === 'ping through client-node', 10_000);
    ws.close();

    const out2 = new PassThrough();
    const err2 = new PassThrough();
    let errText = '';
    err2.on('data', (d: Buffer) => (errText += d.toString()));
    await new PortForward(kc()).portForward('default', 'web', [pods.closed], out2, err2, new PassThrough());
    await eventually('the error text', () => errText.includes(`error forwarding port ${pods.closed} to pod web, uid uid-1: failed to connect`), 10_000);
  });
});

async function spdyClient(): Promise<{ session: SpdySession; socket: import('node:net').Socket }> {
  const up = await spdyUpgrade(front.url, '/api/v1/namespaces/default/pods/web/portforward');
  expect(up.status).toBe(101);
  expect(up.head).toMatch(/X-Stream-Protocol-Version: portforward.k8s.io/i);
  if (up.rest.length) up.socket.unshift(up.rest);
  const session = new SpdySession(up.socket, { server: false, logger: silentLogger() });
  up.socket.resume();
  return { session, socket: up.socket };
}

async function openPair(session: SpdySession, port: number, requestId?: string): Promise<{ data: SpdyStream; error: SpdyStream; errorText: Promise<string> }> {
  const h = (type: string) => ({ streamtype: [type], port: [String(port)], ...(requestId === undefined ? {} : { requestid: [requestId] }) });
  const error = await session.openStream(h('error'));
  error.end();
  const errorText = readAll(error);
  const data = await session.openStream(h('data'));
  return { data, error, errorText };
}

describe('the SPDY session with a raw client', () => {
  it('keeps the tunnel usable after a refused connection, and pairs streams of clients without requestid', async () => {
    const { session } = await spdyClient();
    const refused = await openPair(session, pods.closed, '0');
    refused.data.resume();
    expect(await refused.errorText).toContain(`error forwarding port ${pods.closed} to pod web, uid uid-1: failed to connect`);
    for (const requestId of ['1', undefined]) {
      const ok = await openPair(session, pods.echo, requestId);
      const echoed = readAll(ok.data);
      ok.data.end('still usable');
      expect(await echoed).toBe('still usable');
      expect(await ok.errorText).toBe('');
    }
    session.close();
  });

  it('resets a stream with a bad port or stream type, and answers pings', async () => {
    const { session, socket } = await spdyClient();
    const frames: string[] = [];
    const reader = new FrameReader();
    socket.on('data', (d: Buffer) => {
      for (const f of reader.feed(d)) frames.push(f.kind === 'rst_stream' ? `rst ${f.streamId} ${f.status}` : f.kind === 'ping' ? `ping ${f.id}` : f.kind);
    });
    const bad = await session.openStream({ streamtype: ['data'], port: ['99999'], requestid: ['0'] }, true);
    const odd = await session.openStream({ streamtype: ['shell'], port: ['80'], requestid: ['1'] }, true);
    session.ping(7);
    await eventually('the resets and the ping answer', () => frames.includes(`rst ${bad.id} ${RstStatus.ProtocolError}`) && frames.includes(`rst ${odd.id} ${RstStatus.ProtocolError}`) && frames.includes('ping 7'), 5_000);
    session.close();
  });

  it.each([
    ['a control frame of SPDY version 32767', Buffer.from([0xff, 0xff, 0, 1, 0, 0, 0, 0])],
    ['a SYN_STREAM whose header block is not zlib', Buffer.from([0x80, 3, 0, 1, FLAG_FIN, 0, 0, 14, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])],
    ['a control frame over the size limit', Buffer.from([0x80, 3, 0, 1, 0, 0xff, 0xff, 0xff])],
  ])('answers %s with GOAWAY PROTOCOL_ERROR and closes, and the server goes on', async (_n, bytes) => {
    const up = await spdyUpgrade(front.url, '/api/v1/namespaces/default/pods/web/portforward');
    const reader = new FrameReader();
    const got: string[] = [];
    up.socket.on('data', (d: Buffer) => {
      for (const f of reader.feed(d)) got.push(f.kind === 'goaway' ? `goaway ${f.status}` : f.kind);
    });
    up.socket.resume();
    up.socket.write(bytes);
    await new Promise((r) => up.socket.once('close', r));
    expect(got).toEqual(['goaway 1']);
    const { session } = await spdyClient();
    const ok = await openPair(session, pods.echo, '0');
    const echoed = readAll(ok.data);
    ok.data.end('after the bad one');
    expect(await echoed).toBe('after the bad one');
    session.close();
  });
});

describe('requests refused before the upgrade', () => {
  it.each([
    ['a SPDY upgrade for another protocol', { 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' }, 403, /unable to negotiate protocol/],
    ['a missing pod', {}, 404, /"reason":"NotFound","message":"pod \\"missing\\" not found"/, '/api/v1/namespaces/default/pods/missing/portforward'],
  ])('%s', async (_n, headers, code, message, path?: string) => {
    const up = await spdyUpgrade(front.url, path ?? '/api/v1/namespaces/default/pods/web/portforward', headers as Record<string, string>);
    expect(up.status).toBe(code);
    up.socket.destroy();
    expect(up.head + up.rest.toString()).toMatch(message as RegExp);
  });

  it.each([
    ['an unknown WebSocket subprotocol', 'v5.channel.k8s.io', '?ports=80', /none of the WebSocket subprotocols v5.channel.k8s.io/],
    ['no ports for the channel protocol', 'v4.channel.k8s.io', '', /query parameter \\"ports\\" is required/],
    ['a bad port', 'v4.channel.k8s.io', '?ports=80,0', /unable to parse \\"0\\" as a port/],
  ])('%s: 400', async (_n, subprotocol, query, message) => {
    const ws = new WebSocket(`${front.url.replace('http', 'ws')}/api/v1/namespaces/default/pods/web/portforward${query}`, [subprotocol]);
    ws.on('error', () => undefined);
    const res = await new Promise<{ code: number; body: string }>((resolve) => {
      ws.on('unexpected-response', (_req, r) => {
        let body = '';
        r.on('data', (d: Buffer) => (body += d));
        r.on('end', () => resolve({ code: r.statusCode ?? 0, body }));
      });
    });
    expect(res.code).toBe(400);
    expect(res.body).toMatch(message);
  });
});
