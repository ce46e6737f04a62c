// What the agent benches share: the Docker API on its socket (no dockerode: the bench
// measures the agent, not a client library), Docker's start events as the clock for "a
// container runs", and the agent as its own OS process (its RSS is its own).

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApiClient } from '../../client/rest-client.js';
import { freePort } from '../../test/helpers/ports.js';
import type { BenchContext } from './types.js';
import { TEST_PAUSE_IMAGE } from '../../test/helpers/images.js';

export const SOCKET = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';
export const IMAGE = 'orch.local/busybox:latest';

export function dockerApi(method: string, p: string, json?: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = json === undefined ? {} : { 'content-type': 'application/json' };
    const req = http.request({ socketPath: SOCKET, method, path: p, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(json === undefined ? undefined : JSON.stringify(json));
  });
}

/** Fails early, saying how to fix it, when the test image is missing. */
export async function requireImage(image = IMAGE, buildScript = 'scripts/build-test-images.sh'): Promise<void> {
  const img = await dockerApi('GET', `/images/${encodeURIComponent(image)}/json`);
  if (img.status !== 200) throw new Error(`${image} missing: run ${buildScript}`);
}

export interface StartEvent {
  id: string;
  labels: Record<string, string>;
  at: number;
}

/** Docker `start` events of containers with the label, as they happen. Returns the stop function. */
export function watchStarts(label: string, onStart: (e: StartEvent) => void, socketPath = SOCKET): () => void {
  const filters = encodeURIComponent(JSON.stringify({ type: ['container'], event: ['start'], label: [label] }));
  const req = http.request({ socketPath, method: 'GET', path: `/events?filters=${filters}` }, (res) => {
    let buf = '';
    res.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        const ev = JSON.parse(line) as { id: string; Actor?: { Attributes?: Record<string, string> } };
        onStart({ id: ev.id, labels: ev.Actor?.Attributes ?? {}, at: performance.now() });
      }
    });
  });
  req.on('error', () => undefined);
  req.end();
  return () => req.destroy();
}

export async function removeLabelled(label: string): Promise<void> {
  const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
  const list = JSON.parse((await dockerApi('GET', `/containers/json?all=1&filters=${filters}`)).body) as { Id: string }[];
  await Promise.all(list.map((c) => dockerApi('DELETE', `/containers/${c.Id}?force=1&v=1`)));
}

/** Resolves once count() reaches n (checked every 5 ms); rejects after timeoutMs saying what it waited for. */
export function waitCount(what: string, count: () => number, n: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const t = setInterval(() => {
      if (count() >= n) {
        clearInterval(t);
        resolve();
      } else if (Date.now() > deadline) {
        clearInterval(t);
        reject(new Error(`timed out waiting for ${what}: ${count()}/${n}`));
      }
    }, 5);
  });
}

/** This build's agent entry: dist-bench/agent/main.js, or the sources through vite-node when not built. */
export function agentEntry(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const js = path.resolve(here, '../../agent/main.js');
  if (fs.existsSync(js)) return [process.execPath, js];
  return [path.resolve(here, '../../node_modules/.bin/vite-node'), path.resolve(here, '../../agent/main.ts')];
}

export interface AgentProcessOptions {
  apiUrl: string;
  /** The node's API token. */
  token: string;
  node: string;
  /** Command line starting the agent (default: this build's, agentEntry()). */
  entry?: string[];
  /** Log file name inside the work dir. */
  logName?: string;
  /** --healthz-port (/metrics on 127.0.0.1); default 0, a free port nobody reads. */
  healthzPort?: number;
  /** More flags (e.g. --network-backend none: pods on Docker's default bridge, no pod CIDR needed). */
  extraArgs?: string[];
}

/** Starts `orch agent` for one node as its own process and waits until its Node is Ready. */
export async function startAgentProcess(ctx: BenchContext, admin: ApiClient, o: AgentProcessOptions): Promise<ChildProcess> {
  const tokenFile = path.join(ctx.workDir, `token-${o.node}`);
  fs.writeFileSync(tokenFile, o.token);
  const [cmd, ...pre] = o.entry ?? agentEntry();
  const logFile = fs.openSync(path.join(ctx.workDir, o.logName ?? 'agent.log'), 'a');
  const agent = spawn(
    cmd!,
    [...pre, '--server', o.apiUrl, '--token-file', tokenFile, '--node-name', o.node, '--node-ip', '127.0.0.1', '--root-dir', path.join(ctx.workDir, `agent-${o.node}`),
      '--log-port', String(await freePort()), '--log-address', '127.0.0.1', '--log-server-insecure-http', '--log-level', 'warn',
      // This build's agent serves health on 10248 by default: a free port instead (a
      // baseline build from before the flag existed is started without it).
      // Pod sandboxes from the locally built pause image (no registry here).
      ...(o.entry ? [] : ['--healthz-port', String(o.healthzPort ?? 0), '--pod-infra-container-image', TEST_PAUSE_IMAGE]),
      ...(o.extraArgs ?? [])],
    { stdio: ['ignore', logFile, logFile] },
  );
  // Cleanups run in reverse: the agent stops before its containers go (it would replace them).
  ctx.cleanup.add(`containers of ${o.node}`, () => removeLabelled(`orch.io/node=${o.node}`));
  ctx.cleanup.add(`agent ${o.node}`, () => stopProcess(agent));
  const ready = Date.now() + 60_000;
  for (;;) {
    try {
      const n = await admin.nodes.get(o.node);
      if (n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) return agent;
    } catch {
      /* not registered yet */
    }
    if (agent.exitCode !== null) throw new Error(`agent for ${o.node} exited with ${agent.exitCode} (see the work dir: --keep)`);
    if (Date.now() > ready) throw new Error('agent did not register its node within 60 s (see the agent log: --keep)');
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function stopProcess(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return;
  p.kill('SIGKILL');
  await new Promise((r) => p.once('exit', r));
}
