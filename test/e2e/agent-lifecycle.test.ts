// Init containers, sidecars and lifecycle hooks against a real dockerd, apiserver and etcd:
// the order things run in is recorded by the containers themselves into a shared volume
// (an emptyDir while the pod lives, a hostPath where the record must outlive the pod), and
// what users see is read with `orch get pods` and kubectl v1.32.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container, Pod } from '../../api/types.js';
import { podSummary } from '../../api/tables/pods.js';
import { ApiClient } from '../../client/rest-client.js';
import { createLogger } from '../../foundation/logger.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { allowPrivilegedPods } from '../helpers/pod-security.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { assertBuilt } from '../helpers/orch-cli.js';
import { docker, podManifest, removeAgentDir, removeContainersWith, waitFor } from './agent-helpers.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `h16-lifecycle-${RUN}`;
const BUSYBOX = 'orch.local/busybox:latest';

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let hostDir: string;
let agent: Agent | undefined;
let clients: Clients;

const sh = (name: string, script: string, extra: Partial<Container> = {}): Container => ({
  name,
  image: BUSYBOX,
  imagePullPolicy: 'IfNotPresent',
  command: ['sh', '-c', script],
  volumeMounts: [{ name: 'data', mountPath: '/data' }],
  ...extra,
});
/** Runs until SIGTERM, then records `<name>-stop` and exits 0. */
const loop = (name: string, start = `echo ${name}-start >> /data/log`) => `${start}; trap "echo ${name}-stop >> /data/log; exit 0" TERM; while :; do sleep 0.1; done`;

function pod(name: string, spec: Partial<Pod['spec']>, volume: 'emptyDir' | 'hostPath' = 'emptyDir'): Pod {
  const dir = path.join(hostDir, name);
  if (volume === 'hostPath') fs.mkdirSync(dir, { recursive: true, mode: 0o777 });
  return podManifest(name, NODE, { volumes: [{ name: 'data', ...(volume === 'emptyDir' ? { emptyDir: {} } : { hostPath: { path: dir } }) }], ...spec });
}

const getPod = (name: string) => admin.pods.get(name, 'default');
const emptyDirFile = (p: Pod, file: string) => path.join(root, 'agent', 'pods', p.metadata.uid!, 'volumes', 'data', file);
const hostFile = (name: string, file: string) => path.join(hostDir, name, file);
const lines = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

async function waitRunning(name: string): Promise<Pod> {
  return waitFor(`pod ${name} Running and Ready`, async () => {
    const p = await getPod(name);
    return p.status?.phase === 'Running' && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
  });
}

async function deleteAndWaitGone(name: string, grace: number): Promise<number> {
  const t0 = Date.now();
  await admin.pods.delete(name, 'default', { gracePeriodSeconds: grace });
  await waitFor(`pod ${name} gone`, async () => (await getPod(name).then(() => false, () => true)), 60_000);
  return t0;
}

/** STATUS of every version of the pod the watch delivers, in order, until `until` returns true. */
async function watchStatuses(name: string, until: (seen: string[]) => boolean, timeoutMs = 60_000): Promise<string[]> {
  const seen: string[] = [];
  const w = admin.pods.watch({ namespace: 'default', fieldSelector: `metadata.name=${name}` });
  const timer = setTimeout(() => w.stop(), timeoutMs);
  try {
    for await (const e of w) {
      if (e.type !== 'ADDED' && e.type !== 'MODIFIED') continue;
      const s = podSummary(e.object as Pod).reason;
      if (seen.at(-1) !== s) seen.push(s);
      if (until(seen)) break;
    }
  } finally {
    clearTimeout(timer);
    w.stop();
  }
  return seen;
}

