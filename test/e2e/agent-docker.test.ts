// The node agent against a real dockerd, a real apiserver and a real etcd: pods run as
// containers with their env/ports/limits/volumes, are replaced when killed, back off when
// crashing, are deleted and finalized, are adopted after an agent restart; orphans go;
// image failures are reported; logs flow; two agents share one engine safely.

import { tokenAuthenticator } from '../../foundation/token-auth.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lease, Node, Pod } from '../../api/types.js';
import { createLogger } from '../../foundation/logger.js';
import { ApiClient } from '../../client/rest-client.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { freePort } from '../helpers/ports.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { allowPrivilegedPods } from '../helpers/pod-security.js';
import { containersWith, countSyncs, docker, dockerJson, podManifest, removeAgentDir, removeContainersWith, waitFor } from './agent-helpers.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';

const RUN = crypto.randomBytes(3).toString('hex');
const NODE_A = `e2e-a-${RUN}`;
const NODE_B = `e2e-b-${RUN}`;
const LOG_TOKEN = crypto.randomBytes(12).toString('hex');

let api: TestApiServer;
let admin: ApiClient;
let root: string;
const agents: Agent[] = [];

function startAgent(nodeName: string): Agent {
  const logger = createLogger(`agent-${nodeName}`, process.env.ORCH_TEST_LOG ?? 'silent');
  const agent = new Agent({
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    nodeName,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[nodeName] }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, nodeName),
    allowedHostPaths: [path.join(root, 'host')],
    heartbeatIntervalMs: 1000,
    resyncIntervalMs: 2000,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
    logTokens: tokenAuthenticator([{ token: LOG_TOKEN, user: 'log-reader', uid: '', groups: [] }]),
  });
  agents.push(agent);
  return agent;
}

async function stopAgent(a: Agent): Promise<void> {
  await a.stop();
  agents.splice(agents.indexOf(a), 1);
}

const getPod = (name: string) => admin.pods.get(name, 'default');

async function waitRunning(name: string, timeoutMs = 30_000): Promise<Pod> {
  return waitFor(`pod ${name} Running and Ready`, async () => {
    const p = await getPod(name);
    return p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.ready) ? p : undefined;
  }, timeoutMs);
}

const cid = (p: Pod, i = 0) => p.status!.containerStatuses![i]!.containerID!.replace('docker://', '');
/** The pod's sandbox container(s), any state. */
const sandboxOf = (p: Pod) => containersWith({ 'orch.io/pod-uid': p.metadata.uid!, 'orch.io/container': 'POD' });

let agentA: Agent;

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest'); // fails loudly when the test images are missing
  docker('image', 'inspect', 'orch.local/web:latest');
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-agent-e2e-'));
  fs.mkdirSync(path.join(root, 'host'));
  api = await startTestApiServer({ nodeNames: [NODE_A, NODE_B], server: { agentClient: { insecureHttp: true, token: LOG_TOKEN } } });
  admin = new ApiClient({ server: api.url, token: api.token });
  // hostPath / hostPort / hostNetwork pods: this suite tests the agent, not Pod Security.
  await allowPrivilegedPods(admin);
  agentA = startAgent(NODE_A);
  await agentA.start();
  await agentA.waitForSync();
});

afterAll(async () => {
  for (const a of [...agents]) await a.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE_A });
  removeContainersWith({ 'orch.io/node': NODE_B });
  await api?.stop();
  if (root) removeAgentDir(root);
});

