// /healthz (200 once the shared informers synced, or while a standby replica waits for
// the lease) and /metrics (Prometheus text: process and reconcile metrics). node:http is enough.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControllerMetrics } from './metrics.js';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(opts: { port: number; host?: string; metrics: ControllerMetrics; healthy: () => boolean }): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0];
    if (url === '/healthz' || url === '/livez' || url === '/readyz') {
      const ok = opts.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'not ready');
      return;
    }
    if (url === '/metrics') {
      opts.metrics.text().then(
        (body) => res.writeHead(200, { 'content-type': opts.metrics.contentType }).end(body),
        (err: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${err.message}\n`),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host ?? '0.0.0.0', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
