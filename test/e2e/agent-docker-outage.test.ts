// Docker or the API server going away and coming back, for real: the agent talks to both
// through proxies the test can switch off. Docker off: the node is Ready=False
// (DockerUnreachable), running containers are untouched; back: Ready again and a container
// that died meanwhile is replaced. API off: containers keep running untouched; back: the
// agent's watch resumes and new pods run.

import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../api/types.js';
import { createLogger } from '../../foundation/logger.js';
import { ApiClient } from '../../client/rest-client.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { freePort } from '../helpers/ports.js';
import { countSyncs, docker, dockerJson, podManifest, removeContainersWith, waitFor } from './agent-helpers.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';

const NODE = `e2e-outage-${crypto.randomBytes(3).toString('hex')}`;

/** A switchable proxy: listens on a unix socket path or a TCP port, forwards to another. */
class Proxy {
  private server?: net.Server;
  private readonly conns = new Set<net.Socket>();
  constructor(
    readonly listen: string | number,
    private readonly target: string | number,
  ) {}

  async up(): Promise<void> {
    if (typeof this.listen === 'string') fs.rmSync(this.listen, { force: true });
    this.server = net.createServer((c) => {
      const up = typeof this.target === 'string' ? net.connect(this.target) : net.connect(this.target, '127.0.0.1');
      this.conns.add(c).add(up);
      c.pipe(up).pipe(c);
      const end = () => {
        c.destroy();
        up.destroy();
      };
      c.on('error', end).on('close', end);
      up.on('error', end).on('close', end);
    });
    await new Promise<void>((r) => (typeof this.listen === 'string' ? this.server!.listen(this.listen, r) : this.server!.listen(this.listen, '127.0.0.1', r)));
  }

  async down(): Promise<void> {
    for (const c of this.conns) c.destroy();
    this.conns.clear();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    this.server = undefined;
    if (typeof this.listen === 'string') fs.rmSync(this.listen, { force: true });
  }
}

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let proxy: Proxy;
let apiProxy: Proxy;
let agent: Agent;

const ready = async () => ((await admin.nodes.get(NODE)) as Node).status?.conditions?.find((c) => c.type === 'Ready');

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-agent-outage-'));
  proxy = new Proxy(path.join(root, 'docker.sock'), '/var/run/docker.sock');
  await proxy.up();
  api = await startTestApiServer({ nodeNames: [NODE] });
  apiProxy = new Proxy(await freePort(), Number(new URL(api.url).port));
  await apiProxy.up();
  admin = new ApiClient({ server: api.url, token: api.token });
  const logger = createLogger('agent', process.env.ORCH_TEST_LOG ?? 'silent');
  agent = new Agent({
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    nodeName: NODE,
    client: new ApiClient({ server: `http://127.0.0.1:${apiProxy.listen}`, token: api.nodeTokens[NODE], timeoutMs: 3000 }),
    runtime: new DockerRuntime({ socketPath: proxy.listen as string, logger, eventsRetryMs: 200 }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, 'agent'),
    heartbeatIntervalMs: 500,
    resyncIntervalMs: 1000,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
  });
  await agent.start();
});

afterAll(async () => {
  await agent?.stop().catch(() => undefined);
  await proxy?.down().catch(() => undefined);
  await apiProxy?.down().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE });
  await api?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('agent and a Docker outage', () => {
  it('NotReady while Docker is unreachable, containers untouched; recovers and repairs after', async () => {
    await admin.pods.create(podManifest('steady', NODE));
    await admin.pods.create(podManifest('victim', NODE));
    const running = async (name: string) =>
      waitFor(`${name} running`, async () => {
        const p: Pod = await admin.pods.get(name, 'default');
        return p.status?.containerStatuses?.[0]?.state.running ? p : undefined;
      }, 30_000);
    const steady = await running('steady');
    const victim = await running('victim');
    expect((await ready())?.status).toBe('True');

    await proxy.down();
    const down = await waitFor('node NotReady', async () => {
      const r = await ready();
      return r?.status === 'False' ? r : undefined;
    }, 20_000);
    expect(down.reason).toBe('DockerUnreachable');
    const steadyId = steady.status!.containerStatuses![0]!.containerID!.replace('docker://', '');
    const victimId = victim.status!.containerStatuses![0]!.containerID!.replace('docker://', '');
    docker('kill', victimId);
    expect(dockerJson('inspect', steadyId)[0].State.Running).toBe(true);

    await proxy.up();
    await waitFor('node Ready again', async () => (await ready())?.status === 'True', 20_000);
    const repaired = await waitFor('victim replaced', async () => {
      const p: Pod = await admin.pods.get('victim', 'default');
      const s = p.status?.containerStatuses?.[0];
      return s?.restartCount === 1 && s.state.running ? p : undefined;
    }, 30_000);
    expect(repaired.status!.containerStatuses![0]!.containerID).not.toBe(`docker://${victimId}`);
    const after: Pod = await admin.pods.get('steady', 'default');
    expect(after.status!.containerStatuses![0]!.containerID).toBe(`docker://${steadyId}`);
    expect(after.status!.containerStatuses![0]!.restartCount).toBe(0);
  });

  it('API server unreachable: containers keep running untouched; the watch resumes when it is back', async () => {
    const steady: Pod = await admin.pods.get('steady', 'default');
    const id = steady.status!.containerStatuses![0]!.containerID!.replace('docker://', '');
    const startedAt = dockerJson('inspect', id)[0].State.StartedAt;
    const seen = countSyncs(agent);
    await apiProxy.down();
    // Two syncs of the pod (from the cached informer; their status writes fail) happen
    // during the outage: neither may touch the container.
    await waitFor('2 syncs of steady during the API outage', () => seen.syncs('default/steady') >= 2, 30_000);
    expect(dockerJson('inspect', id)[0].State.Running).toBe(true);
    await apiProxy.up();
    await admin.pods.create(podManifest('after-outage', NODE));
    await waitFor('new pod running after the API came back', async () => {
      const p: Pod = await admin.pods.get('after-outage', 'default');
      return p.status?.containerStatuses?.[0]?.state.running ? p : undefined;
    }, 60_000);
    expect(dockerJson('inspect', id)[0].State.StartedAt).toBe(startedAt);
    const after: Pod = await admin.pods.get('steady', 'default');
    expect(after.status!.containerStatuses![0]!.restartCount).toBe(0);
  });
});
