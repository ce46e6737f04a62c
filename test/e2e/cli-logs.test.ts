// `orch logs` and kubectl v1.32 `kubectl logs` against a real apiserver + etcd, a real
// agent and real containers: selectors (-l, --max-log-requests), --all-containers,
// --prefix, --since / --since-time, --tail, -f over several pods (lines whole), the
// default container (annotation, else the first, said on stderr), rs/NAME.

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/types.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { ApiClient } from '../../client/rest-client.js';
import { tokenAuthenticator } from '../../foundation/token-auth.js';
import { createLogger } from '../../foundation/logger.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { assertBuilt, ORCH_ENTRY, type RunResult } from '../helpers/orch-cli.js';
import { docker, podManifest, removeAgentDir, removeContainersWith, waitFor } from './agent-helpers.js';

const NODE = `h17-logs-${crypto.randomBytes(3).toString('hex')}`;
const LOG_TOKEN = crypto.randomBytes(12).toString('hex');
let api: TestApiServer;
let admin: ApiClient;
let agent: Agent;
let root: string;
let c: Clients;

const ok = (r: RunResult) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
};
const sh = (name: string, script: string) => ({ name, image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent' as const, command: ['sh', '-c', script] });
const ticker = (pod: string) => sh('main', `i=0; while true; do echo "tick ${pod} $i"; i=$((i+1)); sleep 0.1; done`);

function pod(name: string, spec: Partial<Pod['spec']>, meta: Partial<Pod['metadata']> = {}): Pod {
  const p = podManifest(name, NODE, spec);
  p.metadata = { ...p.metadata, ...meta };
  return p;
}

/** Runs a follow (-f) command until `enough` says the output suffices, then stops it. */
function followUntil(cmd: string, args: string[], enough: (out: string) => boolean, env: NodeJS.ProcessEnv = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: not enough output in 30 s\nstdout:\n${out}\nstderr:\n${err}`));
    }, 30_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (enough(out)) {
        clearTimeout(timer);
        child.kill('SIGTERM');
        resolve(out);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!enough(out)) reject(new Error(`${cmd} exited ${code} early\nstdout:\n${out}\nstderr:\n${err}`));
    });
  });
}

beforeAll(async () => {
  assertBuilt();
  docker('image', 'inspect', 'orch.local/busybox:latest');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'h17-logs-cli-'));
  api = await startTestApiServer({ tls: true, nodeNames: [NODE], server: { agentClient: { insecureHttp: true, token: LOG_TOKEN } } });
  admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  const logger = createLogger('agent', process.env.ORCH_TEST_LOG ?? 'silent');
  agent = new Agent({
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    nodeName: NODE,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE], ca: api.ca }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, 'agent'),
    allowedHostPaths: [],
    heartbeatIntervalMs: 1000,
    resyncIntervalMs: 2000,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
    logTokens: tokenAuthenticator([{ token: LOG_TOKEN, user: 'apiserver', uid: '', groups: [] }]),
  });
  await agent.start();
  c = cliClients(api, root);
  const pods = [
    pod('solo', { containers: [sh('main', 'seq 1 30; sleep 3600')] }),
    pod('multi', { initContainers: [sh('setup', 'echo setup done')], containers: [sh('a', 'echo from a; sleep 3600'), sh('b', 'echo from b; sleep 3600')] }),
    pod('annotated', { containers: [sh('a', 'echo from a; sleep 3600'), sh('b', 'echo from b; sleep 3600')] }, { annotations: { 'kubectl.kubernetes.io/default-container': 'b' } }),
    pod('timed', { containers: [sh('main', 'echo early; sleep 2; echo late; sleep 3600')] }),
    pod('tick-1', { containers: [ticker('tick-1')] }, { labels: { app: 'h17-tick' } }),
    pod('tick-2', { containers: [ticker('tick-2')] }, { labels: { app: 'h17-tick' } }),
  ];
  for (const p of pods) await admin.pods.create(p);
  await admin.resource('replicasets').create({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'ticks', namespace: 'default' }, spec: { replicas: 2, selector: { matchLabels: { app: 'h17-tick' } }, template: { metadata: { labels: { app: 'h17-tick' } }, spec: { containers: [ticker('x')] } } } });
  for (const p of pods) await waitFor(`pod ${p.metadata.name} running`, async () => ((await admin.pods.get(p.metadata.name!, 'default')).status?.phase === 'Running' ? true : undefined), 60_000);
  // The last lines the tests read have been written.
  await waitFor('late written', async () => ok(await c.orch(['logs', 'timed'])).stdout.includes('late'), 30_000, 300);
  await waitFor('ticks written', async () => (ok(await c.orch(['logs', 'tick-2'])).stdout.match(/\n/g)?.length ?? 0) >= 10, 30_000, 300);
}, 120_000);

afterAll(async () => {
  await agent?.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE });
  await api?.stop();
  if (root) removeAgentDir(root);
});

describe('orch logs and kubectl logs against real containers', () => {
  it('one pod: everything, --tail, --limit-bytes', async () => {
    const all = Array.from({ length: 30 }, (_, i) => `${i + 1}\n`).join('');
    for (const run of [c.orch, c.kubectl]) {
      expect(ok(await run(['logs', 'solo'])).stdout).toBe(all);
      expect(ok(await run(['logs', 'solo', '--tail', '3'])).stdout).toBe('28\n29\n30\n');
      expect(ok(await run(['logs', 'solo', '--limit-bytes', '5'])).stdout).toBe('1\n2\n3');
    }
  });

  it('several containers without -c: the first, said on stderr as kubectl says it; the annotation wins silently', async () => {
    for (const run of [c.orch, c.kubectl]) {
      const r = ok(await run(['logs', 'multi']));
      expect(r.stdout).toBe('from a\n');
      expect(r.stderr).toContain('Defaulted container "a" out of: a, b, setup (init)');
      const a = ok(await run(['logs', 'annotated']));
      expect(a.stdout).toBe('from b\n');
      expect(a.stderr).toBe('');
      expect(ok(await run(['logs', 'multi', '-c', 'setup'])).stdout).toBe('setup done\n');
    }
  });

  it('--all-containers (init containers first) and --prefix', async () => {
    expect(ok(await c.orch(['logs', 'multi', '--all-containers'])).stdout).toBe('setup done\nfrom a\nfrom b\n');
    expect(ok(await c.orch(['logs', 'multi', '--all-containers', '--prefix'])).stdout).toBe('[pod/multi/setup] setup done\n[pod/multi/a] from a\n[pod/multi/b] from b\n');
    // kubectl v1.32 collects the containers' requests in a Go map: its order varies from run to run.
    const lines = (t: string) => t.split('\n').filter(Boolean).sort();
    expect(lines(ok(await c.kubectl(['logs', 'multi', '--all-containers'])).stdout)).toEqual(['from a', 'from b', 'setup done']);
    expect(lines(ok(await c.kubectl(['logs', 'multi', '--all-containers', '--prefix'])).stdout)).toEqual(['[pod/multi/a] from a', '[pod/multi/b] from b', '[pod/multi/setup] setup done']);
  });

  it('--since and --since-time', async () => {
    const stamped = ok(await c.orch(['logs', 'timed', '--timestamps'])).stdout.trim().split('\n');
    expect(stamped.map((l) => l.split(' ')[1])).toEqual(['early', 'late']);
    const lateAt = stamped[1]!.split(' ')[0]!;
    for (const run of [c.orch, c.kubectl]) {
      expect(ok(await run(['logs', 'timed', '--since', '5m'])).stdout).toBe('early\nlate\n');
      expect(ok(await run(['logs', 'timed', `--since-time=${lateAt}`])).stdout).toBe('late\n');
    }
    const both = await c.orch(['logs', 'timed', '--since', '5m', '--since-time', lateAt]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toContain('at most one of --since or --since-time');
    const bad = await c.orch(['logs', 'timed', '--since-time', 'yesterday']);
    expect(bad.stderr).toContain('--since-time must be an RFC 3339 time');
  });

  it('-l: every matching pod, the last 10 lines of each by default, one pod after the other', async () => {
    for (const run of [c.orch, c.kubectl]) {
      const lines = ok(await run(['logs', '-l', 'app=h17-tick', '--prefix'])).stdout.trim().split('\n');
      expect(lines).toHaveLength(20);
      // Ten lines of one pod, then ten of the other. Which comes first is kubectl's pod
      // order for logs (podutils.ByLogging: ready longer first, ...), not the names': both
      // pods start together, so either may lead.
      const podOf = (l: string) => /^\[pod\/(tick-[12])\/main\] tick \1 \d+$/.exec(l)?.[1] ?? `unexpected line: ${l}`;
      const blocks = [lines.slice(0, 10), lines.slice(10)].map((b) => [...new Set(b.map(podOf))]);
      expect(blocks.flat().sort(), lines.join('\n')).toEqual(['tick-1', 'tick-2']);
      expect(ok(await run(['logs', '-l', 'app=h17-tick', '--tail', '2'])).stdout.trim().split('\n')).toHaveLength(4);
      expect(ok(await run(['logs', '-l', 'app=nothing-matches'])).stdout).toBe('');
    }
  });

  it('-f with several pods: lines interleaved whole; more streams than --max-log-requests is refused', async () => {
    const enough = (out: string) => ['tick-1', 'tick-2'].every((p) => (out.match(new RegExp(`\\] tick ${p} `, 'g'))?.length ?? 0) >= 15);
    const orchOut = await followUntil(process.execPath, [ORCH_ENTRY, 'logs', '-f', '-l', 'app=h17-tick', '--prefix', '--tail', '1', ...c.orchArgs], enough, { ORCH_HOME: root });
    const kubectlOut = await followUntil('kubectl', [...c.kubectlArgs, 'logs', '-f', '-l', 'app=h17-tick', '--prefix', '--tail', '1'], enough, { KUBECONFIG: path.join(root, 'none') });
    for (const out of [orchOut, kubectlOut]) {
      const complete = out.slice(0, out.lastIndexOf('\n'));
      for (const line of complete.split('\n')) expect(line).toMatch(/^\[pod\/(tick-\d)\/main\] tick \1 \d+$/);
      // Each pod's lines in order, without gaps: follow really streams.
      for (const p of ['tick-1', 'tick-2']) {
        const n = complete.split('\n').filter((l) => l.includes(`] tick ${p} `)).map((l) => Number(l.split(' ').pop()));
        expect(n).toEqual(Array.from({ length: n.length }, (_, i) => n[0]! + i));
      }
    }
    for (const run of [c.orch, c.kubectl]) {
      const r = await run(['logs', '-f', '-l', 'app=h17-tick', '--max-log-requests', '1']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('you are attempting to follow 2 log streams, but maximum allowed concurrency is 1, use --max-log-requests to increase the limit');
    }
  }, 90_000);

  it('rs/NAME and deploy-style targets resolve to one of their pods', async () => {
    const r = ok(await c.orch(['logs', 'rs/ticks', '--tail', '1']));
    expect(r.stderr).toMatch(/^Found 2 pods, using pod\/tick-[12]\n$/);
    expect(r.stdout).toMatch(/^tick tick-[12] \d+\n$/);
  });

  it('bad input: a missing container, both -c and --all-containers, neither pod nor selector', async () => {
    let r = await c.orch(['logs', 'multi', '-c', 'nope']);
    expect(r.stderr).toContain('container "nope" is not in pod "multi" (containers: a, b, setup)');
    r = await c.orch(['logs', 'multi', '-c', 'a', '--all-containers']);
    expect(r.stderr).toContain('either -c or --all-containers');
    r = await c.orch(['logs']);
    expect(r.stderr).toContain('give a pod (POD, deploy/NAME, rs/NAME) or a selector (-l)');
    r = await c.orch(['logs', 'solo', '--tail', 'x']);
    expect(r.stderr).toContain('--tail must be a whole number');
  });
});
