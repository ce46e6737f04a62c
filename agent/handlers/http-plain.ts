// Plain-HTTP GET for probes over a bare TCP socket: one request (HTTP/1.1, `Connection:
// close`, a new connection each time as the kubelet's prober does), the status line, the
// headers, and at most `bodyLimit` bytes of body (Content-Length, chunked, or up to the
// close). Why not node:http: a node with 100 pods probed twice a second spends its CPU in
// the HTTP client's objects (ClientRequest, IncomingMessage, streams), measured at twice
// the cost of this for the same probes (bench/results/probes.md). HTTPS keeps node:https.
//
// Per run, what a probe pays is mostly the kernel's (connect, one write, close), so the rest
// is kept lean (docs/performance.md, "Probe cost"):
// - the request bytes are encoded once per probe (`encodePlainGet`), not per run;
// - reads land in one shared buffer (net's `onread`): no Readable stream buffering and no
//   'data' events; each read is copied out at once (reads run one at a time on the loop);
// - once the whole response is in, the connection is closed with a reset (SO_LINGER 0)
//   rather than a FIN: with a FIN, each probe left a TIME_WAIT socket in the pod (60 s) and
//   a TIME_WAIT conntrack entry on the node (120 s) — ~12 000 and ~24 000 at 200 probes a
//   second (measured: docs/performance.md, "Probe cost"); the reason the kubelet sets
//   SO_LINGER on its probe dialer (kubernetes#89898) and HAProxy closes its health checks
//   with a reset. Nothing is lost: the response was read to its end. A server that closed
//   first (close-delimited bodies) or a connection that failed gets a plain close.

import net from 'node:net';
import { dialError } from './handler-result.js';
import { joinHostPort } from './resolve-port.js';

export interface PlainResponse {
  statusCode: number;
  body: string;
}

/** The outcome: a response, or the error text after `Get "<url>": ` (Go's wording). */
export type PlainOutcome = { response: PlainResponse } | { error: string };

const HEADER_LIMIT = 64 * 1024;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

/** Every probe socket reads into this (copied out in the callback, before the next read can run). */
const READ_BUFFER = Buffer.allocUnsafe(16 * 1024);

/** A de-chunked body from a chunked message (as much as there is); done: the last chunk was seen. */
export function decodeChunked(raw: Buffer): { body: Buffer; done: boolean } {
  const parts: Buffer[] = [];
  let i = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', i);
    if (eol < 0) return { body: Buffer.concat(parts), done: false };
    const size = parseInt(raw.subarray(i, eol).toString('latin1').split(';')[0]!.trim(), 16);
    if (!Number.isFinite(size)) return { body: Buffer.concat(parts), done: true };
    if (size === 0) return { body: Buffer.concat(parts), done: true };
    const start = eol + 2;
    parts.push(raw.subarray(start, Math.min(start + size, raw.length)));
    if (start + size + 2 > raw.length) return { body: Buffer.concat(parts), done: false };
    i = start + size + 2;
  }
}

export interface PlainGetRequest {
  host: string;
  port: number;
  path: string;
  headers: Record<string, string>;
}

/** The request's bytes: request line, Host (the handler's if it set one), its headers, Connection: close. */
export function encodePlainGet(o: PlainGetRequest): Buffer {
  const lines = [`GET ${o.path} HTTP/1.1`];
  // Go sends the URL's host unless a Host header says otherwise.
  const host = Object.keys(o.headers).find((k) => k.toLowerCase() === 'host');
  lines.push(`Host: ${host ? o.headers[host] : joinHostPort(o.host, o.port)}`);
  for (const [k, v] of Object.entries(o.headers)) if (k !== host) lines.push(`${k}: ${v}`);
  lines.push('Connection: close', '', '');
  return Buffer.from(lines.join('\r\n'), 'latin1');
}

