import https from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { Counter } from 'prom-client';
import type { NamedCheck } from './health-checks.js';
import { HealthServer, isLoopback } from './health-server.js';
import { silentLogger } from './logger.js';
import { processRegistry, registrySource } from './metrics.js';
import { tokenAuthenticator } from './token-auth.js';

let server: HealthServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

function registryWithOne() {
  const registry = processRegistry();
  new Counter({ name: 'orch_test_things_total', help: 'things', registers: [registry] }).inc(3);
  return registry;
}

/** GET over HTTPS trusting anything (the server's certificate is self-signed). */
function getInsecure(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { rejectUnauthorized: false, headers }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

describe('HealthServer', () => {
  it('on loopback (the default): plain HTTP, healthz/livez/readyz with checks, /metrics public', async () => {
    let checks: NamedCheck[] = [
      { name: 'informers', failure: '1 of 2 caches not synced' },
      { name: 'scheduler', failure: undefined },
    ];
    let stopping = false;
    server = new HealthServer({ port: 0, metrics: registrySource(registryWithOne()), readiness: async () => checks, stopping: () => stopping, logger: silentLogger() });
    await server.start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const get = async (p: string) => {
      const r = await fetch(`${server!.url}${p}`);
      return { status: r.status, body: await r.text() };
    };
    // Liveness never depends on readiness.
    expect(await get('/healthz')).toEqual({ status: 200, body: 'ok' });
    expect(await get('/livez?verbose')).toEqual({ status: 200, body: '[+]ping ok\nlivez check passed\n' });
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.body)).toMatchObject({ kind: 'Status', code: 503, message: 'readyz check failed: informers: 1 of 2 caches not synced' });
    expect(await get('/readyz?verbose')).toEqual({
      status: 503,
      body: '[+]ping ok\n[-]informers failed: 1 of 2 caches not synced\n[+]scheduler ok\n[+]shutdown ok\nreadyz check failed\n',
    });
    expect((await get('/readyz?exclude=informers')).status).toBe(200);
    expect(await get('/readyz/scheduler')).toEqual({ status: 200, body: 'ok' });
    expect((await get('/readyz/nope')).status).toBe(404);
    checks = checks.map((c) => ({ ...c, failure: undefined }));
    expect(await get('/readyz')).toEqual({ status: 200, body: 'ok' });
    stopping = true;
    expect((await get('/readyz?verbose')).body).toContain('[-]shutdown failed: process is shutting down');

    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('orch_test_things_total 3');
    expect(metrics.body).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(metrics.body).toMatch(/^nodejs_heap_size_used_bytes \d+/m);
    expect((await get('/other')).status).toBe(404);
    expect((await fetch(`${server.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('beyond loopback: HTTPS; health stays public, /metrics needs a token from the token file', async () => {
    const auth = tokenAuthenticator([{ token: 'prom-token', user: 'prometheus', uid: 'p', groups: [] }]);
    server = new HealthServer({ port: 0, host: '0.0.0.0', metrics: registrySource(registryWithOne()), readiness: async () => [], metricsAuth: auth, logger: silentLogger() });
    await server.start();
    const base = `https://127.0.0.1:${server.port}`;
    expect(await getInsecure(`${base}/healthz`)).toEqual({ status: 200, body: 'ok' });
    expect(await getInsecure(`${base}/readyz`)).toEqual({ status: 200, body: 'ok' });
    const anonymous = await getInsecure(`${base}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(JSON.parse(anonymous.body)).toMatchObject({ kind: 'Status', reason: 'Unauthorized' });
    expect((await getInsecure(`${base}/metrics`, { authorization: 'Bearer wrong' })).status).toBe(401);
    const ok = await getInsecure(`${base}/metrics`, { authorization: 'Bearer prom-token' });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('orch_test_things_total 3');
    // Plain HTTP is not served there.
    await expect(fetch(`http://127.0.0.1:${server.port}/healthz`)).rejects.toThrow();
  });

  it('beyond loopback without a token file: /metrics is refused to everybody', async () => {
    server = new HealthServer({ port: 0, host: '0.0.0.0', metrics: registrySource(registryWithOne()), readiness: async () => [], logger: silentLogger() });
    await server.start();
    const r = await getInsecure(`https://127.0.0.1:${server.port}/metrics`, { authorization: 'Bearer anything' });
    expect(r.status).toBe(403);
    expect((await getInsecure(`https://127.0.0.1:${server.port}/livez`)).status).toBe(200);
  });

  it('isLoopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', 'localhost']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.5', '192.168.1.1', 'example.com']) expect(isLoopback(h)).toBe(false);
  });
});
