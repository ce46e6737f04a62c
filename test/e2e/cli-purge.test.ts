// `orch down --purge` on a real `orch up --nodes 2` cluster (real etcd, apiserver,
// scheduler, controller manager, two agents on the local Docker engine). A healthy
// cluster is purged gracefully: each agent stops and removes its own pods' containers.
// With one agent killed (SIGKILL, its supervisor killed first so nothing restarts it),
// nobody can confirm that node's deletions: `orch down --purge` must not wait for it,
// must force-delete its pods, remove its containers (and its pods' secret tmpfs) from the
// local engine itself, and say per node and per pod what happened.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assertBuilt, ORCH_ENTRY, runOrch, type RunResult } from '../helpers/orch-cli.js';
import { eventually } from '../helpers/eventually.js';
import { freePort, freePortRange } from '../helpers/ports.js';
import { alive, processesOfHome as processesOfThisHome } from '../helpers/home-processes.js';
import type { SupervisorStatus } from '../../cli/up/supervisor-status.js';
import type { Pod } from '../../api/types.js';
import { E2E_POD_RANGES } from '../helpers/pod-ranges.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-purge-e2e-'));
const prefix = `purge-e2e-${process.pid}`;
const nodes = [`${prefix}-1`, `${prefix}-2`];
let upArgs: string[] = [];
const env: NodeJS.ProcessEnv = { ORCH_HOME: home };
const orch = (args: string[], opts: { input?: string; timeoutMs?: number } = {}) => runOrch(args, { env, ...opts });
const ok = (r: RunResult) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
};
const readStatus = (): SupervisorStatus => JSON.parse(fs.readFileSync(path.join(home, 'run', 'supervisor.json'), 'utf8'));

/** Every container (any state) of this test's nodes on the local engine: `id name`. */
function containersOfNodes(): string[] {
  return nodes.flatMap((n) =>
    execFileSync('docker', ['ps', '-a', '--filter', `label=orch.io/node=${n}`, '--format', '{{.ID}} {{.Names}}'], { encoding: 'utf8' }).split('\n').filter(Boolean),
  );
}

/** Mount points under this test's ORCH_HOME (the agents' secret tmpfs per pod). */
function mountsUnderHome(): string[] {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((m) => m.startsWith(`${home}/`));
}

/** The pod networks (orch-pods-<node>) of this test's nodes still on the local engine. */
function networksOfNodes(): string[] {
  const names = execFileSync('docker', ['network', 'ls', '--format', '{{.Name}}'], { encoding: 'utf8' }).split('\n');
  return names.filter((n) => nodes.some((x) => n === `orch-pods-${x}`));
}

const processesOfHome = () => processesOfThisHome(home).map((p) => p.pid);

const manifest = (replicas: number) => `
apiVersion: v1
kind: Secret
metadata: { name: purge-secret }
stringData: { token: s3cret }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: spread }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: spread } }
  template:
    metadata: { labels: { app: spread } }
    spec:
      terminationGracePeriodSeconds: 30
      containers:
        - name: web
          image: orch.local/web:latest
          imagePullPolicy: IfNotPresent
          resources: { requests: { cpu: 10m, memory: 8Mi } }
          volumeMounts: [{ name: token, mountPath: /etc/token }]
      volumes: [{ name: token, secret: { secretName: purge-secret } }]
`;

/** Starts the cluster, runs 4 replicas and returns the pods per node (both nodes get some). */
async function upWithPods(): Promise<Map<string, string[]>> {
  ok(await orch(upArgs, { timeoutMs: 180_000 }));
  ok(await orch(['apply', '-f', '-', '--wait', '--timeout', '120s'], { input: manifest(4), timeoutMs: 150_000 }));
  const pods = (JSON.parse(ok(await orch(['get', 'pods', '-l', 'app=spread', '-o', 'json'])).stdout) as { items: Pod[] }).items;
  const byNode = new Map<string, string[]>(nodes.map((n) => [n, []]));
  for (const p of pods) byNode.get(p.spec.nodeName!)!.push(p.metadata.name!);
  for (const n of nodes) expect(byNode.get(n)!.length, `pods on ${n}`).toBeGreaterThan(0);
  expect(containersOfNodes().length).toBeGreaterThanOrEqual(4);
  expect(mountsUnderHome().length).toBe(4);
  return byNode;
}

beforeAll(async () => {
  assertBuilt();
  execFileSync('bash', ['scripts/build-test-images.sh'], { stdio: 'inherit' });
  upArgs = ['up', '--nodes', '2', '--node-name', prefix, '--api-port', String(await freePort()), '--etcd-port', String(await freePortRange(2)), '--agent-port', String(await freePortRange(2)), '--cluster-cidr', E2E_POD_RANGES.cliPurge];
}, 120_000);

afterAll(async () => {
  // A failed test must leave nothing behind: only this test's home, nodes and containers.
  if (fs.existsSync(path.join(home, 'run', 'cluster.json'))) await runOrch(['down', '--purge'], { env, timeoutMs: 150_000 }).catch(() => undefined);
  for (const pid of processesOfHome()) process.kill(pid, 'SIGKILL');
  for (const line of containersOfNodes()) execFileSync('docker', ['rm', '-f', line.split(' ')[0]!]);
  for (const n of networksOfNodes()) execFileSync('docker', ['network', 'rm', n]);
  for (const m of mountsUnderHome().reverse()) execFileSync('umount', [m]);
  fs.rmSync(home, { recursive: true, force: true });
}, 200_000);

