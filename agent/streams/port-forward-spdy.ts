// kubectl's port-forward protocol (portforward.k8s.io) over one SPDY/3.1 session, plain or
// tunnelled in a WebSocket. Per local connection the client opens two streams with the
// headers streamtype (error|data), port and requestid: it half-closes the error stream at
// once and reads it to the end; the data stream carries the bytes both ways. The pair is
// matched by requestid (by stream id for clients too old to send one, as the kubelet does),
// then the agent dials the pod's port. A failure is written on the error stream in the
// kubelet's words ("error forwarding port 81 to pod web, uid ...: ...") and only that
// connection ends: the session takes the next one. When the pod's side and the client's
// side have both ended, the error stream is closed empty (kubectl waits for that).

import type net from 'node:net';
import type { Logger } from '../../foundation/logger.js';
import { RstStatus } from './spdy/frames.js';
import type { SpdySession, SpdyStream } from './spdy/session.js';
import { forwardError } from './port-forward-target.js';

export interface SpdyForwardOptions {
  pod: string;
  podUid: string;
  logger: Logger;
  dial: (port: number) => Promise<net.Socket>;
  /** How long the second stream of a pair may lag behind the first (the kubelet's streamCreationTimeout). */
  pairTimeoutMs?: number;
}

interface Pair {
  port: number;
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

export function servePortForwardSession(session: SpdySession, o: SpdyForwardOptions): void {
  const pairs = new Map<string, Pair>();
  session.on('close', () => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
  });

  session.on('stream', (s: SpdyStream) => {
    s.on('error', (err) => o.logger.debug({ err, stream: s.id }, 'port-forward stream failed'));
    const type = s.header('streamtype');
    const portText = s.header('port') ?? '';
    const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if ((type !== 'data' && type !== 'error') || !(port >= 1 && port <= 65535)) {
      o.logger.debug({ type, port: portText }, 'port-forward stream refused: bad streamtype or port header');
      return s.resetStream(RstStatus.ProtocolError);
    }
    s.reply().catch(() => s.destroy());
    // Older clients send no requestid; their pairs are (error n, data n+2).
    const key = s.header('requestid') ?? String(type === 'error' ? s.id : s.id - 2);
    let pair = pairs.get(key);
    if (!pair) {
      const timer = setTimeout(() => {
        pairs.delete(key);
        failPair(pair!, `timed out waiting for the ${pair!.data ? 'error' : 'data'} stream of request ${key}`);
      }, o.pairTimeoutMs ?? 30_000);
      timer.unref();
      pair = { port, timer };
      pairs.set(key, pair);
    }
    if (pair[type] || pair.port !== port) {
      o.logger.debug({ requestId: key }, 'port-forward stream refused: duplicate stream or port mismatch in a request');
      return s.resetStream(RstStatus.ProtocolError);
    }
    pair[type] = s;
    if (type === 'error') s.resume(); // the client only half-closes it
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(key);
      void forward(pair.port, pair.data, pair.error, o);
    }
  });
}

function failPair(p: Pair, message: string): void {
  if (p.error && !p.error.destroyed) p.error.end(message);
  else p.data?.resetStream(RstStatus.Cancel);
  p.data?.end();
}

async function forward(port: number, data: SpdyStream, error: SpdyStream, o: SpdyForwardOptions): Promise<void> {
  let sock: net.Socket;
  try {
    sock = await o.dial(port);
  } catch (err) {
    const message = forwardError(port, o.pod, o.podUid, (err as Error).message);
    o.logger.debug({ port }, message);
    error.end(message);
    data.end();
    data.resume();
    return;
  }
  if (data.destroyed) {
    sock.destroy();
    error.end();
    return;
  }
  sock.on('error', (err) => {
    o.logger.debug({ err, port }, 'port-forward pod connection failed');
    data.resetStream(RstStatus.Cancel);
  });
  // Both directions, half-close included: the client's FIN ends the pod socket's writing
  // side and the pod's FIN becomes the data stream's.
  data.pipe(sock);
  sock.pipe(data);
  let podDone = false;
  let clientDone = false;
  const settle = () => {
    if (!(podDone && clientDone) && !data.destroyed) return;
    sock.destroy();
    if (!error.writableEnded && !error.destroyed) error.end();
  };
  sock.once('end', () => {
    podDone = true;
    settle();
  });
  data.once('end', () => {
    clientDone = true;
    settle();
  });
  data.once('close', () => {
    podDone = clientDone = true;
    settle();
  });
  sock.once('close', () => {
    // The pod's socket is gone: flush what it sent, then finish our side of the stream.
    if (!data.writableEnded && !data.destroyed) data.end();
  });
}