beforeAll(async () => {
  assertBuilt();
  docker('image', 'inspect', TEST_PAUSE_IMAGE); // fails loudly when the test images are missing
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'h16-lifecycle-'));
  hostDir = path.join(root, 'host');
  fs.mkdirSync(hostDir, { mode: 0o777 });
  api = await startTestApiServer({ nodeNames: [NODE], tls: true });
  admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  // hostPath / hostPort / hostNetwork pods: this suite tests the agent, not Pod Security.
  await allowPrivilegedPods(admin);
  clients = cliClients(api, root);
  const logger = createLogger('agent', process.env.ORCH_TEST_LOG ?? 'silent');
  agent = new Agent({
    nodeName: NODE,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE], ca: api.ca }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, 'agent'),
    allowedHostPaths: [hostDir],
    resyncIntervalMs: 2000,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
    podInfraContainerImage: TEST_PAUSE_IMAGE,
  });
  await agent.start();
  await agent.waitForSync();
}, 60_000);

afterAll(async () => {
  await agent?.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE });
  await api?.stop();
  if (root) removeAgentDir(root);
});

describe('init containers, sidecars and hooks (real Docker)', () => {
  it('init containers run one at a time, in order, in the pod sandbox, before the app', async () => {
    await admin.pods.create(
      pod('ordered', {
        initContainers: [sh('first', 'sleep 1; echo first >> /data/log; hostname > /data/first-host'), sh('second', 'echo second >> /data/log')],
        containers: [sh('app', 'echo app:$(cat /data/log | tr "\\n" ,) >> /data/log; sleep 3600')],
      }),
    );
    // While the first one runs: Pending, Init:0/2, Initialized False naming both.
    const early = await waitFor('first init container running', async () => {
      const p = await getPod('ordered');
      return p.status?.initContainerStatuses?.[0]?.state.running ? p : undefined;
    });
    expect(early.status!.phase).toBe('Pending');
    expect(podSummary(early).reason).toBe('Init:0/2');
    expect(early.status!.conditions!.find((c) => c.type === 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [first second]' });
    expect(early.status!.containerStatuses![0]!.state.waiting?.reason).toBe('PodInitializing');
    const p = await waitRunning('ordered');
    // Running says the app's process started, not that its first line is written yet.
    await waitFor('the app wrote its line', async () => lines(emptyDirFile(p, 'log')).length >= 3 || undefined);
    expect(lines(emptyDirFile(p, 'log'))).toEqual(['first', 'second', 'app:first,second,']);
    expect(fs.readFileSync(emptyDirFile(p, 'first-host'), 'utf8').trim()).toBe('ordered'); // the sandbox's UTS namespace
    expect(p.status!.initContainerStatuses!.map((s) => [s.name, s.state.terminated?.reason, s.ready])).toEqual([['first', 'Completed', true], ['second', 'Completed', true]]);
    expect(p.status!.conditions!.find((c) => c.type === 'Initialized')?.status).toBe('True');
    // Killing the app restarts the app only: the init containers do not run again.
    docker('kill', p.status!.containerStatuses![0]!.containerID!.replace('docker://', ''));
    await waitFor('app restarted', async () => ((await getPod('ordered')).status?.containerStatuses?.[0]?.restartCount === 1 && lines(emptyDirFile(p, 'log')).length === 4) || undefined);
    expect(lines(emptyDirFile(p, 'log'))).toEqual(['first', 'second', 'app:first,second,', 'app:first,second,app:first,second,,']);
    expect((await getPod('ordered')).status!.initContainerStatuses!.map((s) => s.restartCount)).toEqual([0, 0]);
  });

  it('an init container gets env from a Secret and a ConfigMap only it references (read with the node credential)', async () => {
    await admin.secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'init-only', namespace: 'default' }, stringData: { token: 's3cret' } } as never);
    await admin.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'init-only', namespace: 'default' }, data: { MODE: 'setup' } });
    await admin.pods.create(
      pod('init-env', {
        initContainers: [
          sh('setup', 'echo "$MODE:$TOKEN" >> /data/log', {
            env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'init-only', key: 'token' } } }],
            envFrom: [{ configMapRef: { name: 'init-only' } }],
          }),
        ],
        containers: [sh('app', 'echo app >> /data/log; sleep 3600')],
      }),
    );
    const p = await waitRunning('init-env');
    await waitFor('the app wrote its line', async () => lines(emptyDirFile(p, 'log')).length >= 2 || undefined);
    expect(lines(emptyDirFile(p, 'log'))).toEqual(['setup:s3cret', 'app']);
  });

  it('a failing init container: Init:Error, then Init:CrashLoopBackOff, as orch get pods and kubectl show it', async () => {
    await admin.pods.create(pod('failing', { initContainers: [sh('setup', 'echo try >> /data/log; exit 3')], containers: [sh('app', 'sleep 3600')] }));
    const seen = await watchStatuses('failing', (s) => s.includes('Init:CrashLoopBackOff'));
    expect(seen).toContain('Init:Error');
    expect(seen.indexOf('Init:Error')).toBeLessThan(seen.indexOf('Init:CrashLoopBackOff'));
    const p = await getPod('failing');
    expect(p.status!.phase).toBe('Pending');
    expect(p.status!.containerStatuses![0]!.state.waiting?.reason).toBe('PodInitializing');
    expect(lines(emptyDirFile(p, 'log')).length).toBeGreaterThanOrEqual(2);
    for (const tool of [clients.kubectl, clients.orch]) {
      const out = await waitFor('Init:CrashLoopBackOff printed', async () => {
        const r = await tool(['get', 'pods', 'failing']);
        return /^failing\s+0\/1\s+Init:CrashLoopBackOff\s+\d+/m.test(r.stdout) ? r.stdout : undefined;
      });
      expect(out).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/m);
    }
    // orch describe lists the init container before the app one, with its restarts.
    const described = (await clients.orch(['describe', 'pod', 'failing'])).stdout;
    expect(described).toMatch(/Init Containers:\n  setup:\n(.*\n)*?\s+Restarts:\s+[1-9]/);
    expect(described.indexOf('Init Containers:')).toBeLessThan(described.indexOf('\nContainers:'));
  });

  it('restartPolicy Never: a failing init container fails the pod; the app never starts', async () => {
    await admin.pods.create(pod('never', { restartPolicy: 'Never', initContainers: [sh('setup', 'exit 1')], containers: [sh('app', 'echo ran >> /data/log; sleep 3600')] }));
    const p = await waitFor('pod Failed', async () => {
      const q = await getPod('never');
      return q.status?.phase === 'Failed' ? q : undefined;
    });
    expect(podSummary(p).reason).toBe('Init:Error');
    expect(p.status!.initContainerStatuses![0]!.restartCount).toBe(0);
    expect(lines(emptyDirFile(p, 'log'))).toEqual([]);
  });

  it('a sidecar starts before the app and stops after it; deletion stops sidecars last one first', async () => {
    await admin.pods.create(
      pod(
        'sidecar',
        {
          terminationGracePeriodSeconds: 10,
          initContainers: [sh('proxy', loop('proxy'), { restartPolicy: 'Always' }), sh('logger', loop('logger'), { restartPolicy: 'Always' })],
          containers: [sh('app', loop('app'))],
        },
        'hostPath',
      ),
    );
    const p = await waitRunning('sidecar');
    expect(p.status!.initContainerStatuses!.map((s) => [s.name, !!s.state.running, s.started, s.ready])).toEqual([['proxy', true, true, true], ['logger', true, true, true]]);
    // kubectl counts started sidecars as containers: 3/3.
    const { stdout } = await clients.kubectl(['get', 'pods', 'sidecar']);
    expect(stdout).toMatch(/^sidecar\s+3\/3\s+Running\s+0\s/m);
    await deleteAndWaitGone('sidecar', 10);
    expect(lines(hostFile('sidecar', 'log'))).toEqual(['proxy-start', 'logger-start', 'app-start', 'app-stop', 'logger-stop', 'proxy-stop']);
  });

  it('a sidecar of a pod whose app completes (restartPolicy Never) is stopped; the pod Succeeds', async () => {
    await admin.pods.create(pod('job', { restartPolicy: 'Never', initContainers: [sh('proxy', loop('proxy'), { restartPolicy: 'Always' })], containers: [sh('app', 'sleep 1; echo app-done >> /data/log')] }));
    const p = await waitFor('pod Succeeded', async () => {
      const q = await getPod('job');
      return q.status?.phase === 'Succeeded' ? q : undefined;
    });
    expect(lines(emptyDirFile(p, 'log'))).toEqual(['proxy-start', 'app-done', 'proxy-stop']);
  });

  it('postStart runs before the container is reported Running', async () => {
    await admin.pods.create(pod('poststart', { containers: [sh('app', 'sleep 3600', { lifecycle: { postStart: { exec: { command: ['sh', '-c', 'sleep 1; echo hook > /data/poststart'] } } } })] }));
    const creating = await waitFor('container started, hook running', async () => {
      const q = await getPod('poststart');
      return q.status?.containerStatuses?.[0]?.containerID && q.status.containerStatuses[0].state.waiting ? q : undefined;
    });
    expect(creating.status!.containerStatuses![0]!.state.waiting?.reason).toBe('ContainerCreating');
    const p = await waitFor('Running', async () => {
      const q = await getPod('poststart');
      return q.status?.containerStatuses?.[0]?.state.running ? q : undefined;
    });
    expect(fs.readFileSync(emptyDirFile(p, 'poststart'), 'utf8')).toBe('hook\n');
  });

  it('a failing postStart: FailedPostStartHook, the container is killed and restarted with backoff', async () => {
    const app = sh('app', loop('app'), { lifecycle: { postStart: { exec: { command: ['sh', '-c', 'echo hook >> /data/log; exit 7'] } } } });
    await admin.pods.create(pod('badhook', { terminationGracePeriodSeconds: 5, containers: [app] }));
    const p = await waitFor('restarted after the hook failed', async () => {
      const q = await getPod('badhook');
      return (q.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? q : undefined;
    });
    // It got SIGTERM (its trap ran) after the hook failed; it was never ready.
    const log = lines(emptyDirFile(p, 'log'));
    expect(log.indexOf('hook')).toBeGreaterThanOrEqual(0);
    expect(log.indexOf('hook')).toBeLessThan(log.indexOf('app-stop'));
    expect(p.status!.containerStatuses![0]!.ready).toBe(false);
    expect(p.status!.containerStatuses![0]!.lastState.terminated?.exitCode).toBe(0);
    const ev = await waitFor('FailedPostStartHook event', async () => (await admin.events.list({ namespace: 'default' })).items.find((e) => e.reason === 'FailedPostStartHook' && e.involvedObject.name === 'badhook'));
    expect([ev.type, ev.message]).toEqual(['Warning', 'PostStartHook failed']);
  });

  it('preStop runs before SIGTERM on deletion', async () => {
    const app = sh('app', loop('app', 'true'), { lifecycle: { preStop: { exec: { command: ['sh', '-c', 'echo prestop >> /data/log'] } } } });
    await admin.pods.create(pod('prestop', { terminationGracePeriodSeconds: 10, containers: [app] }, 'hostPath'));
    await waitRunning('prestop');
    await deleteAndWaitGone('prestop', 10);
    expect(lines(hostFile('prestop', 'log'))).toEqual(['prestop', 'app-stop']);
  });

  it('preStop sleep delays SIGTERM, inside the grace period', async () => {
    const app = sh('app', loop('app', 'true').replace('echo app-stop', 'date +%s >> /data/log; echo app-stop'), { lifecycle: { preStop: { sleep: { seconds: 3 } } } });
    await admin.pods.create(pod('presleep', { terminationGracePeriodSeconds: 8, containers: [app] }, 'hostPath'));
    await waitRunning('presleep');
    const t0 = await deleteAndWaitGone('presleep', 8);
    const [termAt, stop] = lines(hostFile('presleep', 'log'));
    expect(stop).toBe('app-stop'); // it got SIGTERM and exited by itself, within the grace period
    const delay = Number(termAt) - Math.floor(t0 / 1000);
    expect(delay).toBeGreaterThanOrEqual(2); // 3 s of sleep, counted in whole seconds
    expect(delay).toBeLessThan(8);
  });
});
