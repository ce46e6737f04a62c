// `orch up --ha` on the machine: three etcd members, two apiservers behind HAProxy, two
// schedulers and two controller managers, one agent on the local Docker. With one
// apiserver and one etcd member frozen (SIGSTOP: the supervisor does not restart a
// stopped process), writes through HAProxy still succeed; `orch down --purge` stops it all.
// haproxy is a CI package (.ci/run): without it `orch up --ha` fails, and so does this test.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiClient } from '../../client/rest-client.js';
import type { SupervisorStatus } from '../../cli/up/supervisor-status.js';
import { assertBuilt, runOrch, type RunResult } from '../helpers/orch-cli.js';
import { eventually } from '../helpers/eventually.js';
import { freePortRange } from '../helpers/ports.js';
import { alive, processesOfHome } from '../helpers/home-processes.js';
import { removeNodeLeftovers } from '../helpers/node-leftovers.js';
import { E2E_POD_RANGES } from '../helpers/pod-ranges.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-up-ha-e2e-'));
const env: NodeJS.ProcessEnv = { ORCH_HOME: home };
const nodeName = `up-ha-e2e-${process.pid}`;
const orch = (args: string[], timeoutMs?: number) => runOrch(args, { env, timeoutMs });
const ok = (r: RunResult) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
};
const readStatus = (): SupervisorStatus => JSON.parse(fs.readFileSync(path.join(home, 'run', 'supervisor.json'), 'utf8'));
const pidOf = (name: string): number | undefined => {
  try {
    return readStatus().components.find((c) => c.name === name)?.pid;
  } catch {
    return undefined; // no status file (orch down removed it, or up never got that far)
  }
};
let apiPort = 0;

beforeAll(async () => {
  assertBuilt();
  // One range for all fixed ports (HAProxy + 2 apiservers, 3 members × client/peer, the
  // agent's log port): ranges picked one by one may overlap, as they did once in CI.
  apiPort = await freePortRange(10);
  const etcdPort = apiPort + 3;
  ok(await orch(['up', '--ha', '--api-port', String(apiPort), '--etcd-port', String(etcdPort), '--agent-port', String(apiPort + 9), '--node-name', nodeName, '--cluster-cidr', E2E_POD_RANGES.upHa, '--timeout', '150s'], 200_000));
}, 220_000);

afterAll(async () => {
  for (const name of ['apiserver', 'etcd-1']) {
    const pid = pidOf(name);
    if (pid && alive(pid)) process.kill(pid, 'SIGCONT');
  }
  await runOrch(['down', '--purge'], { env, timeoutMs: 120_000 }).catch(() => undefined);
  for (const p of processesOfHome(home)) process.kill(p.pid, 'SIGKILL');
  removeNodeLeftovers([nodeName]);
  fs.rmSync(home, { recursive: true, force: true });
}, 150_000);

describe('orch up --ha', () => {
  test('runs the HA control plane; writes go on with one apiserver and one etcd member frozen; down stops everything', async () => {
    const status = ok(await orch(['status'])).stdout;
    for (const c of ['etcd-1', 'etcd-2', 'etcd-3', 'apiserver', 'apiserver-2', 'haproxy', 'scheduler', 'scheduler-2', 'controller-manager', 'controller-manager-2', `agent-${nodeName}`]) {
      expect(status).toMatch(new RegExp(`^${c}\\s+\\d+\\s+running`, 'm'));
    }
    const token = fs.readFileSync(path.join(home, 'pki', 'admin.token'), 'utf8').trim();
    const ca = fs.readFileSync(path.join(home, 'pki', 'ca.crt'), 'utf8');
    const client = new ApiClient({ server: `https://127.0.0.1:${apiPort}`, ca, token, timeoutMs: 3000 });
    // Both apiservers hold their lease (each writes it once it serves).
    await eventually('two apiserver leases', async () => {
      const leases = await client.leases.list({ namespace: 'kube-system' }).catch(() => undefined);
      return leases && leases.items.filter((l) => l.metadata.name?.startsWith('apiserver-')).length === 2 ? true : undefined;
    }, 30_000, 500);

    process.kill(pidOf('apiserver')!, 'SIGSTOP');
    process.kill(pidOf('etcd-1')!, 'SIGSTOP');
    const t0 = Date.now();
    for (let k = 0; k < 5; k++) {
      await eventually(`create frozen-${k} through HAProxy`, () =>
        client.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `frozen-${k}`, namespace: 'default' }, data: {} }).then(() => true, () => undefined), 30_000, 200);
    }
    process.stdout.write(`[up --ha] apiserver and etcd-1 frozen -> 5 creates acknowledged in ${Date.now() - t0} ms\n`);
    process.kill(pidOf('apiserver')!, 'SIGCONT');
    process.kill(pidOf('etcd-1')!, 'SIGCONT');

    const pids = readStatus().components.map((c) => c.pid!).filter(Boolean);
    ok(await orch(['down', '--purge'], 120_000));
    for (const pid of pids) expect(alive(pid), `pid ${pid} still runs after orch down`).toBe(false);
  }, 180_000);
});
