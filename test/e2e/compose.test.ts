// The docker-compose demo cluster (deploy/docker-compose.yml), offline and end to end:
// build the images without a registry (deploy/images/build-offline.sh), bring the cluster
// up with the compose tool the machine has, see both agents Ready, spread a 4-replica
// Deployment over them, read a pod's logs through the apiserver (which proxies to the
// agent's TLS endpoint), `docker kill` one agent and see all 4 replicas running on the
// other, then tear down and prove nothing of the run is left on the engine.
//
// Node names and the project name are unique to this run: two clusters on one engine
// with the same node names would fight over each other's containers.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../client/rest-client.js';
import type { Deployment, Pod } from '../../api/types.js';
import { freePort } from '../helpers/ports.js';
import { eventually as waitFor } from '../helpers/eventually.js';

const repo = path.resolve(import.meta.dirname, '../..');
const composeFile = path.join(repo, 'deploy/docker-compose.yml');
const project = `orch-e2e-${process.pid}`;
const node1 = `ce2e-${process.pid}-1`;
const node2 = `ce2e-${process.pid}-2`;
const agentRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-compose-e2e-'));
// Secret volumes: a tmpfs directory on the host (deploy/docker-compose.yml, ORCH_AGENT_RUN).
const agentRun = fs.mkdtempSync(path.join('/dev/shm', 'orch-compose-e2e-'));
const loginDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-compose-login-'));

