// Pod sandboxes against a real dockerd, apiserver and etcd: the agent's pod network is a
// stand-in (agent/testing/static-pod-network.ts) pointing at a dual-stack Docker network
// this test creates, as the network component's per-node network would be. One IP per pod
// for its whole life: a killed container comes back alone, a killed sandbox brings the pod
// back in a new one, an agent restart adopts the sandbox; hostNetwork pods get the node IP.

import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/types.js';
import { createLogger } from '../../foundation/logger.js';
import { ApiClient } from '../../client/rest-client.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { StaticPodNetwork } from '../../agent/testing/static-pod-network.js';
import { freePort } from '../helpers/ports.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { allowPrivilegedPods } from '../helpers/pod-security.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { containersWith, countSyncs, docker, dockerJson, podManifest, removeAgentDir, removeContainersWith, waitFor } from './agent-helpers.js';

const execFileAsync = promisify(execFile);
const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `h14-sandbox-${RUN}`;
const NETWORK = `h14-sandbox-${RUN}`;
const MTU = 1450;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let agent: Agent | undefined;
let subnets: { v4: string; v6: string };
const net = new StaticPodNetwork({ ready: false, reason: 'the test network is not created yet' });

function startAgent(): Agent {
  const logger = createLogger('agent', process.env.ORCH_TEST_LOG ?? 'silent');
  return new Agent({
    nodeName: NODE,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE], ca: api.ca }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, 'agent'),
    resyncIntervalMs: 2000,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    podNetwork: net,
    heartbeatIntervalMs: 300_000,
  });
}

/** A dual-stack bridge network like the node's pod network; another random /24 when one is taken. */
function createNetwork(): { v4: string; v6: string } {
  for (let i = 0; ; i++) {
    const n = crypto.randomInt(1, 255);
    const s = { v4: `10.251.${n}.0/24`, v6: `fd00:251:${n.toString(16)}::/64` };
    try {
      docker('network', 'create', '--label', `h14-sandbox=${RUN}`, '--ipv6', '--subnet', s.v4, '--subnet', s.v6,
        '-o', 'com.docker.network.bridge.enable_ip_masquerade=false', '-o', `com.docker.network.driver.mtu=${MTU}`, NETWORK);
      return s;
    } catch (err) {
      if (i >= 5) throw err;
    }
  }
}

const getPod = (name: string) => admin.pods.get(name, 'default');
const cid = (p: Pod, i = 0) => p.status!.containerStatuses![i]!.containerID!.replace('docker://', '');
const sandboxesOf = (p: Pod) => containersWith({ 'orch.io/pod-uid': p.metadata.uid!, 'orch.io/container': 'POD' });
const inspect = (id: string) => dockerJson('inspect', id)[0];

async function waitRunning(name: string): Promise<Pod> {
  return waitFor(`pod ${name} Running and Ready`, async () => {
    const p = await getPod(name);
    return p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.ready && c.state.running) ? p : undefined;
  });
}

/** web (httpd on 8080, published on hostPort) + side (busybox), one pod. */
function twoContainers(name: string, hostPort?: number): Pod {
  return podManifest(name, NODE, {
    containers: [
      { name: 'web', image: 'orch.local/web:latest', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8080, ...(hostPort ? { hostPort } : {}) }] },
      { name: 'side', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'] },
    ],
  });
}

beforeAll(async () => {
  docker('image', 'inspect', TEST_PAUSE_IMAGE); // fails loudly when the test images are missing
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'h14-sandbox-'));
  // TLS: kubectl sends no token over plain HTTP.
  api = await startTestApiServer({ nodeNames: [NODE], tls: true });
  admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  // hostPath / hostPort / hostNetwork pods: this suite tests the agent, not Pod Security.
  await allowPrivilegedPods(admin);
  fs.writeFileSync(path.join(root, 'ca.pem'), api.ca!);
  agent = startAgent();
  await agent.start();
  await agent.waitForSync();
});

afterAll(async () => {
  await agent?.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE });
  try {
    docker('network', 'rm', NETWORK);
  } catch {
    /* never created */
  }
  await api?.stop();
  if (root) removeAgentDir(root);
});