export function plainGet(o: PlainGetRequest & { timeoutMs: number; bodyLimit: number }): Promise<PlainOutcome> {
  return sendPlainGet(o.host, o.port, encodePlainGet(o), o.timeoutMs, o.bodyLimit);
}

interface Head {
  statusCode: number;
  bodyAt: number;
  length?: number;
  chunked: boolean;
}

/** The status line and headers of `all` (which holds at least up to the blank line at `end`). */
function parseHead(all: Buffer, end: number): Head | string {
  const text = all.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(text[0] ?? '');
  if (!m) return `net/http: HTTP/1.x transport connection broken: malformed HTTP response ${JSON.stringify(text[0] ?? '')}`;
  let length: number | undefined;
  let chunked = false;
  for (let j = 1; j < text.length; j++) {
    const line = text[j]!;
    const i = line.indexOf(':');
    const name = line.slice(0, i).trim().toLowerCase();
    if (name === 'content-length') length = Number(line.slice(i + 1).trim());
    else if (name === 'transfer-encoding') chunked = line.slice(i + 1).toLowerCase().includes('chunked');
  }
  const statusCode = Number(m[1]);
  // No body for these, whatever the headers say.
  if (statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode < 200)) length = 0;
  return { statusCode, bodyAt: end + 4, length: chunked ? undefined : length, chunked };
}

/** One GET with pre-encoded request bytes (encodePlainGet). Never rejects. */
export function sendPlainGet(host: string, port: number, request: Buffer, timeoutMs: number, bodyLimit: number): Promise<PlainOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let all: Buffer | undefined;
    let head: Head | undefined;
    /** The response so far, if its head is complete. */
    const response = (): PlainResponse | undefined => {
      if (!head || !all) return undefined;
      const raw = all.subarray(head.bodyAt);
      const body = head.chunked ? decodeChunked(raw).body : raw.subarray(0, head.length ?? raw.length);
      return { statusCode: head.statusCode, body: body.subarray(0, bodyLimit).toString('utf8') };
    };
    const finish = (r: PlainOutcome, reset: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      // A reset needs a connected socket; connecting (timeout) or already closing: a plain close.
      if (reset && !socket.connecting && !socket.destroyed && !socket.readableEnded) socket.resetAndDestroy();
      else socket.destroy();
      resolve(r);
    };
    const onRead = (n: number, buf: Buffer): boolean => {
      if (settled) return false;
      const chunk = Buffer.from(buf.subarray(0, n)); // a copy: READ_BUFFER is every socket's
      all = all ? Buffer.concat([all, chunk]) : chunk;
      if (!head) {
        const end = all.indexOf(CRLFCRLF);
        if (end < 0) {
          if (all.length > HEADER_LIMIT) finish({ error: 'net/http: server response headers exceeded 65536 bytes; aborted' }, true);
          return true;
        }
        const h = parseHead(all, end);
        if (typeof h === 'string') {
          finish({ error: h }, true);
          return false;
        }
        head = h;
      }
      const raw = all.subarray(head.bodyAt);
      const complete = head.chunked ? decodeChunked(raw).done : head.length !== undefined && raw.length >= head.length;
      if (complete || raw.length >= bodyLimit) finish({ response: response()! }, true);
      return true;
    };
    const socket = net.connect({ host, port, onread: { buffer: READ_BUFFER, callback: onRead } });
    const timer = setTimeout(() => {
      const r = response();
      // Headers in but the body slow: judge by the status, as the body is only the message.
      finish(r ? { response: r } : { error: 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' }, false);
    }, timeoutMs);
    // Written once connected (net queues it meanwhile).
    socket.write(request);
    socket.once('end', () => {
      const r = response();
      finish(r ? { response: r } : { error: 'EOF' }, false);
    });
    // Kept for the socket's life: a late error after a reset must not go unhandled.
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const r = response();
      finish(r ? { response: r } : { error: dialError(joinHostPort(host, port), err) }, false);
    });
  });
}
