// The zero-loss app (server.cjs) as a real process on loopback: its answers, the health
// switch, and the SIGTERM sequence its header promises for keep-alive clients.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../helpers/ports.js';

const SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'server.cjs');

interface App {
  proc: ChildProcess;
  port: number;
  exited: Promise<{ code: number | null; at: number }>;
}

const apps: App[] = [];
afterEach(() => {
  for (const a of apps.splice(0)) a.proc.kill('SIGKILL');
});

async function startApp(env: Record<string, string> = {}): Promise<App> {
  const port = await freePort();
  const proc = spawn(process.execPath, [SERVER], { env: { ...process.env, PORT: String(port), POD_NAME: 'zl-test', ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<{ code: number | null; at: number }>((resolve) => proc.on('exit', (code) => resolve({ code, at: Date.now() })));
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d) => (String(d).includes('listening') ? resolve() : undefined));
    void exited.then(({ code }) => reject(new Error(`app exited (${code}) before listening`)));
  });
  const app = { proc, port, exited };
  apps.push(app);
  return app;
}

function request(port: number, opts: { method?: string; path?: string; agent?: http.Agent } = {}): Promise<{ status: number; body: string; connection?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path ?? '/', agent: opts.agent ?? false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: body.trim(), connection: res.headers.connection }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connectOutcome(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => (s.destroy(), resolve('connected')));
    s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

describe('orch.local/zl-app server', () => {
  it('answers its pod name and VERSION; /healthz follows POST /health/off|on and the health file', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zl-app-')), 'unhealthy');
    const app = await startApp({ VERSION: 'v7', HEALTH_FILE: file });
    expect(await request(app.port)).toMatchObject({ status: 200, body: 'zl-test v7' });
    expect((await request(app.port, { path: '/healthz' })).status).toBe(200);
    expect((await request(app.port, { method: 'POST', path: '/health/off' })).status).toBe(200);
    expect((await request(app.port, { path: '/healthz' })).status).toBe(503);
    // Traffic is still served: only readiness says no.
    expect((await request(app.port)).status).toBe(200);
    expect((await request(app.port, { method: 'POST', path: '/health/on' })).status).toBe(200);
    expect((await request(app.port, { path: '/healthz' })).status).toBe(200);
    fs.writeFileSync(file, '');
    expect((await request(app.port, { path: '/healthz' })).status).toBe(503);
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });

  it('on SIGTERM: new connections refused, the next request on an open keep-alive connection answered with Connection: close, exit 0 once none is left', async () => {
    // EXIT_AFTER_MS far away: the exit must come from the last connection closing.
    const app = await startApp({ EXIT_AFTER_MS: '20000', IDLE_CLOSE_MS: '10000' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    expect((await request(app.port, { agent })).connection).toBe('keep-alive');
    const t0 = Date.now();
    app.proc.kill('SIGTERM');
    await expect.poll(() => connectOutcome(app.port), { timeout: 5000, interval: 50 }).toBe('ECONNREFUSED');
    const last = await request(app.port, { agent });
    expect(last).toMatchObject({ status: 200, body: 'zl-test v1', connection: 'close' });
    const { code, at } = await app.exited;
    expect(code).toBe(0);
    expect(at - t0, 'exited when its last connection closed, not at EXIT_AFTER_MS').toBeLessThan(5000);
    agent.destroy();
  });

  it('on SIGTERM: an idle keep-alive connection is closed after IDLE_CLOSE_MS, then the app exits 0', async () => {
    const app = await startApp({ EXIT_AFTER_MS: '20000', IDLE_CLOSE_MS: '300' });
    // One request answered on a keep-alive connection, which then stays idle (http.Server.close()
    // would close exactly this one at once).
    const sock = net.connect(app.port, '127.0.0.1');
    await new Promise((r) => sock.on('connect', r));
    const closed = new Promise<number>((resolve) => sock.on('close', () => resolve(Date.now())));
    const answered = new Promise<string>((resolve) => sock.once('data', (d) => resolve(String(d))));
    sock.write('GET / HTTP/1.1\r\nHost: zl\r\nConnection: keep-alive\r\n\r\n');
    expect(await answered).toMatch(/^HTTP\/1\.1 200 OK/);
    sock.resume();
    const t0 = Date.now();
    app.proc.kill('SIGTERM');
    const closedAt = await closed;
    expect(closedAt - t0).toBeGreaterThanOrEqual(250);
    expect(closedAt - t0).toBeLessThan(5000);
    expect((await app.exited).code).toBe(0);
  });
});