describe('pod sandbox (real Docker)', () => {
  it('waits with NetworkNotReady until the pod network is ready, then runs on it; the Node is Ready only then', async () => {
    await admin.pods.create(podManifest('early', NODE));
    const w = await waitFor('NetworkNotReady', async () => (await getPod('early')).status?.containerStatuses?.[0]?.state.waiting);
    expect(w).toEqual({ reason: 'NetworkNotReady', message: 'network is not ready: the test network is not created yet' });
    expect(containersWith({ 'orch.io/node': NODE, 'orch.io/pod': 'early' })).toEqual([]);
    const nodeReady = async () => (await admin.nodes.get(NODE)).status?.conditions?.find((c) => c.type === 'Ready');
    expect(await nodeReady()).toMatchObject({ status: 'False', reason: 'NetworkPluginNotReady' });
    subnets = createNetwork();
    // Only the view's onChange brings the pod back before the resync: no resync in between is needed.
    net.set({ ready: true, dockerNetwork: NETWORK, podCIDRs: [subnets.v4, subnets.v6], mtu: MTU });
    // The heartbeat interval here is 5 minutes: only the network's change can post Ready within the wait.
    await waitFor('Node Ready', async () => ((await nodeReady())?.status === 'True' ? true : undefined), 20_000);
    const p = await waitRunning('early');
    const [sandbox] = sandboxesOf(p);
    expect(Object.keys(inspect(sandbox!).NetworkSettings.Networks)).toEqual([NETWORK]);
  });

  it('two containers share the sandbox: one IP (both families, from the network), localhost, hostPort, MTU', async () => {
    const hostPort = await freePort();
    await admin.pods.create(twoContainers('pair', hostPort));
    const p = await waitRunning('pair');
    const [sandbox, ...more] = sandboxesOf(p);
    expect(more).toEqual([]);
    const onNet = inspect(sandbox!).NetworkSettings.Networks[NETWORK];
    expect(p.status!.podIP).toBe(onNet.IPAddress);
    expect(p.status!.podIPs).toEqual([{ ip: onNet.IPAddress }, { ip: onNet.GlobalIPv6Address }]);
    expect(onNet.IPAddress.startsWith(subnets.v4.split('.').slice(0, 3).join('.'))).toBe(true);
    expect(onNet.GlobalIPv6Address.startsWith(subnets.v6.replace('::/64', ':'))).toBe(true);
    const [web, side] = [cid(p, 0), cid(p, 1)];
    expect([inspect(web).HostConfig.NetworkMode, inspect(side).HostConfig.NetworkMode]).toEqual([`container:${sandbox}`, `container:${sandbox}`]);
    expect(docker('exec', side, 'wget', '-qO-', 'http://127.0.0.1:8080/')).toContain('Hello from orch');
    expect(docker('exec', side, 'cat', '/sys/class/net/eth0/mtu')).toBe(String(MTU));
    expect(docker('exec', web, 'hostname')).toBe('pair');
    // hostPort is published on the sandbox, which holds the namespace.
    expect(Object.keys(inspect(sandbox!).HostConfig.PortBindings)).toEqual(['8080/tcp']);
    const body = await waitFor('http via hostPort', async () => (await fetch(`http://127.0.0.1:${hostPort}/`)).text());
    expect(body).toContain('Hello from orch');
    // kubectl shows the sandbox's address in the wide IP column (async: the apiserver runs in this process).
    const { stdout: wide } = await execFileAsync('kubectl', ['--server', api.url, '--token', api.token, '--certificate-authority', path.join(root, 'ca.pem'), 'get', 'pods', 'pair', '-o', 'wide'], { timeout: 30_000, env: { ...process.env, KUBECONFIG: path.join(root, 'none') } }).catch((err: { stderr?: string }) => {
      throw new Error(`kubectl: ${err.stderr}`);
    });
    expect(wide).toMatch(new RegExp(`^pair\\s+2/2\\s+Running\\s+0\\s+\\S+\\s+${onNet.IPAddress.replace(/\./g, '\\.')}\\s+${NODE}\\s`, 'm'));
  });

  it('docker kill of one container: it alone restarts; sibling and sandbox untouched; same pod IP', async () => {
    const p = await getPod('pair');
    const [sandbox] = sandboxesOf(p);
    const started = { sandbox: inspect(sandbox!).State.StartedAt, side: inspect(cid(p, 1)).State.StartedAt };
    docker('kill', cid(p, 0));
    const after = await waitFor('web restarted', async () => {
      const q = await getPod('pair');
      return q.status?.containerStatuses?.[0]?.restartCount === 1 && q.status.containerStatuses.every((c) => c.state.running) ? q : undefined;
    });
    expect(after.status!.containerStatuses![1]!.restartCount).toBe(0);
    expect(cid(after, 1)).toBe(cid(p, 1));
    expect(sandboxesOf(after)).toEqual([sandbox]);
    expect({ sandbox: inspect(sandbox!).State.StartedAt, side: inspect(cid(p, 1)).State.StartedAt }).toEqual(started);
    expect(after.status!.podIP).toBe(p.status!.podIP);
    expect(inspect(cid(after, 0)).HostConfig.NetworkMode).toBe(`container:${sandbox}`);
  });

  it('sandbox killed: the pod comes back in a new sandbox (SandboxChanged), every container joins it', async () => {
    const p = await getPod('pair');
    const [old] = sandboxesOf(p);
    docker('kill', old!);
    const after = await waitFor('pod back in a new sandbox', async () => {
      const q = await getPod('pair');
      const s = sandboxesOf(q);
      const ok = s.length === 1 && s[0] !== old && q.status?.containerStatuses?.every((c) => c.state.running && c.containerID !== `docker://${cid(p, c.name === 'web' ? 0 : 1)}`);
      return ok ? q : undefined;
    });
    const [sandbox] = sandboxesOf(after);
    expect(inspect(sandbox!).Config.Labels['orch.io/attempt']).toBe('1');
    for (const i of [0, 1]) expect(inspect(cid(after, i)).HostConfig.NetworkMode).toBe(`container:${sandbox}`);
    expect(after.status!.podIP).toBe(inspect(sandbox!).NetworkSettings.Networks[NETWORK].IPAddress);
    expect(docker('exec', cid(after, 1), 'wget', '-qO-', 'http://127.0.0.1:8080/')).toContain('Hello from orch');
    const events = await waitFor('SandboxChanged event', async () => {
      const list = await admin.events.list({ namespace: 'default' });
      return list.items.find((e) => e.reason === 'SandboxChanged' && e.involvedObject.name === 'pair');
    });
    expect(events.message).toBe('Pod sandbox changed, it will be killed and re-created.');
  });

  it('an agent restart adopts the sandbox: no second one, nothing restarted', async () => {
    const p = await getPod('pair');
    const [sandbox] = sandboxesOf(p);
    await agent!.stop();
    agent = startAgent();
    await agent.start();
    const seen = countSyncs(agent);
    await agent.waitForSync();
    await waitFor('2 syncs of pair and an orphan sweep after the restart', () => seen.syncs('default/pair') >= 2 && seen.sweeps() >= 1);
    expect(sandboxesOf(p)).toEqual([sandbox]);
    const now = await getPod('pair');
    expect([cid(now, 0), cid(now, 1), now.status!.podIP]).toEqual([cid(p, 0), cid(p, 1), p.status!.podIP]);
  });

  it('hostNetwork: no sandbox; the containers use the host network; pod IP = node IP', async () => {
    await admin.pods.create(podManifest('onhost', NODE, { hostNetwork: true }));
    const p = await waitRunning('onhost');
    expect(sandboxesOf(p)).toEqual([]);
    expect(inspect(cid(p)).HostConfig.NetworkMode).toBe('host');
    expect([p.status!.podIP, p.status!.podIPs]).toEqual(['127.0.0.1', [{ ip: '127.0.0.1' }]]);
    expect(docker('exec', cid(p), 'hostname')).toBe(os.hostname());
  });

  it('pod deleted: containers, then the sandbox, are removed; an orphaned sandbox is swept', async () => {
    const p = await getPod('pair');
    expect(sandboxesOf(p)).toHaveLength(1);
    await admin.pods.delete('pair', 'default');
    await waitFor('pod gone', async () => (await admin.pods.list({ namespace: 'default' })).items.every((x) => x.metadata.name !== 'pair'));
    expect(containersWith({ 'orch.io/pod-uid': p.metadata.uid! })).toEqual([]);
    const orphan = docker('run', '-d', '--label', `orch.io/node=${NODE}`, '--label', 'orch.io/pod-uid=gone-uid', '--label', 'orch.io/namespace=default',
      '--label', 'orch.io/pod=ghost', '--label', 'orch.io/container=POD', '--network', NETWORK, TEST_PAUSE_IMAGE);
    await waitFor('orphaned sandbox removed', () => containersWith({ 'orch.io/pod-uid': 'gone-uid' }).length === 0);
    expect(() => docker('inspect', orphan)).toThrow();
  });
});