describe('orch down --purge', () => {
  test('a healthy cluster: every agent stops and removes its own pods, nothing is force-deleted or left', async () => {
    const byNode = await upWithPods();
    // The user's pipe closed early: `head` leaves while status still waits for the node list.
    const head = execFileSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${ORCH_ENTRY}" status | head -1`], { env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    expect(head).toMatch(/^API server: https:\/\/127\.0\.0\.1:\d+ .*\n$/);
    const down = ok(await orch(['down', '--purge'], { timeoutMs: 150_000 }));
    for (const n of nodes) {
      expect(down.stdout).toMatch(new RegExp(`^Node ${n}: Ready$`, 'm'));
      const line = down.stdout.split('\n').find((l) => l.startsWith(`  ${byNode.get(n)!.length} pod`) && l.includes('removed by its agent') && byNode.get(n)!.every((p) => l.includes(`default/${p}`)));
      expect(line, `the pods of ${n} in:\n${down.stdout}`).toBeDefined();
      // The agent terminated them itself (graceful deletion, confirmed by the agent).
      const agentLog = fs.readFileSync(path.join(home, 'logs', `agent-${n}.log`), 'utf8');
      for (const p of byNode.get(n)!) expect(agentLog).toMatch(new RegExp(`"pod":"default/${p}".*"msg":"pod deleted"`));
    }
    expect(down.stdout).not.toContain('force-deleted');
    expect(down.stdout).toContain('No container of this cluster is left on the Docker engine.');
    expect(containersOfNodes()).toEqual([]);
    expect(mountsUnderHome()).toEqual([]);
    // A next cluster may give these ranges to other nodes: Docker refuses overlapping networks.
    for (const n of nodes) expect(down.stdout).toContain(`Removed Docker network orch-pods-${n} (the pod range of node ${n})`);
    expect(networksOfNodes()).toEqual([]);
  }, 420_000);

  test('a node whose agent was killed: no waiting for it; its pods are force-deleted, its containers removed, and the output says which', async () => {
    const byNode = await upWithPods();
    const [dead, live] = nodes as [string, string];
    const st = readStatus();
    // The supervisor would restart the agent within a second: it goes first.
    process.kill(st.pid, 'SIGKILL');
    await eventually('the supervisor to be gone', () => (alive(st.pid) ? undefined : true), 10_000, 100);
    const agentPid = st.components.find((c) => c.name === `agent-${dead}`)!.pid!;
    process.kill(agentPid, 'SIGKILL');
    await eventually('the agent to be gone', () => (alive(agentPid) ? undefined : true), 10_000, 100);
    const deadContainers = containersOfNodes().filter((l) => byNode.get(dead)!.some((p) => l.includes(p)));
    expect(deadContainers.length).toBe(2 * byNode.get(dead)!.length); // each pod's container and its sandbox

    const started = Date.now();
    const down = await orch(['down', '--purge'], { timeoutMs: 150_000 });
    const tookMs = Date.now() - started;
    const text = `exit ${down.code} after ${tookMs} ms\nstdout:\n${down.stdout}\nstderr:\n${down.stderr}`;
    // Old behaviour: 90 s of waiting for confirmations that could never come.
    expect(tookMs, text).toBeLessThan(30_000);
    expect(down.code, text).toBe(0);
    expect(down.stdout, text).not.toContain('Cluster stopped and its pods removed.');

    // Per node: why it was not waited for, and which pods were force-deleted / removed by the agent.
    expect(down.stdout, text).toMatch(new RegExp(`^Node ${dead}: not responding \\(agent process not running\\)`, 'm'));
    const forced = down.stdout.split('\n').find((l) => l.includes('force-deleted'));
    expect(forced, text).toBeDefined();
    for (const p of byNode.get(dead)!) expect(forced, text).toContain(`default/${p}`);
    for (const p of byNode.get(live)!) expect(forced, text).not.toContain(p);
    expect(down.stdout, text).toMatch(new RegExp(`^Node ${live}: Ready$`, 'm'));
    const byAgent = down.stdout.split('\n').find((l) => l.includes('removed by its agent'));
    for (const p of byNode.get(live)!) expect(byAgent, text).toContain(`default/${p}`);

    // The dead node's containers were removed from the local engine by orch down, each named.
    for (const c of deadContainers) expect(down.stdout, text).toContain(c.split(' ')[1]!);
    expect(down.stdout, text).toMatch(new RegExp(`Removed ${deadContainers.length} containers? of node ${dead} from the local Docker engine`));
    expect(down.stdout, text).toContain('No container of this cluster is left on the Docker engine.');
    expect(containersOfNodes()).toEqual([]);
    // The killed agent's secret tmpfs are unmounted too, and nothing of the cluster runs.
    expect(mountsUnderHome()).toEqual([]);
    expect(processesOfHome()).toEqual([]);
    expect(networksOfNodes()).toEqual([]);
  }, 420_000);
});
