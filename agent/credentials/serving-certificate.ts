// The agent's serving certificate for its log/exec endpoint, got by CSR as a kubelet with
// serverTLSBootstrap gets its own: a fresh key, a request for signer
// kubernetes.io/kubelet-serving with CN system:node:NAME, O system:nodes and the node's
// names (NAME, its host name, its IP: what it publishes in status.addresses) as subject
// alternative names, sent with the node's own client credential. csrapproving approves it
// when the names are the Node's own (controller/csr-approving/serving-approval.ts) and
// csrsigning issues it from the cluster CA: the certificate the apiserver checks
// (foundation/agent-tls.ts), with no file copied by hand.
//
// At start a stored certificate (orch-node-server-current.pem in --cert-dir, 0600) for the
// same names is reused; otherwise one is requested in the background (start does not wait:
// until it arrives the endpoint serves its temporary self-signed certificate, which the
// apiserver refuses, as a kubelet refuses handshakes until then). It is replaced at
// 70-90 % of its lifetime; each new certificate is swapped into the running endpoint
// (`install`), so no connection or stream is dropped.

import net from 'node:net';
import type { Client } from '../../client/types.js';
import { readCredential, SERVING_CREDENTIAL_FILE, writeCredential, type NodeCredential } from '../../foundation/cert-dir.js';
import type { Component } from '../../foundation/component.js';
import type { Logger } from '../../foundation/logger.js';
import { certificateSANs, normalizeIP } from '../../foundation/pki.js';
import { rotationDeadline } from './node-credential.js';
import { explainRequestError, requestNodeCertificate } from './request-certificate.js';

export interface ServingNames {
  dnsNames: string[];
  ipAddresses: string[];
}

/** The names a node's serving certificate carries: its name, host name and IP, without repeats. */
export function servingNames(nodeName: string, hostname: string, nodeIP: string): ServingNames {
  const all = [nodeName, hostname, nodeIP].filter((n) => n !== '');
  const dnsNames = [...new Set(all.filter((n) => net.isIP(n) === 0).map((n) => n.toLowerCase()))];
  const ipAddresses = [...new Set(all.filter((n) => net.isIP(n) !== 0).map(normalizeIP))];
  return { dnsNames, ipAddresses };
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((v) => b.includes(v));

/** The stored certificate is this node's, unexpired, and for exactly these names. */
function usable(c: NodeCredential | undefined, nodeName: string, names: ServingNames, now: number): c is NodeCredential {
  if (!c || c.commonName !== `system:node:${nodeName}` || c.notAfterMs <= now) return false;
  const has = certificateSANs(c.certPem);
  return sameSet(has.dnsNames.map((d) => d.toLowerCase()), names.dnsNames) && sameSet(has.ipAddresses, names.ipAddresses);
}

const backoff = (attempt: number) => Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5));

export interface ServingCertificateOptions {
  client: Client;
  nodeName: string;
  certDir: string;
  /** Read at start (the node's IP is known by then). */
  names: () => ServingNames;
  /** Swaps a certificate into the running endpoint. */
  install: (certPem: string, keyPem: string) => void;
  logger: Logger;
  random?: () => number;
  /** Between two looks at a pending request (default 1 s). */
  pollMs?: number;
}

export class ServingCertificate implements Component {
  readonly name = 'serving-certificate';
  private current: NodeCredential | undefined;
  private names: ServingNames = { dnsNames: [], ipAddresses: [] };
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly o: ServingCertificateOptions) {}

  async start(): Promise<void> {
    this.names = this.o.names();
    let stored: NodeCredential | undefined;
    try {
      stored = readCredential(this.o.certDir, SERVING_CREDENTIAL_FILE);
    } catch (err) {
      this.o.logger.warn({ err, certDir: this.o.certDir }, 'the stored serving certificate is unreadable; requesting a new one');
    }
    if (usable(stored, this.o.nodeName, this.names, Date.now())) {
      this.current = stored;
      this.o.install(stored.certPem, stored.keyPem);
      this.o.logger.info({ notAfter: new Date(stored.notAfterMs).toISOString() }, 'using the serving certificate in the cert dir');
      this.schedule();
    } else {
      if (stored) this.o.logger.info('the stored serving certificate is expired, for another node or for other names: requesting a new one');
      this.schedule(0);
    }
  }

  async stop(): Promise<void> {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  private schedule(delayMs?: number): void {
    if (this.abort.signal.aborted) return;
    const due = delayMs ?? (this.current ? Math.max(0, rotationDeadline(this.current, this.o.random) - Date.now()) : 0);
    // Timers cannot wait longer than ~24.8 days: wake up and look again.
    this.timer = setTimeout(() => (this.running = this.renew()), Math.min(due, 2 ** 31 - 1));
    this.timer.unref();
  }

  private async renew(attempt = 0): Promise<void> {
    if (this.current && Date.now() < rotationDeadline(this.current, () => 0)) return this.schedule();
    try {
      this.o.logger.info({ ...this.names, renewal: !!this.current }, 'requesting a serving certificate for the log endpoint');
      const { certPem, keyPem, csrName } = await requestNodeCertificate({
        client: this.o.client,
        nodeName: this.o.nodeName,
        logger: this.o.logger,
        signal: this.abort.signal,
        pollMs: this.o.pollMs,
        serving: this.names,
      });
      this.current = writeCredential(this.o.certDir, certPem, keyPem, SERVING_CREDENTIAL_FILE);
      this.o.install(certPem, keyPem);
      this.o.logger.info({ csr: csrName, notAfter: new Date(this.current.notAfterMs).toISOString() }, 'serving certificate issued and in use');
      this.schedule();
    } catch (err) {
      if (this.abort.signal.aborted) return;
      const wait = backoff(attempt);
      this.o.logger.error({ retryInMs: wait }, `cannot get a serving certificate: ${explainRequestError(err)}`);
      this.timer = setTimeout(() => (this.running = this.renew(attempt + 1)), wait);
      this.timer.unref();
    }
  }
}
