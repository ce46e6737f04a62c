// httpGet handler (probes and lifecycle hooks), with the kubelet's rules: the URL is
// scheme://host:port/path with host defaulting to the pod IP; User-Agent kube-probe/1.32 and
// Accept */* unless the handler sets them; a Host header in httpHeaders becomes the Host;
// HTTPS does not verify the certificate; 200 ≤ status < 400 is success; at most 10 KiB of
// the body is read. Unlike the kubelet, redirects are not followed (a 3xx is already success).
// Plain HTTP goes over a bare socket (http-plain.ts: half the CPU of node:http per probe).

import https from 'node:https';
import type { HTTPHeader } from '../../api/types.js';
import { dialError, type HandlerResult } from './handler-result.js';
import { encodePlainGet, sendPlainGet } from './http-plain.js';
import { joinHostPort } from './resolve-port.js';

export interface HttpGetTarget {
  scheme: 'HTTP' | 'HTTPS';
  host: string;
  port: number;
  path: string;
  headers?: HTTPHeader[];
}

const BODY_LIMIT = 10 * 1024;
export const PROBE_USER_AGENT = 'kube-probe/1.32';

export function httpUrl(t: HttpGetTarget): string {
  const path = t.path.startsWith('/') ? t.path : `/${t.path}`;
  return `${t.scheme === 'HTTPS' ? 'https' : 'http'}://${joinHostPort(t.host, t.port)}${path}`;
}

/** The request headers: kubelet's defaults, replaced by the handler's of the same name (case-insensitive). */
function requestHeaders(t: HttpGetTarget): Record<string, string> {
  const headers: Record<string, string> = { 'User-Agent': PROBE_USER_AGENT, Accept: '*/*' };
  for (const h of t.headers ?? []) {
    for (const k of Object.keys(headers)) if (k.toLowerCase() === h.name.toLowerCase()) delete headers[k];
    headers[h.name] = h.value;
  }
  return headers;
}

export function httpGet(t: HttpGetTarget, timeoutMs: number): Promise<HandlerResult & { statusCode?: number }> {
  return prepareHttpGet(t)(timeoutMs);
}

/**
 * The handler for one target, prepared once: a probe runs it every period, so the URL and
 * (plain HTTP) the request bytes are built here, not per run.
 */
export function prepareHttpGet(t: HttpGetTarget): (timeoutMs: number) => Promise<HandlerResult & { statusCode?: number }> {
  const url = httpUrl(t);
  const headers = requestHeaders(t);
  if (t.scheme !== 'HTTPS') {
    const path = t.path.startsWith('/') ? t.path : `/${t.path}`;
    const request = encodePlainGet({ host: t.host, port: t.port, path, headers });
    return (timeoutMs) =>
      sendPlainGet(t.host, t.port, request, timeoutMs, BODY_LIMIT).then((r) => {
        if ('error' in r) return { ok: false, message: `Get "${url}": ${r.error}` };
        return verdict(r.response.statusCode, r.response.body);
      });
  }
  return (timeoutMs) => httpsGet(t, url, headers, timeoutMs);
}

function httpsGet(t: HttpGetTarget, url: string, headers: Record<string, string>, timeoutMs: number): Promise<HandlerResult & { statusCode?: number }> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: HandlerResult & { statusCode?: number }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve(r);
    };
    const req = https.get(url, { headers, agent: false, rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < BODY_LIMIT) chunks.push(c.subarray(0, BODY_LIMIT - size));
        size += c.length;
        if (size >= BODY_LIMIT) done();
      });
      const done = () => {
        finish(verdict(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
      };
      res.on('end', done);
      res.on('error', done);
    });
    const timer = setTimeout(
      () => finish({ ok: false, message: `Get "${url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)` }),
      timeoutMs,
    );
    req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, message: `Get "${url}": ${dialError(joinHostPort(t.host, t.port), err)}` }));
  });
}

function verdict(code: number, body: string): HandlerResult & { statusCode: number } {
  if (code >= 200 && code < 400) return { ok: true, message: body, statusCode: code };
  return { ok: false, message: `HTTP probe failed with statuscode: ${code}`, statusCode: code };
}
