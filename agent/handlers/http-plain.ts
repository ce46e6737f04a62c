// Plain-HTTP GET for probes over a bare TCP socket: one request (HTTP/1.1, `Connection:
// close`, a new connection each time as the kubelet's prober does), the status line, the
// headers, and at most `bodyLimit` bytes of body (Content-Length, chunked, or up to the
// close). Why not node:http: a node with 100 pods probed twice a second spends its CPU in
// the HTTP client's objects (ClientRequest, IncomingMessage, streams), measured at twice
// the cost of this for the same probes (bench/results/probes.md). HTTPS keeps node:https.

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

export function plainGet(o: { host: string; port: number; path: string; headers: Record<string, string>; timeoutMs: number; bodyLimit: number }): Promise<PlainOutcome> {
  const target = joinHostPort(o.host, o.port);
  const lines = [`GET ${o.path} HTTP/1.1`];
  // Go sends the URL's host unless a Host header says otherwise.
  const host = Object.keys(o.headers).find((k) => k.toLowerCase() === 'host');
  lines.push(`Host: ${host ? o.headers[host] : target}`);
  for (const [k, v] of Object.entries(o.headers)) if (k !== host) lines.push(`${k}: ${v}`);
  lines.push('Connection: close', '', '');
  return new Promise((resolve) => {
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    let head: { statusCode: number; bodyAt: number; length?: number; chunked: boolean } | undefined;
    const socket = net.connect({ host: o.host, port: o.port });
    const finish = (r: PlainOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    /** The response so far, if its head is complete. */
    const response = (all: Buffer): PlainResponse | undefined => {
      if (!head) return undefined;
      const raw = all.subarray(head.bodyAt);
      const body = head.chunked ? decodeChunked(raw).body : raw.subarray(0, head.length ?? raw.length);
      return { statusCode: head.statusCode, body: body.subarray(0, o.bodyLimit).toString('utf8') };
    };
    const timer = setTimeout(() => {
      const r = response(Buffer.concat(chunks));
      // Headers in but the body slow: judge by the status, as the body is only the message.
      finish(r ? { response: r } : { error: 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' });
    }, o.timeoutMs);
    socket.once('connect', () => socket.write(lines.join('\r\n'), 'latin1'));
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      size += d.length;
      const all = chunks.length === 1 ? d : Buffer.concat(chunks);
      if (!head) {
        const end = all.indexOf('\r\n\r\n');
        if (end < 0) {
          if (size > HEADER_LIMIT) finish({ error: 'net/http: server response headers exceeded 65536 bytes; aborted' });
          return;
        }
        const text = all.subarray(0, end).toString('latin1').split('\r\n');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(text[0] ?? '');
        if (!m) return finish({ error: `net/http: HTTP/1.x transport connection broken: malformed HTTP response ${JSON.stringify(text[0] ?? '')}` });
        let length: number | undefined;
        let chunked = false;
        for (const line of text.slice(1)) {
          const i = line.indexOf(':');
          const name = line.slice(0, i).trim().toLowerCase();
          const value = line.slice(i + 1).trim();
          if (name === 'content-length') length = Number(value);
          else if (name === 'transfer-encoding') chunked = value.toLowerCase().includes('chunked');
        }
        const statusCode = Number(m[1]);
        // No body for these, whatever the headers say.
        if (statusCode === 204 || statusCode === 304 || (statusCode >= 100 && statusCode < 200)) length = 0;
        head = { statusCode, bodyAt: end + 4, length: chunked ? undefined : length, chunked };
      }
      const raw = all.subarray(head.bodyAt);
      const complete = head.chunked ? decodeChunked(raw).done : head.length !== undefined && raw.length >= head.length;
      if (complete || raw.length >= o.bodyLimit) finish({ response: response(all)! });
    });
    socket.once('end', () => {
      const r = response(Buffer.concat(chunks));
      finish(r ? { response: r } : { error: 'EOF' });
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const r = response(Buffer.concat(chunks));
      finish(r ? { response: r } : { error: dialError(target, err) });
    });
  });
}
