// Port-forward over the WebSocket channel protocol (v4.channel.k8s.io, v4.base64.channel.k8s.io,
// or no subprotocol = binary), as the kubelet serves it and @kubernetes/client-node's
// PortForward speaks it. One WebSocket forwards ONE connection per requested port (the
// `ports` query): port i has a data channel 2i and an error channel 2i+1, each starting with
// the port number as a little-endian uint16. Every message starts with its channel number
// (binary: one byte; base64: one ASCII digit, then the payload in base64). A failed dial
// writes the kubelet's message on the error channel; when every port's connection is over
// the WebSocket is closed (the protocol has no other end-of-stream signal).

import type net from 'node:net';
import type WebSocket from 'ws';
import type { Logger } from '../../foundation/logger.js';
import { forwardError } from './port-forward-target.js';

export interface ChannelForwardOptions {
  ports: number[];
  base64: boolean;
  pod: string;
  podUid: string;
  logger: Logger;
  dial: (port: number) => Promise<net.Socket>;
}

/** Bytes sent to the client but not yet handed to the kernel before pod reads pause. */
const MAX_UNSENT = 4 * 1024 * 1024;

export function servePortForwardChannels(ws: WebSocket, o: ChannelForwardOptions): void {
  const socks: (net.Socket | undefined)[] = [];
  // Input that arrives while a port is still being dialled (client-node sends at once).
  const early: (Buffer[] | undefined)[] = o.ports.map(() => []);
  let earlyBytes = 0;
  const earlyDone = (i: number) => {
    for (const b of early[i] ?? []) earlyBytes -= b.length;
    early[i] = undefined;
    if (earlyBytes <= MAX_UNSENT && ws.isPaused) ws.resume();
  };
  const paused = new Set<net.Socket>();
  let unsent = 0;
  let open = o.ports.length;
  let closed = false;

  const send = (channel: number, payload: Buffer) => {
    if (closed || ws.readyState !== ws.OPEN) return;
    const msg = o.base64 ? String(channel) + payload.toString('base64') : Buffer.concat([Buffer.from([channel]), payload]);
    unsent += payload.length;
    ws.send(msg, { binary: !o.base64 }, () => {
      unsent -= payload.length;
      if (unsent < MAX_UNSENT / 2) for (const s of paused) s.resume();
      if (unsent < MAX_UNSENT / 2) paused.clear();
    });
  };
  const finishOne = () => {
    if (--open === 0 && !closed) ws.close(1000);
  };
  const shutdown = () => {
    closed = true;
    for (const s of socks) s?.destroy();
  };
  ws.on('close', shutdown);
  ws.on('error', (err) => {
    o.logger.debug({ err }, 'port-forward WebSocket failed');
    shutdown();
  });

  ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
    const buf = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
    let channel: number;
    let payload: Buffer;
    if (o.base64 && !isBinary) {
      const text = buf.toString('latin1');
      channel = text.charCodeAt(0) - 48;
      payload = Buffer.from(text.slice(1), 'base64');
    } else {
      if (buf.length === 0) return;
      channel = buf[0]!;
      payload = buf.subarray(1);
    }
    // Only data channels take input; anything else is ignored, as the kubelet's wsstream does.
    if (channel % 2 !== 0 || !payload.length) return;
    const waiting = early[channel / 2];
    if (waiting) {
      waiting.push(payload);
      // Bounded: past MAX_UNSENT the client waits until the dial ends.
      earlyBytes += payload.length;
      if (earlyBytes > MAX_UNSENT) ws.pause();
      return;
    }
    const sock = socks[channel / 2];
    if (!sock || sock.destroyed) return;
    if (!sock.write(payload)) {
      ws.pause();
      sock.once('drain', () => ws.resume());
    }
  });

  o.ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port);
    send(2 * i, portBytes);
    send(2 * i + 1, portBytes);
    o.dial(port).then(
      (sock) => {
        if (closed) return sock.destroy();
        socks[i] = sock;
        for (const b of early[i] ?? []) sock.write(b);
        earlyDone(i);
        sock.on('data', (chunk: Buffer) => {
          send(2 * i, chunk);
          if (unsent > MAX_UNSENT) {
            sock.pause();
            paused.add(sock);
          }
        });
        sock.on('error', (err) => o.logger.debug({ err, port }, 'port-forward pod connection failed'));
        sock.once('close', finishOne);
      },
      (err: Error) => {
        earlyDone(i);
        send(2 * i + 1, Buffer.from(forwardError(port, o.pod, o.podUid, err.message)));
        finishOne();
      },
    );
  });
}
