// `orch up` leaves a supervisor behind that restarts crashed components: real processes
// (etcd, apiserver, scheduler, controller manager, one agent on the local Docker). A
// component killed with SIGKILL is back within seconds and `orch status` says so; a dead
// supervisor leaves the components running and `orch up` adopts them; `orch down` stops
// everything, and once it returns nothing of the cluster runs that could restart anything.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { assertBuilt, runOrch, type RunResult } from '../helpers/orch-cli.js';
import { eventually } from '../helpers/eventually.js';
import { freePort, freePortRange } from '../helpers/ports.js';
import { alive, processesOfHome as processesOfThisHome } from '../helpers/home-processes.js';
import { removeNodeLeftovers } from '../helpers/node-leftovers.js';
import type { SupervisorStatus } from '../../cli/up/supervisor-status.js';
import { E2E_POD_RANGES } from '../helpers/pod-ranges.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-supervisor-e2e-'));
const env: NodeJS.ProcessEnv = { ORCH_HOME: home };
const orch = (args: string[], timeoutMs?: number) => runOrch(args, { env, timeoutMs });
const ok = (r: RunResult) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
};
const supervisorFile = path.join(home, 'run', 'supervisor.json');
const readStatus = (): SupervisorStatus => JSON.parse(fs.readFileSync(supervisorFile, 'utf8'));
const pidOf = (name: string) => readStatus().components.find((c) => c.name === name)?.pid;

const processesOfHome = () => processesOfThisHome(home);

beforeAll(async () => {
  assertBuilt();
  const apiPort = await freePort();
  const etcdPort = await freePortRange(2);
  const agentPort = await freePort();
  ok(await orch(['up', '--api-port', String(apiPort), '--etcd-port', String(etcdPort), '--agent-port', String(agentPort), '--node-name', `sup-e2e-${process.pid}`, '--cluster-cidr', E2E_POD_RANGES.cliSupervisor], 180_000));
}, 200_000);

afterAll(async () => {
  await runOrch(['down'], { env, timeoutMs: 120_000 }).catch(() => undefined);
  // A failed test must not leave processes behind: only this test's home is touched.
  for (const p of processesOfHome()) process.kill(p.pid, 'SIGKILL');
  // `orch down` keeps the node's pod network (only --purge removes it): this test's must go.
  removeNodeLeftovers([`sup-e2e-${process.pid}`]);
  fs.rmSync(home, { recursive: true, force: true });
}, 150_000);

describe('orch up supervisor', () => {
  test('a scheduler killed with SIGKILL is restarted within seconds; status, supervisor log and component log say so', async () => {
    const before = pidOf('scheduler')!;
    expect(alive(before)).toBe(true);
    process.kill(before, 'SIGKILL');

    const after = await eventually('the scheduler to run again', () => {
      const c = readStatus().components.find((x) => x.name === 'scheduler');
      return c?.state === 'running' && c.pid && c.pid !== before ? c.pid : undefined;
    }, 10_000, 200);
    expect(alive(after)).toBe(true);

    const status = ok(await orch(['status']));
    expect(status.stdout).toMatch(/COMPONENT\s+PID\s+STATE\s+UPTIME\s+RESTARTS\s+LAST EXIT/);
    expect(status.stdout).toMatch(new RegExp(`scheduler\\s+${after}\\s+running\\s+\\d+s\\s+1\\s+signal SIGKILL, \\d+s ago`));
    expect(status.stdout).toMatch(/supervisor\s+\d+\s+running/);
    expect(status.stdout).toMatch(/apiserver\s+\d+\s+running\s+\S+\s+0\s+-/);

    const supLog = fs.readFileSync(path.join(home, 'logs', 'supervisor.log'), 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    expect(supLog).toContainEqual(expect.objectContaining({ level: 40, name: 'scheduler', pid: before, signal: 'SIGKILL', code: null, restartInMs: 1000 }));
    expect(supLog).toContainEqual(expect.objectContaining({ name: 'scheduler', restarts: 1, msg: 'restarting scheduler' }));
    const schedLog = fs.readFileSync(path.join(home, 'logs', 'scheduler.log'), 'utf8');
    expect(schedLog).toContain(`scheduler (pid ${before}) signal SIGKILL after`);
    expect(schedLog).toMatch(/--- \S+ restarting scheduler \(restart 1, last exit: signal SIGKILL after [\d.]+s\): /);
  });

  test('without its supervisor the cluster keeps running; `orch status` says so and `orch up` adopts the running components', async () => {
    const first = readStatus();
    const pids = Object.fromEntries(first.components.map((c) => [c.name, c.pid!]));
    process.kill(first.pid, 'SIGKILL');
    await eventually('the supervisor to be gone', () => (alive(first.pid) ? undefined : true), 10_000, 200);
    for (const pid of Object.values(pids)) expect(alive(pid)).toBe(true);

    const orphaned = await orch(['status']);
    expect(orphaned.code).toBe(1);
    expect(orphaned.stdout).toMatch(new RegExp(`supervisor\\s+${first.pid}\\s+gone`));
    expect(orphaned.stdout).toContain('components that exit are not restarted');
    expect(orphaned.stdout).toMatch(/scheduler\s+\d+\s+running/);

    const again = ok(await orch(['up'], 120_000));
    expect(again.stdout).toContain('The supervisor of the cluster');
    expect(again.stdout).toContain('orch cluster is up');
    const second = readStatus();
    expect(second.pid).not.toBe(first.pid);
    // Adopted, not started twice: the same processes, no restart.
    expect(Object.fromEntries(second.components.map((c) => [c.name, c.pid]))).toEqual(pids);
    expect(second.components.every((c) => c.adopted && c.state === 'running')).toBe(true);

    // An adopted component that dies is restarted by the new supervisor (its exit code
    // is unknown: it was not this supervisor's child).
    process.kill(pids['controller-manager']!, 'SIGKILL');
    const cm = await eventually('the controller manager to be restarted', () => {
      const c = readStatus().components.find((x) => x.name === 'controller-manager');
      return c?.state === 'running' && c.restarts === 1 ? c : undefined;
    }, 10_000, 200);
    expect(cm.pid).not.toBe(pids['controller-manager']);
    expect(cm.lastExit).toMatchObject({ unknown: true });
    const status = ok(await orch(['status']));
    expect(status.stdout).toMatch(/controller-manager\s+\d+\s+running\s+\S+\s+1\s+exited \(code unknown: adopted\)/);
  });

  test('`orch down` stops the supervisor and every component; nothing of the cluster is left to restart anything', async () => {
    const st = readStatus();
    const pids = [st.pid, ...st.components.map((c) => c.pid!)];
    expect(processesOfHome().length).toBeGreaterThanOrEqual(pids.length);
    const down = ok(await orch(['down'], 120_000));
    expect(down.stdout).toContain(`Stopping the supervisor (pid ${st.pid})`);
    expect(down.stdout).toMatch(/scheduler\s+stopped/);
    expect(down.stdout).toMatch(/etcd\s+stopped/);
    for (const pid of pids) expect(alive(pid), `pid ${pid}`).toBe(false);
    expect(processesOfHome()).toEqual([]);
    expect(fs.existsSync(supervisorFile)).toBe(false);
    const status = await orch(['status']);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('No cluster started from');
  });
});
