// The agent's own HTTPS endpoint, reached by the apiserver's pods/{name}/log proxy. It
// serves exactly one path and nothing else of Docker:
//   GET /containerLogs/{namespace}/{pod}/{container}?follow=&tailLines=&timestamps=&sinceSeconds=&previous=
// Callers need a bearer token listed in --log-server-token-file; 401 otherwise.

import crypto from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../client/logger.js';
import { LABEL_CONTAINER, LABEL_NAMESPACE, LABEL_NODE, LABEL_POD, attemptOf } from './labels.js';
import { isRuntimeError, type ContainerInfo, type ContainerRuntime } from './runtime/types.js';

export interface LogServerOptions {
  runtime: ContainerRuntime;
  nodeName: string;
  logger: Logger;
  port: number;
  host?: string;
  /** Bearer tokens accepted. Empty → every request is refused. */
  tokens: () => readonly string[];
  /** Plain HTTP (tests only). */
  insecure?: boolean;
  cert?: string;
  key?: string;
}

/**
 * A self-signed certificate for the node's endpoint, used when no --log-server-cert is
 * given. node-forge is loaded only here: it costs ~10 MB of agent memory otherwise.
 */
export async function selfSignedCert(commonName: string, altIPs: string[]): Promise<{ cert: string; key: string }> {
  const forge = (await import('node-forge')).default;
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = crypto.randomBytes(8).toString('hex').replace(/^[89a-f]/, '1');
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 365 * 24 * 3600_000);
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'extKeyUsage', serverAuth: true },
    { name: 'subjectAltName', altNames: [{ type: 2, value: commonName }, ...altIPs.map((ip) => ({ type: 7, ip }))] },
  ]);
  const key = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  cert.sign(forge.pki.privateKeyFromPem(key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key };
}

function timingSafeIncludes(tokens: readonly string[], given: string): boolean {
  const g = Buffer.from(given);
  let ok = false;
  for (const t of tokens) {
    const b = Buffer.from(t);
    if (b.length === g.length && crypto.timingSafeEqual(b, g)) ok = true;
  }
  return ok;
}

function intParam(v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : Number.NaN;
}

const finished = (c: ContainerInfo) => c.state === 'exited' || (c.state === 'created' && !!c.error);

/**
 * Which container's logs to serve for one pod container. Containers being removed (or
 * 'dead', i.e. a removal that failed) have no readable logs and are never chosen.
 * Current: the newest running attempt, else the newest remaining one. Previous: the newest
 * finished attempt older than the current one.
 */
export function pickLogContainer(found: ContainerInfo[], previous: boolean): ContainerInfo | undefined {
  const usable = found
    .filter((c) => c.state !== 'removing' && c.state !== 'dead')
    .sort((a, b) => attemptOf(b.labels) - attemptOf(a.labels) || (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  const current = usable.find((c) => c.state === 'running') ?? usable[0];
  if (!previous) return current;
  if (!current) return undefined;
  return usable.slice(usable.indexOf(current) + 1).find(finished);
}

export class LogServer {
  private server?: http.Server | https.Server;

  constructor(private readonly o: LogServerOptions) {}

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.o.port;
  }

  async start(): Promise<void> {
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch((err) => {
        this.o.logger.warn({ err: (err as Error).message }, 'log request failed');
        if (!res.headersSent) this.text(res, 500, `error reading logs: ${(err as Error).message}\n`);
        else res.destroy();
      });
    };
    if (this.o.insecure) this.server = http.createServer(handler);
    else {
      const tls = this.o.cert && this.o.key ? { cert: this.o.cert, key: this.o.key } : await selfSignedCert(this.o.nodeName, ['127.0.0.1']);
      this.server = https.createServer(tls, handler);
    }
    const srv = this.server;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(this.o.port, this.o.host ?? '0.0.0.0', () => {
        srv.off('error', reject);
        resolve();
      });
    });
  }

  async stop(): Promise<void> {
    const srv = this.server;
    if (!srv) return;
    await new Promise<void>((resolve) => {
      srv.close(() => resolve());
      srv.closeAllConnections?.();
    });
  }

  private text(res: http.ServerResponse, code: number, body: string): void {
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(body);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const auth = req.headers.authorization ?? '';
    const token = auth.startsWith('Bearer ') ? auth.slice(7).trim() : '';
    if (!token || !timingSafeIncludes(this.o.tokens(), token)) return this.text(res, 401, 'Unauthorized\n');
    const url = new URL(req.url ?? '/', 'http://agent');
    const m = /^\/containerLogs\/([^/]+)\/([^/]+)\/([^/]+)\/?$/.exec(url.pathname);
    if (!m || req.method !== 'GET') return this.text(res, 404, 'Not Found\n');
    const [ns, pod, container] = m.slice(1).map(decodeURIComponent) as [string, string, string];
    const q = url.searchParams;
    const tail = intParam(q.get('tailLines'));
    const since = intParam(q.get('sinceSeconds'));
    if (Number.isNaN(tail) || Number.isNaN(since)) return this.text(res, 400, 'tailLines and sinceSeconds must be non-negative integers\n');
    const follow = q.get('follow') === 'true' || q.get('follow') === '1';
    const previous = q.get('previous') === 'true' || q.get('previous') === '1';

    const found = await this.o.runtime.listContainers({ [LABEL_NODE]: this.o.nodeName, [LABEL_NAMESPACE]: ns, [LABEL_POD]: pod, [LABEL_CONTAINER]: container });
    const target = pickLogContainer(found, previous);
    const missing = previous ? `previous terminated container "${container}" in pod "${pod}" not found\n` : `container "${container}" in pod "${pod}" not found on this node\n`;
    if (!target) return this.text(res, 404, missing);
    let stream;
    try {
      stream = await this.o.runtime.logs(target.id, {
        follow,
        tail,
        timestamps: q.get('timestamps') === 'true',
        since: since !== undefined ? Math.floor(Date.now() / 1000) - since : undefined,
      });
    } catch (err) {
      // Removed (or being removed) between the list and this call: as if it never existed.
      if (isRuntimeError(err, 'notfound') || isRuntimeError(err, 'conflict')) return this.text(res, 404, missing);
      throw err;
    }
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
    res.flushHeaders();
    const cleanup = () => (stream as { destroy?: () => void }).destroy?.();
    res.on('close', cleanup);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }
}