/** `docker compose` (v2 plugin) when present, else `docker-compose` (v1); ORCH_COMPOSE forces one. */
function composeCommand(): string[] {
  const forced = process.env.ORCH_COMPOSE;
  if (forced) return forced.split(' ');
  if (spawnSync('docker', ['compose', 'version']).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version']).status === 0) return ['docker-compose'];
  throw new Error('neither `docker compose` nor `docker-compose` is installed (apt-get install -y docker-compose)');
}

let env: NodeJS.ProcessEnv;
let compose: string[];
let client: ApiClient;
let started = false;

function run(cmd: string[], timeoutMs = 180_000): string {
  const r = spawnSync(cmd[0], cmd.slice(1), { env, encoding: 'utf8', timeout: timeoutMs, cwd: repo });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}
const dc = (args: string[], timeoutMs?: number) => run([...compose, '-p', project, '-f', composeFile, ...args], timeoutMs);
const docker = (args: string[]) => execFileSync('docker', args, { encoding: 'utf8' }).split('\n').filter(Boolean);

/** The shared eventually(), checking once a second, with the compose logs on a timeout. */
async function eventually<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  try {
    return await waitFor(what, fn, timeoutMs, 1000);
  } catch (err) {
    let logs = '';
    try {
      logs = dc(['logs', '--tail', '20']);
    } catch {
      /* the timeout is the error worth reporting */
    }
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
}

const live = (p: Pod) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running';
async function runningByNode(): Promise<Record<string, number>> {
  const pods = await client.pods.list({ namespace: 'default', labelSelector: 'app=spread' });
  const byNode: Record<string, number> = {};
  for (const p of pods.items.filter(live)) byNode[p.spec.nodeName ?? ''] = (byNode[p.spec.nodeName ?? ''] ?? 0) + 1;
  return byNode;
}

function tearDown(): void {
  try {
    dc(['down', '-v', '--remove-orphans', '-t', '5']);
  } finally {
    // Pods of a killed agent keep running on the engine: nobody is left to stop them.
    for (const n of [node1, node2]) {
      const ids = docker(['ps', '-aq', '--filter', `label=orch.io/node=${n}`]);
      if (ids.length) docker(['rm', '-f', ...ids]);
    }
    fs.rmSync(agentRoot, { recursive: true, force: true });
    fs.rmSync(agentRun, { recursive: true, force: true });
    fs.rmSync(loginDir, { recursive: true, force: true });
  }
}

describe('docker-compose demo cluster (offline)', () => {
  beforeAll(async () => {
    compose = composeCommand();
    const apiPort = await freePort();
    env = {
      ...process.env,
      // ORCH_COMPOSE_IMAGE: another tag, so a run from a branch leaves the shared one alone.
      ORCH_IMAGE: process.env.ORCH_COMPOSE_IMAGE || 'orch.local/orch:latest',
      ETCD_IMAGE: 'orch.local/etcd:latest',
      ORCH_API_PORT: String(apiPort),
      ORCH_NODE_1: node1,
      ORCH_NODE_2: node2,
      ORCH_AGENT_ROOT: agentRoot,
      ORCH_AGENT_RUN: agentRun,
      ORCH_NODE_MONITOR_GRACE_PERIOD: '10s',
      ORCH_POD_EVICTION_TIMEOUT: '5s',
      ORCH_CONFIG: path.join(loginDir, 'config.json'),
      COMPOSE: compose.join(' '),
    };
    run([path.join(repo, 'deploy/images/build-offline.sh')], 300_000);
    run([path.join(repo, 'scripts/build-test-images.sh')]);
    started = true;
    dc(['up', '-d', '--no-build']);
    // The documented way for `orch` on the host to reach the cluster.
    run([path.join(repo, 'deploy/demo-login.sh'), '-p', project, '--dir', loginDir]);
    client = new ApiClient({
      server: `https://127.0.0.1:${apiPort}`,
      ca: fs.readFileSync(path.join(loginDir, 'ca.crt'), 'utf8'),
      token: fs.readFileSync(path.join(loginDir, 'admin.token'), 'utf8').trim(),
      timeoutMs: 10_000,
    });
  }, 420_000);

  afterAll(() => {
    if (started) tearDown();
  }, 120_000);

  it('brings both agents up Ready and `orch` on the host reaches the cluster', async () => {
    await eventually('both nodes Ready', async () => {
      const nodes = await client.nodes.list();
      const ready = nodes.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((n) => n.metadata.name);
      return ready.includes(node1) && ready.includes(node2) ? true : undefined;
    }, 120_000);
    const out = run(['node', path.join(repo, 'dist/cli/main.js'), 'get', 'nodes']);
    expect(out).toContain(node1);
    expect(out).toContain(node2);
  }, 150_000);

  it('spreads a 4-replica Deployment over both nodes and serves logs through the agent TLS endpoint', async () => {
    await client.secrets.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'spread', namespace: 'default' }, data: { key: Buffer.from('in-memory').toString('base64') } });
    const dep: Deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'spread', namespace: 'default' },
      spec: {
        replicas: 4,
        selector: { matchLabels: { app: 'spread' } },
        template: {
          metadata: { labels: { app: 'spread' } },
          spec: {
            terminationGracePeriodSeconds: 2,
            volumes: [{ name: 's', secret: { secretName: 'spread' } }],
            containers: [
              {
                name: 'main',
                image: 'orch.local/busybox:latest',
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', 'echo hello-from-$HOSTNAME-$(cat /etc/s/key); exec sleep 3600'],
                volumeMounts: [{ name: 's', mountPath: '/etc/s' }],
              },
            ],
          },
        },
      },
    } as Deployment;
    await client.deployments.create(dep);
    const byNode = await eventually('4 running replicas', async () => {
      const b = await runningByNode();
      return Object.values(b).reduce((a, n) => a + n, 0) === 4 ? b : undefined;
    }, 120_000);
    expect(Object.keys(byNode).sort()).toEqual([node1, node2].sort());
    expect(byNode[node1]).toBeGreaterThanOrEqual(1);
    expect(byNode[node2]).toBeGreaterThanOrEqual(1);

    const pods = await client.pods.list({ namespace: 'default', labelSelector: 'app=spread' });
    const onNode1 = pods.items.find((p) => live(p) && p.spec.nodeName === node1);
    const podName = onNode1?.metadata.name ?? '';
    expect(podName).not.toBe('');
    const text = await eventually('pod logs', async () => {
      let s = '';
      for await (const chunk of await client.podLogs('default', podName)) s += chunk.toString();
      return s.includes('hello-from-') ? s : undefined;
    }, 30_000);
    expect(text).toContain(`hello-from-${podName}-in-memory`);
    // The secret came from the host's tmpfs (ORCH_AGENT_RUN), not from a disk.
    const [cid] = docker(['ps', '-q', '--filter', `label=orch.io/pod-uid=${onNode1!.metadata.uid}`]);
    const source = JSON.parse(execFileSync('docker', ['inspect', cid!], { encoding: 'utf8' }))[0].Mounts.find((m: { Destination: string }) => m.Destination === '/etc/s').Source as string;
    expect(source.startsWith(`${agentRun}/`)).toBe(true);
    expect(execFileSync('stat', ['-f', '-c', '%T', source], { encoding: 'utf8' }).trim()).toBe('tmpfs');
  }, 180_000);

  it('moves every replica to the other node when one agent container is killed', async () => {
    const [agent1] = dc(['ps', '-q', 'agent-1']).split('\n').filter(Boolean);
    expect(agent1).toBeTruthy();
    docker(['kill', agent1!]);
    // Grace period 10s + eviction 5s + rescheduling; 120s leaves room on a busy machine.
    await eventually(`all 4 replicas running on ${node2}`, async () => {
      const b = await runningByNode();
      return b[node2] === 4 && !b[node1] ? b : undefined;
    }, 120_000);
    const n1 = await client.nodes.get(node1);
    expect(n1.status?.conditions?.find((c) => c.type === 'Ready')?.status).not.toBe('True');
  }, 150_000);

  it('tears down leaving no containers, networks or volumes behind', () => {
    started = false;
    tearDown();
    expect(docker(['ps', '-aq', '--filter', `label=com.docker.compose.project=${project}`])).toEqual([]);
    for (const n of [node1, node2]) expect(docker(['ps', '-aq', '--filter', `label=orch.io/node=${n}`])).toEqual([]);
    expect(docker(['network', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).toEqual([]);
    expect(docker(['network', 'ls', '--format', '{{.Name}}']).filter((n) => n.startsWith(`${project}_`))).toEqual([]);
    expect(docker(['volume', 'ls', '-q', '--filter', `label=com.docker.compose.project=${project}`])).toEqual([]);
  }, 120_000);
});