describe('agent e2e (real Docker)', () => {
  it('registers its Node (Ready, capacity, addresses, log port) and renews its Lease', async () => {
    const node = await waitFor('node registered and Ready', async () => {
      const n: Node = await admin.nodes.get(NODE_A);
      return n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? n : undefined;
    });
    const info = docker('info', '--format', '{{.NCPU}} {{.MemTotal}} {{.ServerVersion}}').split(' ');
    expect(node.status!.capacity!.cpu).toBe(info[0]);
    expect(node.status!.capacity!.memory).toBe(`${Math.floor(Number(info[1]) / 1024)}Ki`);
    expect(node.status!.capacity!.pods).toBe('110');
    expect(node.status!.nodeInfo!.containerRuntimeVersion).toBe(`docker://${info[2]}`);
    expect(node.status!.addresses).toContainEqual({ type: 'InternalIP', address: '127.0.0.1' });
    expect(node.status!.daemonEndpoints!.kubeletEndpoint!.Port).toBe(agentA.logPort);
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': NODE_A, 'kubernetes.io/os': 'linux' });
    const l1: Lease = await waitFor('lease', () => admin.leases.get(NODE_A, 'kube-node-lease'));
    expect(l1.spec.holderIdentity).toBe(NODE_A);
    const l2 = await waitFor('lease renewed', async () => {
      const l = await admin.leases.get(NODE_A, 'kube-node-lease');
      return l.spec.renewTime !== l1.spec.renewTime ? l : undefined;
    }, 10_000);
    expect(Date.parse(l2.spec.renewTime!)).toBeGreaterThan(Date.parse(l1.spec.renewTime!));
  });

  it('runs a pod with env, ports, limits and volumes really applied', async () => {
    const hostPort = await freePort();
    await admin.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-cfg', namespace: 'default' }, data: { MODE: 'fast', 'index.html': 'from configmap\n' } });
    await admin.secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-sec', namespace: 'default' }, data: { PASSWORD: Buffer.from('s3cret').toString('base64') } });
    fs.writeFileSync(path.join(root, 'host', 'hello.txt'), 'from host\n');
    await admin.pods.create(
      podManifest('web', NODE_A, {
        volumes: [
          { name: 'www', configMap: { name: 'web-cfg', items: [{ key: 'index.html', path: 'index.html' }] } },
          // The API defaults defaultMode to 0644 as Kubernetes does; ask for 0400 explicitly.
          { name: 'sec', secret: { secretName: 'web-sec', defaultMode: 0o400 } },
          { name: 'scratch', emptyDir: {} },
          { name: 'host', hostPath: { path: path.join(root, 'host') } },
        ],
        containers: [
          {
            name: 'web',
            image: 'orch.local/web:latest',
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 8080, hostPort }],
            resources: { limits: { cpu: '500m', memory: '64Mi' } },
            env: [
              { name: 'GREETING', value: 'hello' },
              { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'web-cfg', key: 'MODE' } } },
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'web-sec', key: 'PASSWORD' } } },
              { name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'MY_NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
            ],
            volumeMounts: [
              { name: 'www', mountPath: '/www' },
              { name: 'sec', mountPath: '/etc/sec' },
              { name: 'scratch', mountPath: '/scratch' },
              { name: 'host', mountPath: '/host' },
            ],
          },
          { name: 'side', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo $POD_IP > /scratch/ip; sleep 3600'], env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }], volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }] },
        ],
      }),
    );
    const pod = await waitRunning('web');
    const id = cid(pod);
    const [inspect] = dockerJson(`inspect`, id);
    expect(inspect.HostConfig.Memory).toBe(64 * 1024 * 1024);
    expect(inspect.HostConfig.NanoCpus).toBe(500_000_000);
    expect(inspect.Config.Labels).toMatchObject({ 'orch.io/node': NODE_A, 'orch.io/pod': 'web', 'orch.io/namespace': 'default', 'orch.io/container': 'web', 'orch.io/attempt': '0', 'orch.io/pod-uid': pod.metadata.uid });
    expect(inspect.Config.Env).toEqual(expect.arrayContaining(['GREETING=hello', 'MODE=fast', 'PASSWORD=s3cret', 'MY_POD=web', `MY_NODE=${NODE_A}`]));
    const [sandbox] = sandboxOf(pod);
    expect(inspect.HostConfig.NetworkMode).toBe(`container:${sandbox}`);
    expect(pod.status!.podIP).toBe(dockerJson('inspect', sandbox!)[0].NetworkSettings.IPAddress);
    expect(pod.status!.hostIP).toBe('127.0.0.1');
    // The published hostPort serves the configMap-projected index.html.
    const body = await waitFor('http via hostPort', async () => (await fetch(`http://127.0.0.1:${hostPort}/`)).text());
    expect(body).toBe('from configmap\n');
    expect(docker('exec', id, 'cat', '/etc/sec/PASSWORD')).toBe('s3cret');
    expect(docker('exec', id, 'stat', '-c', '%a', '/etc/sec/PASSWORD')).toBe('400');
    expect(docker('exec', id, 'cat', '/host/hello.txt')).toBe('from host');
    expect(() => docker('exec', id, 'sh', '-c', 'echo x > /www/new')).toThrow(); // read-only
    // The sidecar shares the network namespace (sees the pod IP, reaches the web server on localhost).
    const side = cid(pod, 1);
    expect(dockerJson('inspect', side)[0].HostConfig.NetworkMode).toBe(`container:${sandbox}`);
    expect(docker('exec', side, 'wget', '-qO-', 'http://127.0.0.1:8080/')).toBe('from configmap');
    expect(docker('exec', id, 'cat', '/scratch/ip')).toBe(pod.status!.podIP);
  });

  it('refuses a hostPath outside the allowed prefixes with a clear status', async () => {
    await admin.pods.create(podManifest('badhost', NODE_A, { volumes: [{ name: 'etc', hostPath: { path: '/etc' } }], containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '60'], volumeMounts: [{ name: 'etc', mountPath: '/x' }] }] }));
    const w = await waitFor('HostPathNotAllowed', async () => (await getPod('badhost')).status?.containerStatuses?.[0]?.state.waiting);
    expect(w.message).toBe(`hostPath /etc is not allowed on this node; allowed prefixes: ${path.join(root, 'host')}`);
    expect(containersWith({ 'orch.io/node': NODE_A, 'orch.io/pod': 'badhost' })).toEqual([]);
  });

  it('replaces a container killed with docker kill at once; restartCount 1', async () => {
    await admin.pods.create(podManifest('killme', NODE_A));
    const before = await waitRunning('killme');
    const oldId = cid(before);
    const t0 = Date.now();
    docker('kill', oldId);
    const after = await waitFor('replacement running', async () => {
      const p = await getPod('killme');
      const s = p.status?.containerStatuses?.[0];
      return s?.restartCount === 1 && s.state.running ? p : undefined;
    }, 20_000, 25);
    const elapsed = Date.now() - t0;
    const newId = cid(after);
    expect(newId).not.toBe(oldId);
    expect(dockerJson('inspect', newId)[0].State.Running).toBe(true);
    expect(after.status!.containerStatuses![0]!.lastState.terminated).toMatchObject({ exitCode: 137, containerID: `docker://${oldId}` });
    // Informational: kill → replacement observed through the API (bench/ measures properly).
    console.log(`docker kill → replacement running (seen via API): ${elapsed} ms`);
    expect(containersWith({ 'orch.io/node': NODE_A, 'orch.io/pod': 'killme' })).toHaveLength(3); // current + previous + sandbox
    expect(after.status!.podIP).toBe(before.status!.podIP);
  });

  it('a crashing container goes to CrashLoopBackOff with growing delays', async () => {
    await admin.pods.create(podManifest('crash', NODE_A, { containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo crashing; exit 3'] }] }));
    const delays = new Set<number>();
    await waitFor('restartCount 4', async () => {
      const s = (await getPod('crash')).status?.containerStatuses?.[0];
      const m = /^back-off (\d+)s/.exec(s?.state.waiting?.reason === 'CrashLoopBackOff' ? (s.state.waiting.message ?? '') : '');
      if (m) delays.add(Number(m[1]));
      return (s?.restartCount ?? 0) >= 4;
    }, 60_000, 50);
    // The agent announced growing delays (1 s, 2 s, 4 s; polling may miss the shortest).
    expect(delays.size).toBeGreaterThanOrEqual(2);
    expect(Math.max(...delays)).toBeGreaterThanOrEqual(2);
    const p = await getPod('crash');
    expect(p.status!.containerStatuses![0]!.lastState.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    // Delays 0, 1 s, 2 s, 4 s: attempt 4 started at least ~4 s after attempt 3 exited. Docker's
    // own times, not when this poll saw the counts: under load the status showing restart 3
    // can arrive late and the observed gap shrink below the real one (seen: 939 ms).
    // Attempts 3 (previous) and 4 (current) are both still kept by the agent here.
    const at = (attempt: number) => {
      const [id] = containersWith({ 'orch.io/node': NODE_A, 'orch.io/pod': 'crash', 'orch.io/attempt': String(attempt) });
      expect(id, `container of attempt ${attempt}`).toBeDefined();
      return dockerJson('inspect', id!)[0].State as { StartedAt: string; FinishedAt: string };
    };
    const exited3 = Date.parse(at(3).FinishedAt);
    const started4 = Date.parse(at(4).StartedAt);
    expect(started4 - exited3).toBeGreaterThanOrEqual(3000);
  });

  it('delete → containers stopped and removed, pod object gone', async () => {
    await admin.pods.create(podManifest('gone', NODE_A, { volumes: [{ name: 'tmp', emptyDir: {} }], containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], volumeMounts: [{ name: 'tmp', mountPath: '/tmp/x' }] }] }));
    const p = await waitRunning('gone');
    const podDir = path.join(root, NODE_A, 'pods', p.metadata.uid!);
    expect(fs.existsSync(podDir)).toBe(true);
    await admin.pods.delete('gone', 'default');
    await waitFor('pod object gone', async () => {
      try {
        await getPod('gone');
        return false;
      } catch (err) {
        return (err as { code?: number }).code === 404 || /not found/i.test((err as Error).message);
      }
    }, 30_000);
    expect(containersWith({ 'orch.io/pod-uid': p.metadata.uid! })).toEqual([]);
    expect(fs.existsSync(podDir)).toBe(false);
  });

  it('a labelled orphan container is removed; unlabelled containers are left alone', async () => {
    const orphan = docker('run', '-d', '--label', `orch.io/node=${NODE_A}`, '--label', 'orch.io/pod-uid=no-such-uid', '--label', 'orch.io/namespace=default', '--label', 'orch.io/pod=ghost', '--label', 'orch.io/container=main', 'orch.local/busybox:latest', 'sleep', '3600');
    const bystander = docker('run', '-d', '--label', `orch.e2e.bystander=${RUN}`, 'orch.local/busybox:latest', 'sleep', '3600');
    try {
      await waitFor('orphan removed', () => containersWith({ 'orch.io/pod-uid': 'no-such-uid' }).length === 0, 20_000);
      expect(dockerJson('inspect', bystander)[0].State.Running).toBe(true);
    } finally {
      docker('rm', '-f', bystander);
      try {
        docker('rm', '-f', orphan);
      } catch {
        /* already removed by the agent */
      }
    }
  });

  it('a missing image → ErrImagePull with Docker message; other pods still served', async () => {
    await admin.pods.create(podManifest('noimage', NODE_A, { containers: [{ name: 'main', image: `orch.local/does-not-exist-${RUN}:1`, imagePullPolicy: 'IfNotPresent' }] }));
    await admin.pods.create(podManifest('fine', NODE_A));
    const w = await waitFor('ErrImagePull', async () => {
      const s = (await getPod('noimage')).status?.containerStatuses?.[0]?.state.waiting;
      return s && (s.reason === 'ErrImagePull' || s.reason === 'ImagePullBackOff') ? s : undefined;
    }, 60_000);
    expect(w.message).toMatch(/does-not-exist/);
    await waitRunning('fine');
    expect((await getPod('noimage')).status!.phase).toBe('Pending');
  });

  it('serves logs (plain, tail, follow, previous) from its log endpoint and through the apiserver', async () => {
    await admin.pods.create(podManifest('talker', NODE_A, { containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'for i in 1 2 3; do echo line$i; done; echo err >&2; while :; do sleep 0.2; echo tick; done'] }] }));
    await waitRunning('talker');
    const base = `http://127.0.0.1:${agentA.logPort}/containerLogs/default/talker/main`;
    const auth = { headers: { authorization: `Bearer ${LOG_TOKEN}` } };
    expect((await fetch(base)).status).toBe(401);
    expect((await fetch(base, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(`http://127.0.0.1:${agentA.logPort}/containers/json`, auth)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${agentA.logPort}/containerLogs/default/talker/nope`, auth)).status).toBe(404);
    const plain = await waitFor('some logs', async () => {
      const t = await (await fetch(base, auth)).text();
      return t.includes('tick') ? t : undefined;
    });
    // stdout and stderr are both there, demultiplexed (no 8-byte frame headers).
    expect(plain.split('\n').filter((l) => l !== 'err').slice(0, 3)).toEqual(['line1', 'line2', 'line3']);
    expect(plain.split('\n')).toContain('err');
    expect(plain).not.toMatch(/[\x00-\x08]/);
    const tail = await (await fetch(`${base}?tailLines=2`, auth)).text();
    expect(tail.split('\n').filter(Boolean)).toHaveLength(2);
    // follow: new lines keep arriving on one open response.
    const ctl = new AbortController();
    const res = await fetch(`${base}?follow=true&tailLines=0`, { ...auth, signal: ctl.signal });
    const reader = res.body!.getReader();
    let got = '';
    while ((got.match(/tick/g) ?? []).length < 3) got += new TextDecoder().decode((await reader.read()).value);
    ctl.abort();
    // previous: the last terminated attempt of the crash-looping pod.
    const prev = await (await fetch(`http://127.0.0.1:${agentA.logPort}/containerLogs/default/crash/main?previous=true`, auth)).text();
    expect(prev).toBe('crashing\n');
    // Through the apiserver's pods/{name}/log proxy.
    const viaApi = await fetch(`${api.url}/api/v1/namespaces/default/pods/talker/log?tailLines=1`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(viaApi.status).toBe(200);
    expect((await viaApi.text()).trim()).toMatch(/^(tick|err|line\d)$/);
    // --previous of a container that never restarted: 400 with the kubelet's message, as kubectl users know it.
    const noPrev = await fetch(`${api.url}/api/v1/namespaces/default/pods/talker/log?previous=true`, { headers: { authorization: `Bearer ${api.token}` } });
    expect(noPrev.status).toBe(400);
    expect(((await noPrev.json()) as { message: string }).message).toBe('previous terminated container "main" in pod "talker" not found');
  });

  it('answers every bad request with a Status and the right 4xx, never a 500 (real Docker)', async () => {
    const root = `http://127.0.0.1:${agentA.logPort}`;
    const base = `${root}/containerLogs/default/talker/main`;
    const auth = { headers: { authorization: `Bearer ${LOG_TOKEN}` } };
    const status = async (url: string, init?: RequestInit) => {
      const r = await fetch(url, init);
      expect(r.headers.get('content-type')).toBe('application/json');
      return { code: r.status, body: await r.json() };
    };
    // The auth scheme is case-insensitive (RFC 7235).
    expect((await fetch(`${base}?tailLines=1`, { headers: { authorization: `bearer ${LOG_TOKEN}` } })).status).toBe(200);
    expect(await status(base)).toMatchObject({ code: 401, body: { kind: 'Status', reason: 'Unauthorized' } });
    // Used to reach Docker and come back as a 500 with Docker's parse error.
    const huge = await status(`${base}?sinceSeconds=99999999999999999999`, auth);
    expect(huge).toMatchObject({ code: 400, body: { kind: 'Status', reason: 'BadRequest', message: 'invalid value for query parameter sinceSeconds: 99999999999999999999 is out of range (64-bit integer)' } });
    const encoding = await status(`${root}/containerLogs/default/talker%E0%A4%A/main`, auth);
    expect(encoding).toMatchObject({ code: 400, body: { reason: 'BadRequest', message: 'the request path has an invalid percent-encoding' } });
    const negative = await status(`${base}?tailLines=-1`, auth);
    expect(negative).toMatchObject({ code: 422, body: { reason: 'Invalid', details: { causes: [{ field: 'tailLines' }] } } });
    expect(await status(`${root}/containers/json`, auth)).toMatchObject({ code: 404, body: { reason: 'NotFound' } });
    expect(await status(base, { ...auth, method: 'POST' })).toMatchObject({ code: 405, body: { reason: 'MethodNotAllowed' } });
    // In range but reaching back before 1970: the whole log, as in Kubernetes.
    const all = await fetch(`${base}?sinceSeconds=9223372036854775807`, auth);
    expect(all.status).toBe(200);
    const whole = await all.text();
    expect(whole).toContain('line1\n');
    // The start of a log does not change: limitBytes gives exactly its first bytes.
    expect(await (await fetch(`${base}?limitBytes=8`, auth)).text()).toBe(whole.slice(0, 8));
    expect(await (await fetch(`${base}?sinceTime=2999-01-01T00:00:00Z`, auth)).text()).toBe('');
  });

  it('adopts its containers after an agent restart: same ids, restartCount unchanged', async () => {
    await admin.pods.create(podManifest('survivor', NODE_A));
    const before = await waitRunning('survivor');
    await stopAgent(agentA);
    agentA = startAgent(NODE_A);
    await agentA.start();
    const seen = countSyncs(agentA);
    await agentA.waitForSync();
    // Two full passes over the pod (resync every 2 s) and an orphan sweep: every chance
    // to do something wrong with the adopted container.
    await waitFor('2 syncs of survivor and an orphan sweep after the restart', () => seen.syncs('default/survivor') >= 2 && seen.sweeps() >= 1, 30_000);
    const after = await getPod('survivor');
    expect(cid(after)).toBe(cid(before));
    // Status is written only when it changes: two more syncs leave the object alone.
    const rv = after.metadata.resourceVersion;
    const synced = seen.syncs('default/survivor');
    await waitFor('2 more syncs of survivor', () => seen.syncs('default/survivor') >= synced + 2, 30_000);
    expect((await getPod('survivor')).metadata.resourceVersion).toBe(rv);
    expect(after.status!.containerStatuses![0]!.restartCount).toBe(0);
    expect(containersWith({ 'orch.io/pod-uid': before.metadata.uid! }).sort()).toEqual([cid(before), ...sandboxOf(before)].sort());
    expect(sandboxOf(before)).toHaveLength(1);
    expect(dockerJson('inspect', cid(before))[0].State.StartedAt).toBe(dockerJson('inspect', cid(before))[0].State.StartedAt);
  });

  it('a pod deleted while the agent was down is cleaned up when it returns', async () => {
    await admin.pods.create(podManifest('whiledown', NODE_A));
    const p = await waitRunning('whiledown');
    await stopAgent(agentA);
    await admin.pods.delete('whiledown', 'default');
    agentA = startAgent(NODE_A);
    await agentA.start();
    await waitFor('pod gone and containers removed', async () => {
      const left = containersWith({ 'orch.io/pod-uid': p.metadata.uid! });
      if (left.length) return false;
      try {
        await getPod('whiledown');
        return false;
      } catch {
        return true;
      }
    }, 30_000);
  });

  it('two agents on one engine never touch each other’s containers', async () => {
    const agentB = startAgent(NODE_B);
    await agentB.start();
    await agentB.waitForSync();
    await admin.pods.create(podManifest('on-b', NODE_B));
    const onB = await waitRunning('on-b');
    const onA = await waitRunning('survivor');
    // Two syncs of each pod and two orphan sweeps on both agents, each of which sees the
    // other's container on the shared engine.
    const [seenA, seenB] = [countSyncs(agentA), countSyncs(agentB)];
    await waitFor('2 syncs and 2 orphan sweeps on both agents', () => seenA.syncs('default/survivor') >= 2 && seenB.syncs('default/on-b') >= 2 && seenA.sweeps() >= 2 && seenB.sweeps() >= 2, 30_000);
    expect(cid(await getPod('on-b'))).toBe(cid(onB));
    expect(cid(await getPod('survivor'))).toBe(cid(onA));
    expect(dockerJson('inspect', cid(onB))[0].Config.Labels['orch.io/node']).toBe(NODE_B);
    await stopAgent(agentB);
  });
});
