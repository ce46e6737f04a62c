// The agent's own credential in --cert-dir (Kubernetes' TLS bootstrap and client
// certificate rotation):
//   ensureNodeCredential  at start: a valid certificate for this node in the dir is
//       reused (a restart needs no token); otherwise one is requested with the bootstrap
//       token, retried with backoff (each failure logged with what to do), and stored 0600
//   CertificateRotation   a component that, once 70-90 % (jittered) of the certificate's
//       lifetime has passed, requests the next one with the current certificate, stores
//       it, and swaps it into the API client: running pods are untouched, watches
//       reconnect with the new certificate when they end.

import { ApiClient } from '../../client/rest-client.js';
import { readCredential, writeCredential, type NodeCredential } from '../../foundation/cert-dir.js';
import type { Component } from '../../foundation/component.js';
import type { Logger } from '../../foundation/logger.js';
import { explainRequestError, requestNodeCertificate } from './request-certificate.js';

export interface ConnectionOptions {
  server: string;
  ca?: string;
  insecureSkipTLSVerify?: boolean;
}

const backoff = (attempt: number) => Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

/** Usable: for this node, and not expired. */
function usable(c: NodeCredential | undefined, nodeName: string, now: number): boolean {
  return !!c && c.commonName === `system:node:${nodeName}` && c.notAfterMs > now;
}

export async function ensureNodeCredential(
  o: ConnectionOptions & { nodeName: string; certDir: string; bootstrapToken?: string; logger: Logger; signal?: AbortSignal },
): Promise<NodeCredential> {
  let existing: NodeCredential | undefined;
  try {
    existing = readCredential(o.certDir);
  } catch (err) {
    o.logger.warn({ err, certDir: o.certDir }, 'the node credential in the cert dir is unreadable; requesting a new one');
  }
  if (existing && usable(existing, o.nodeName, Date.now())) {
    o.logger.info({ certDir: o.certDir, notAfter: new Date(existing.notAfterMs).toISOString() }, 'using the node client certificate in the cert dir');
    return existing;
  }
  if (existing) o.logger.warn({ subject: existing.commonName, notAfter: new Date(existing.notAfterMs).toISOString() }, 'the certificate in the cert dir is expired or for another node');
  if (!o.bootstrapToken) throw new Error(`no valid node credential in ${o.certDir} and no --bootstrap-token to request one (create a token with \`orch token create\`)`);
  const client = new ApiClient({ server: o.server, ca: o.ca, insecureSkipTLSVerify: o.insecureSkipTLSVerify, token: o.bootstrapToken, userAgent: `orch-agent/${o.nodeName} (bootstrap)` });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        o.logger.info({ server: o.server, node: o.nodeName }, 'joining: requesting a node client certificate with the bootstrap token');
        const { certPem, keyPem, csrName } = await requestNodeCertificate({ client, nodeName: o.nodeName, logger: o.logger, signal: o.signal });
        const cred = writeCredential(o.certDir, certPem, keyPem);
        o.logger.info({ csr: csrName, certDir: o.certDir, notAfter: new Date(cred.notAfterMs).toISOString() }, 'node client certificate received and stored');
        return cred;
      } catch (err) {
        if (o.signal?.aborted) throw err;
        const wait = backoff(attempt);
        o.logger.error({ retryInMs: wait }, `cannot get a node client certificate: ${explainRequestError(err)}`);
        await sleep(wait, o.signal);
        if (o.signal?.aborted) throw new Error('stopped while joining');
      }
    }
  } finally {
    client.close();
  }
}

export interface RotationOptions {
  client: ApiClient;
  nodeName: string;
  certDir: string;
  initial: NodeCredential;
  logger: Logger;
  random?: () => number;
}

/** When the next certificate is due: 70-90 % of the way from notBefore to notAfter. */
export function rotationDeadline(c: Pick<NodeCredential, 'notBeforeMs' | 'notAfterMs'>, random: () => number = Math.random): number {
  return c.notBeforeMs + (0.7 + 0.2 * random()) * (c.notAfterMs - c.notBeforeMs);
}

export class CertificateRotation implements Component {
  readonly name = 'certificate-rotation';
  private current: NodeCredential;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly o: RotationOptions) {
    this.current = o.initial;
  }

  async start(): Promise<void> {
    this.schedule();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  ready(): string | undefined {
    return this.current.notAfterMs > Date.now() ? undefined : 'the node client certificate has expired';
  }

  private schedule(delayMs?: number): void {
    if (this.abort.signal.aborted) return;
    const due = delayMs ?? Math.max(0, rotationDeadline(this.current, this.o.random) - Date.now());
    // Timers cannot wait longer than ~24.8 days: wake up and look again.
    this.timer = setTimeout(() => (this.running = this.rotate()), Math.min(due, 2 ** 31 - 1));
    this.timer.unref();
    if (delayMs === undefined) this.o.logger.debug({ rotateAt: new Date(Date.now() + due).toISOString() }, 'node client certificate rotation scheduled');
  }

  private async rotate(attempt = 0): Promise<void> {
    if (Date.now() < rotationDeadline(this.current, () => 0)) return this.schedule();
    try {
      this.o.logger.info({ notAfter: new Date(this.current.notAfterMs).toISOString() }, 'rotating the node client certificate');
      const { certPem, keyPem, csrName } = await requestNodeCertificate({ client: this.o.client, nodeName: this.o.nodeName, logger: this.o.logger, signal: this.abort.signal });
      this.current = writeCredential(this.o.certDir, certPem, keyPem);
      this.o.client.setClientCertificate(certPem, keyPem);
      this.o.logger.info({ csr: csrName, notAfter: new Date(this.current.notAfterMs).toISOString() }, 'node client certificate rotated');
      this.schedule();
    } catch (err) {
      if (this.abort.signal.aborted) return;
      const wait = backoff(attempt);
      this.o.logger.error({ retryInMs: wait }, `cannot rotate the node client certificate: ${explainRequestError(err)}`);
      this.timer = setTimeout(() => (this.running = this.rotate(attempt + 1)), wait);
      this.timer.unref();
    }
  }
}
