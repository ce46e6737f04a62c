// Probes with real Docker, a real apiserver (etcd) and the agent in this process: pods on
// Docker's default bridge (no pod network), so their IPs answer from this host as the node.
// orch.local/health-web's health answer is switched at run time (rm/touch /tmp/healthy, or
// /cgi-bin/set?ok|fail) — see scripts/build-test-images.sh.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../api/types.js';
import { createLogger } from '../../foundation/logger.js';
import { ApiClient } from '../../client/rest-client.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { HEALTH_WEB_IMAGE, TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { docker, podManifest, removeAgentDir, removeContainersWith, waitFor } from './agent-helpers.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `h16-probes-${RUN}`;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let agent: Agent | undefined;
let cli: Clients;

const getPod = (name: string) => admin.pods.get(name, 'default');
const cid = (p: Pod) => p.status!.containerStatuses![0]!.containerID!.replace('docker://', '');
const readyCond = (p: Pod) => p.status?.conditions?.find((c) => c.type === 'Ready')?.status;

function webPod(name: string, c: Partial<Container> = {}, env: Record<string, string> = {}): Pod {
  return podManifest(name, NODE, {
    containers: [
      {
        name: 'web',
        image: HEALTH_WEB_IMAGE,
        imagePullPolicy: 'IfNotPresent',
        ports: [{ name: 'http', containerPort: 8080 }],
        env: Object.entries(env).map(([k, value]) => ({ name: k, value })),
        ...c,
      },
    ],
  });
}

/** A busybox pod whose shell exits at once on SIGTERM. */
function shellPod(name: string, script: string, c: Partial<Container> = {}): Pod {
  return podManifest(name, NODE, {
    containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', `trap "exit 0" TERM; ${script}; sleep 3600 & wait`], ...c }],
  });
}

async function eventsOf(name: string): Promise<string[]> {
  const list = await admin.events.list({ namespace: 'default' });
  return list.items.filter((e) => e.involvedObject?.name === name).map((e) => `${e.type} ${e.reason} ${e.message}`);
}

async function kubectlReady(name: string): Promise<string> {
  const r = await cli.kubectl(['get', 'pod', name, '-n', 'default', '--no-headers']);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split(/\s+/)[1] ?? ''; // NAME READY STATUS RESTARTS AGE
}

beforeAll(async () => {
  docker('image', 'inspect', HEALTH_WEB_IMAGE); // fails loudly when the test images are missing
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'h16-probes-'));
  api = await startTestApiServer({ nodeNames: [NODE], tls: true });
  admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  cli = cliClients(api, root);
  const logger = createLogger('agent', process.env.ORCH_TEST_LOG ?? 'silent');
  agent = new Agent({
    nodeName: NODE,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE], ca: api.ca }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, 'agent'),
    resyncIntervalMs: 30_000, // long: what the tests see comes from the prober's requeues
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
    podInfraContainerImage: TEST_PAUSE_IMAGE,
  });
  await agent.start();
  await agent.waitForSync();
});

afterAll(async () => {
  await agent?.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE });
  await api?.stop();
  if (root) removeAgentDir(root);
});

