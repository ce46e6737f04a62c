// A real HTTPS admission webhook for tests: a local server with a certificate from a
// fresh CA made by the project's own PKI helpers (foundation/pki.ts), answering
// AdmissionReview v1 on any path with what the test's handler for that path says. Every
// review it receives is kept (per path), so tests can check what the apiserver sent.

import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AdmissionRequest, AdmissionResponse } from '../../api/admission-types.js';
import { generateCA, generateServerCert } from '../../foundation/pki.js';

export type WebhookHandler = (req: AdmissionRequest) => Omit<AdmissionResponse, 'uid'> | Promise<Omit<AdmissionResponse, 'uid'>>;

export interface TestWebhookServer {
  /** https://127.0.0.1:PORT{path} */
  url(path: string): string;
  /** The CA that signed the server's certificate, base64 PEM (clientConfig.caBundle). */
  caBundle: string;
  /** What `path` answers (default: allowed). */
  handle(path: string, handler: WebhookHandler): void;
  /** Reviews received on `path`, oldest first. */
  calls(path: string): AdmissionRequest[];
  stop(): Promise<void>;
}

export async function startWebhookServer(): Promise<TestWebhookServer> {
  const ca = generateCA({ commonName: 'orch-test-webhook-ca', validDays: 1 });
  const cert = generateServerCert(ca, { commonName: 'orch-test-webhook', validDays: 1 });
  const handlers = new Map<string, WebhookHandler>();
  const received = new Map<string, AdmissionRequest[]>();
  const server = https.createServer({ key: cert.keyPem, cert: cert.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      void (async () => {
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: AdmissionRequest };
        (received.get(path) ?? received.set(path, []).get(path)!).push(review.request);
        const answer = await (handlers.get(path) ?? (() => ({ allowed: true })))(review.request);
        const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, ...answer } });
        if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      })().catch((err) => {
        if (!res.destroyed) res.writeHead(500).end(String(err));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `https://127.0.0.1:${port}${path}`,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    handle: (path, h) => void handlers.set(path, h),
    calls: (path) => received.get(path) ?? [],
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
