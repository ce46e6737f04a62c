// Calls one webhook: POST of an AdmissionReview v1 over HTTPS, the server certificate
// checked against the webhook's caBundle (the system roots without one), bounded by its
// timeoutSeconds (sent as `?timeout=Ns`, as kube-apiserver does), the answer read up to
// 3 MiB. Connections are kept alive per webhook (one https.Agent per clientConfig), so a
// busy webhook costs one round trip per request, not a TLS handshake. Failures are
// WebhookCallError with Kubernetes' wording ("failed to call webhook: Post \"URL\":
// context deadline exceeded"); failurePolicy decides what they mean (dispatcher.ts).

import https from 'node:https';
import type { AdmissionReview } from '../../api/admission-types.js';
import type { CompiledWebhook } from './webhook-cache.js';
import { endpointOfUrl, resolveService, type ServiceLookup, type WebhookEndpoint } from './service-resolver.js';

const MAX_RESPONSE_BYTES = 3 * 1024 * 1024;

export class WebhookCallError extends Error {}

export class WebhookClient {
  private readonly agents = new Map<string, https.Agent>();

  constructor(private readonly services: ServiceLookup) {}

  /** Drops the connections of webhooks no longer configured. */
  prune(keys: Set<string>): void {
    for (const [k, a] of this.agents) {
      if (keys.has(k)) continue;
      a.destroy();
      this.agents.delete(k);
    }
  }

  close(): void {
    this.prune(new Set());
  }

  private agent(w: CompiledWebhook): https.Agent {
    let a = this.agents.get(w.key);
    if (!a) {
      const ca = w.hook.clientConfig.caBundle ? Buffer.from(w.hook.clientConfig.caBundle, 'base64').toString('utf8') : undefined;
      a = new https.Agent({ keepAlive: true, maxSockets: 64, ca });
      this.agents.set(w.key, a);
    }
    return a;
  }

  async call(w: CompiledWebhook, review: AdmissionReview): Promise<AdmissionReview> {
    const cc = w.hook.clientConfig;
    const timeoutS = w.hook.timeoutSeconds ?? 10;
    let ep: WebhookEndpoint;
    try {
      ep = cc.url ? endpointOfUrl(cc.url) : await resolveService(cc.service!, this.services);
    } catch (err) {
      throw new WebhookCallError(`failed to call webhook: ${(err as Error).message}`);
    }
    const path = `${ep.path}${ep.path.includes('?') ? '&' : '?'}timeout=${timeoutS}s`;
    const shown = cc.url ? `${cc.url}?timeout=${timeoutS}s` : `https://${cc.service!.name}.${cc.service!.namespace}.svc:${ep.port}${path}`;
    const body = Buffer.from(JSON.stringify(review));
    const text = await new Promise<string>((resolve, reject) => {
      const fail = (why: string) => reject(new WebhookCallError(`failed to call webhook: Post "${shown}": ${why}`));
      const req = https.request(
        {
          host: ep.host,
          port: ep.port,
          path,
          method: 'POST',
          agent: this.agent(w),
          servername: ep.servername,
          headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': body.length },
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > MAX_RESPONSE_BYTES) req.destroy(new Error(`the response is larger than ${MAX_RESPONSE_BYTES} bytes`));
            else chunks.push(c);
          });
          res.on('end', () => {
            clearTimeout(timer);
            const t = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) fail(`the server responded with status ${res.statusCode}: ${t.slice(0, 200)}`);
            else resolve(t);
          });
          res.on('error', () => undefined);
        },
      );
      const timer = setTimeout(() => req.destroy(new Error('context deadline exceeded')), timeoutS * 1000);
      req.on('error', (err) => {
        clearTimeout(timer);
        fail(err.message);
      });
      req.end(body);
    });
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new WebhookCallError('received invalid webhook response: the body is not JSON');
    }
    return parsed as AdmissionReview;
  }
}