describe('probes (real Docker)', () => {
  it('httpGet readiness (named port) flipped off and on moves the Ready condition; kubectl shows 0/1 → 1/1', async () => {
    await admin.pods.create(webPod('ready-flip', { readinessProbe: { httpGet: { path: '/cgi-bin/health', port: 'http' }, periodSeconds: 1, failureThreshold: 1 } }));
    let p = await waitFor('ready-flip Ready', async () => ((await getPod('ready-flip')).status?.containerStatuses?.[0]?.ready ? getPod('ready-flip') : undefined));
    expect(readyCond(p)).toBe('True');
    expect(await kubectlReady('ready-flip')).toBe('1/1');
    docker('exec', cid(p), 'rm', '/tmp/healthy');
    p = await waitFor('ready-flip unready', async () => {
      const x = await getPod('ready-flip');
      return readyCond(x) === 'False' ? x : undefined;
    });
    expect(p.status!.containerStatuses![0]).toMatchObject({ ready: false, started: true, restartCount: 0 });
    expect(p.status!.conditions!.find((c) => c.type === 'ContainersReady')).toMatchObject({ status: 'False', reason: 'ContainersNotReady' });
    expect(await kubectlReady('ready-flip')).toBe('0/1');
    expect(await waitFor('Unhealthy event', async () => (await eventsOf('ready-flip')).find((e) => e.includes('Unhealthy')))).toBe('Warning Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 500');
    // The other way: the app's own switch over HTTP, from the node.
    const res = await fetch(`http://${p.status!.podIP}:8080/cgi-bin/set?ok`);
    expect(res.status).toBe(200);
    await waitFor('ready-flip Ready again', async () => readyCond(await getPod('ready-flip')) === 'True');
    expect(await kubectlReady('ready-flip')).toBe('1/1');
  });

  it('a failing exec liveness probe restarts the container once: restartCount 1, lastState, Events', async () => {
    const probe = { exec: { command: ['cat', '/tmp/alive'] }, periodSeconds: 1, failureThreshold: 2, terminationGracePeriodSeconds: 1 };
    await admin.pods.create(shellPod('live-exec', 'echo yes > /tmp/alive', { livenessProbe: probe }));
    const p = await waitFor('live-exec running', async () => {
      const x = await getPod('live-exec');
      return x.status?.containerStatuses?.[0]?.state.running ? x : undefined;
    });
    const first = cid(p);
    docker('exec', first, 'rm', '/tmp/alive');
    const after = await waitFor('live-exec restarted', async () => {
      const x = await getPod('live-exec');
      const s = x.status?.containerStatuses?.[0];
      return s?.restartCount === 1 && s.state.running ? x : undefined;
    });
    const s = after.status!.containerStatuses![0]!;
    expect(s.lastState.terminated).toMatchObject({ exitCode: 0, reason: 'Completed', containerID: `docker://${first}` });
    expect(cid(after)).not.toBe(first);
    const evs = await waitFor('Killing event', async () => {
      const e = await eventsOf('live-exec');
      return e.some((x) => x.includes('Killing')) ? e : undefined;
    });
    expect(evs).toContain("Warning Unhealthy Liveness probe failed: cat: can't open '/tmp/alive': No such file or directory");
    expect(evs).toContain('Normal Killing Container main failed liveness probe, will be restarted');
    // The new attempt wrote /tmp/alive again: it stays (no second restart within a few probe periods).
    await waitFor('new attempt probed', async () => (await getPod('live-exec')).status?.containerStatuses?.[0]?.ready);
    expect((await getPod('live-exec')).status!.containerStatuses![0]!.restartCount).toBe(1);
  });

  it('tcpSocket: an open port is ready, a closed one is not (with Go’s wording in the Event)', async () => {
    await admin.pods.create(webPod('tcp-open', { readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }));
    await admin.pods.create(webPod('tcp-closed', { readinessProbe: { tcpSocket: { port: 8081 }, periodSeconds: 1 } }));
    await waitFor('tcp-open Ready', async () => readyCond(await getPod('tcp-open')) === 'True');
    const ev = await waitFor('tcp-closed Unhealthy', async () => (await eventsOf('tcp-closed')).find((e) => e.includes('Unhealthy')));
    const closed = await getPod('tcp-closed');
    expect(ev).toBe(`Warning Unhealthy Readiness probe failed: dial tcp ${closed.status!.podIP}:8081: connect: connection refused`);
    expect(readyCond(closed)).toBe('False');
    expect(closed.status!.phase).toBe('Running');
  });

  it('a hanging exec probe is cut at its timeout and never delays another pod’s probes', async () => {
    // Each run leaves a line (seconds since the epoch) in /tmp/runs; the hanging one then sleeps 30 s.
    const stamp = 'date +%s >> /tmp/runs';
    // A 4 s timeout: a prober that waited for it before running other probes would leave gaps of 4 s or more.
    await admin.pods.create(shellPod('hang', 'true', { readinessProbe: { exec: { command: ['sh', '-c', `${stamp}; sleep 30`] }, periodSeconds: 1, timeoutSeconds: 4 } }));
    await admin.pods.create(shellPod('steady', 'true', { readinessProbe: { exec: { command: ['sh', '-c', stamp] }, periodSeconds: 1 } }));
    const runs = async (name: string): Promise<number[]> => {
      const p = await getPod(name);
      if (!p.status?.containerStatuses?.[0]?.containerID) return [];
      try {
        return docker('exec', cid(p), 'cat', '/tmp/runs').split('\n').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    };
    // Three runs of the hanging probe: each was cut at its timeout (else one per 30 s).
    const hung = await waitFor('three hanging runs', async () => ((await runs('hang')).length >= 3 ? runs('hang') : undefined), 60_000, 500);
    expect(hung.at(-1)! - hung[0]!).toBeLessThan(25);
    expect(await waitFor('timeout Event', async () => (await eventsOf('hang')).find((e) => e.includes('Unhealthy')))).toBe('Warning Unhealthy Readiness probe failed: command "sh -c date +%s >> /tmp/runs; sleep 30" timed out');
    expect(readyCond(await getPod('hang'))).toBe('False');
    // Meanwhile the other pod's probe kept its 1 s rhythm (whole seconds, so a gap may read 2; slack for a busy host: 3).
    const steady = await runs('steady');
    expect(steady.length).toBeGreaterThanOrEqual(6);
    const gaps = steady.slice(1).map((t, i) => t - steady[i]!);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(3);
    expect(readyCond(await getPod('steady'))).toBe('True');
  });

  it('a startup probe holds readiness back until it succeeds', async () => {
    await admin.pods.create(
      webPod(
        'slow-start',
        {
          startupProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 30 },
          readinessProbe: { httpGet: { path: '/cgi-bin/health', port: 8080 }, periodSeconds: 1 },
        },
        { HEALTHY_AFTER: '4' },
      ),
    );
    const early = await waitFor('slow-start running', async () => {
      const x = await getPod('slow-start');
      return x.status?.containerStatuses?.[0]?.state.running ? x : undefined;
    });
    expect(early.status!.containerStatuses![0]).toMatchObject({ started: false, ready: false });
    const unhealthy = await waitFor('startup Unhealthy', async () => (await eventsOf('slow-start')).find((e) => e.includes('Startup probe failed')));
    expect(unhealthy).toBe('Warning Unhealthy Startup probe failed: HTTP probe failed with statuscode: 404');
    const ready = await waitFor('slow-start Ready', async () => {
      const x = await getPod('slow-start');
      return readyCond(x) === 'True' ? x : undefined;
    });
    expect(ready.status!.containerStatuses![0]).toMatchObject({ started: true, ready: true, restartCount: 0 });
    // Readiness was never probed before startup succeeded: no readiness failure at all.
    expect((await eventsOf('slow-start')).filter((e) => e.includes('Readiness'))).toEqual([]);
  });
});
