// The agent as a real OS process: SIGKILL and restart adopts the running containers
// (same ids, no restart, restartCount unchanged) and repairs what broke while it was
// down; SIGTERM stops the agent and leaves the containers running.

import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { freePort } from '../helpers/ports.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { appContainersWith, containersWith, docker, dockerJson, podManifest, removeContainersWith, waitFor } from './agent-helpers.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';

const NODE = `e2e-proc-${crypto.randomBytes(3).toString('hex')}`;
let api: TestApiServer;
let admin: ApiClient;
let root: string;
let child: ChildProcess | undefined;
let logPort: number;

function spawnAgent(): ChildProcess {
  const tokenFile = path.join(root, 'token');
  fs.writeFileSync(tokenFile, api.nodeTokens[NODE]!);
  const args = [
    'agent/main.ts',
    '--server', api.url, '--token-file', tokenFile, '--node-name', NODE, '--node-ip', '127.0.0.1',
    '--root-dir', path.join(root, 'agent'), '--log-port', String(logPort), '--log-address', '127.0.0.1', '--log-server-insecure-http',
    '--healthz-port', '0', '--heartbeat-interval', '1s', '--resync-interval', '2s', '--log-level', 'warn', '--network-backend', 'none',
    '--pod-infra-container-image', TEST_PAUSE_IMAGE,
  ];
  const p = spawn(path.resolve('node_modules/.bin/vite-node'), args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  p.stderr!.on('data', (d: Buffer) => process.env.ORCH_TEST_LOG && process.stderr.write(d));
  child = p;
  return p;
}

function killGroup(p: ChildProcess, sig: NodeJS.Signals): void {
  try {
    process.kill(-p.pid!, sig);
  } catch {
    /* already gone */
  }
}

const exited = (p: ChildProcess) => new Promise<number | null>((r) => (p.exitCode !== null ? r(p.exitCode) : p.once('exit', (code) => r(code))));

async function waitRunning(name: string): Promise<Pod> {
  return waitFor(`pod ${name} Running`, async () => {
    const p = await admin.pods.get(name, 'default');
    return p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.ready) ? p : undefined;
  }, 60_000);
}

const cid = (p: Pod) => p.status!.containerStatuses![0]!.containerID!.replace('docker://', '');

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-agent-proc-'));
  api = await startTestApiServer({ nodeNames: [NODE] });
  admin = new ApiClient({ server: api.url, token: api.token });
  logPort = await freePort();
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    killGroup(child, 'SIGKILL');
    await exited(child);
  }
  removeContainersWith({ 'orch.io/node': NODE });
  await api?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('agent process', () => {
  it('SIGKILL + restart: adopts running containers, repairs what died meanwhile', async () => {
    spawnAgent();
    await admin.pods.create(podManifest('steady', NODE));
    await admin.pods.create(podManifest('fragile', NODE));
    const steady = await waitRunning('steady');
    const fragile = await waitRunning('fragile');
    const startedAt = dockerJson('inspect', cid(steady))[0].State.StartedAt;

    killGroup(child!, 'SIGKILL');
    await exited(child!);
    // Containers keep running without their agent; one dies meanwhile.
    expect(dockerJson('inspect', cid(steady))[0].State.Running).toBe(true);
    docker('kill', cid(fragile));

    spawnAgent();
    const repaired = await waitFor('fragile replaced', async () => {
      const p = await admin.pods.get('fragile', 'default');
      return p.status?.containerStatuses?.[0]?.restartCount === 1 && p.status.containerStatuses[0].state.running ? p : undefined;
    }, 60_000);
    expect(cid(repaired)).not.toBe(cid(fragile));
    // The restarted agent's first full pass (adoption: where a mistake would replace the
    // healthy container) was queued before a pod created now: once that pod runs, the
    // pass over 'steady' is behind us.
    await admin.pods.create(podManifest('marker', NODE));
    await waitRunning('marker');
    const after = await admin.pods.get('steady', 'default');
    expect(cid(after)).toBe(cid(steady));
    expect(after.status!.containerStatuses![0]!.restartCount).toBe(0);
    expect(dockerJson('inspect', cid(steady))[0].State.StartedAt).toBe(startedAt);
    expect(appContainersWith({ 'orch.io/pod-uid': steady.metadata.uid! })).toEqual([cid(steady)]);
  });

  it('SIGTERM stops the agent cleanly (exit 0) and leaves containers running', async () => {
    const steady = await admin.pods.get('steady', 'default');
    const node: Node = await admin.nodes.get(NODE);
    expect(node.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');
    killGroup(child!, 'SIGTERM');
    expect(await exited(child!)).toBe(0);
    expect(dockerJson('inspect', cid(steady))[0].State.Running).toBe(true);
  });
});
