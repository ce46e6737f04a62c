// The supervisor's decisions over fake processes and a fake clock: start order, restart
// delays, backoff reset, adoption, and that nothing restarts once it stops. The same code
// over real processes is tested in test/e2e/cli-supervisor.test.ts.

import { describe, expect, test } from 'vitest';
import { FakeClock, flushMicrotasks } from '../../foundation/testing/fake-clock.js';
import { silentLogger } from '../../foundation/logger.js';
import { Backoff } from '../../foundation/backoff.js';
import type { ComponentSpec, ExitResult, ProcessHandle } from './processes.js';
import { CRASH_BACKOFF, Supervisor, type SupervisorDeps } from './supervisor.js';
import type { SupervisorStatus } from './supervisor-status.js';

interface FakeProc extends ProcessHandle {
  exit(r?: Partial<ExitResult>): void;
  alive: boolean;
}

function fakeProc(pid: number, child = true): FakeProc {
  let resolve!: (r: ExitResult) => void;
  const exited = new Promise<ExitResult>((r) => (resolve = r));
  const p: FakeProc = {
    pid,
    exited,
    child,
    alive: true,
    exit: (r = {}) => {
      p.alive = false;
      resolve({ code: r.code ?? null, signal: r.signal ?? null });
    },
  };
  return p;
}

const spec = (name: string, ready = false): ComponentSpec => ({ name, command: [name], log: `/logs/${name}.log`, ...(ready ? { ready: { url: `http://${name}/health` } } : {}) });

function harness(specs: ComponentSpec[], opts: { crashAtOnce?: string[]; previous?: SupervisorStatus; adoptable?: Record<string, FakeProc> } = {}) {
  const clock = new FakeClock();
  const launches: { name: string; at: number; note: string; proc: FakeProc }[] = [];
  const stops: string[] = [];
  const notes: string[] = [];
  const ready = new Set<string>();
  let nextPid = 100;
  let status: SupervisorStatus | undefined;
  const deps: SupervisorDeps = {
    clock,
    logger: silentLogger(),
    launch: (s, note) => {
      const proc = fakeProc(nextPid++);
      launches.push({ name: s.name, at: clock.now(), note, proc });
      if (opts.crashAtOnce?.includes(s.name)) proc.exit({ code: 1 });
      return proc;
    },
    adopt: (s, pid) => {
      const p = opts.adoptable?.[s.name];
      return p && p.pid === pid && p.alive ? p : undefined;
    },
    ready: async (s) => ready.has(s.name),
    stop: async (h) => {
      const p = h as FakeProc;
      stops.push(launches.find((l) => l.proc === p)?.name ?? `adopted:${p.pid}`);
      if (!p.alive) return 'not-running';
      p.exit({ signal: 'SIGTERM' });
      return 'stopped';
    },
    note: (s, line) => notes.push(`${s.name}: ${line}`),
    writeStatus: (s) => (status = JSON.parse(JSON.stringify(s))),
  };
  const sup = new Supervisor(specs, deps, { previous: opts.previous, pid: 1 });
  return { clock, sup, launches, stops, notes, ready, status: () => status!, comp: (n: string) => status!.components.find((c) => c.name === n)! };
}

test('crash backoff: 1 s doubling to 30 s; a run of 60 s or more starts again at 1 s', () => {
  const b = new Backoff(CRASH_BACKOFF);
  expect([0, 0, 0, 0, 0, 0, 0, 0].map(() => b.next(500))).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  expect(b.next(59_999)).toBe(30000);
  expect(b.next(60_000)).toBe(1000);
  expect(b.next(10)).toBe(2000);
});

describe('Supervisor', () => {
  test('starts in order, each after the one before is ready', async () => {
    const h = harness([spec('etcd', true), spec('apiserver', true), spec('scheduler')]);
    const started = h.sup.start();
    await flushMicrotasks();
    expect(h.launches.map((l) => l.name)).toEqual(['etcd']);
    expect(h.comp('etcd').state).toBe('starting');
    await h.clock.advance(1000);
    expect(h.launches.map((l) => l.name)).toEqual(['etcd']); // not ready yet: nothing else starts
    h.ready.add('etcd');
    await h.clock.advance(250);
    expect(h.launches.map((l) => l.name)).toEqual(['etcd', 'apiserver']);
    h.ready.add('apiserver');
    await h.clock.advance(250);
    await started;
    expect(h.launches.map((l) => l.name)).toEqual(['etcd', 'apiserver', 'scheduler']);
    expect(h.status().components.map((c) => [c.name, c.state, c.pid])).toEqual([
      ['etcd', 'running', 100],
      ['apiserver', 'running', 101],
      ['scheduler', 'running', 102],
    ]);
  });

  test('a component that crashes at once is restarted with growing delays, capped at 30 s', async () => {
    const h = harness([spec('crashy')], { crashAtOnce: ['crashy'] });
    await h.sup.start();
    for (let i = 0; i < 8; i++) await h.clock.advance(30_000);
    const gaps = h.launches.slice(1).map((l, i) => l.at - h.launches[i]!.at);
    expect(gaps.slice(0, 7)).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    const c = h.comp('crashy');
    expect(c.restarts).toBe(h.launches.length - 1);
    expect(c.state).toBe('backoff');
    expect(c.lastExit).toMatchObject({ code: 1, signal: null, ranForMs: 0 });
    expect(Date.parse(c.nextRestartAt!) - h.clock.now()).toBeLessThanOrEqual(30_000);
    expect(h.launches[3]!.note).toBe('restarting crashy (restart 3, last exit: exit code 1 after 0s)');
    expect(h.notes[0]).toBe('crashy: crashy (pid 100) exit code 1 after 0s; supervisor restarts it in 1s');
  });

  test('a component that ran for a while is restarted after 1 s again, with the exit recorded', async () => {
    const h = harness([spec('scheduler')]);
    await h.sup.start();
    h.launches[0]!.proc.exit({ code: 2 });
    await h.clock.advance(1000);
    h.launches[1]!.proc.exit({ code: 2 });
    await h.clock.advance(2000);
    expect(h.launches).toHaveLength(3);
    await h.clock.advance(120_000); // healthy for two minutes
    h.launches[2]!.proc.exit({ signal: 'SIGKILL' });
    await flushMicrotasks();
    expect(h.comp('scheduler')).toMatchObject({ state: 'backoff', restarts: 2, lastExit: { code: null, signal: 'SIGKILL', ranForMs: 120_000 } });
    await h.clock.advance(999);
    expect(h.launches).toHaveLength(3);
    await h.clock.advance(1);
    expect(h.launches).toHaveLength(4);
    expect(h.comp('scheduler')).toMatchObject({ state: 'running', restarts: 3, pid: h.launches[3]!.proc.pid });
  });

  test('stop: last started first, and nothing is restarted afterwards (not even one waiting in backoff)', async () => {
    const h = harness([spec('etcd'), spec('apiserver'), spec('scheduler')]);
    await h.sup.start();
    h.launches[2]!.proc.exit({ code: 1 }); // scheduler in backoff
    await flushMicrotasks();
    expect(h.comp('scheduler').state).toBe('backoff');
    await h.sup.stop();
    expect(h.stops).toEqual(['apiserver', 'etcd']);
    expect(h.status().stopping).toBe(true);
    expect(h.status().components.map((c) => [c.name, c.state, c.stopResult])).toEqual([
      ['etcd', 'stopped', 'stopped'],
      ['apiserver', 'stopped', 'stopped'],
      ['scheduler', 'stopped', 'not-running'],
    ]);
    await h.clock.advance(120_000);
    expect(h.launches).toHaveLength(3);
  });

  test('stop while a component is still starting ends start() and starts nothing after it', async () => {
    const h = harness([spec('etcd', true), spec('apiserver')]);
    const started = h.sup.start();
    await flushMicrotasks();
    await h.sup.stop();
    await started;
    expect(h.launches.map((l) => l.name)).toEqual(['etcd']);
    expect(h.comp('etcd').state).toBe('stopped');
  });

  test('adopts what an earlier supervisor left running; an adopted process that exits is restarted as a child', async () => {
    const etcd = fakeProc(50, false);
    const previous: SupervisorStatus = {
      pid: 9,
      startedAt: new Date(0).toISOString(),
      components: [
        { name: 'etcd', state: 'running', pid: 50, restarts: 4, startedAt: new Date(Date.UTC(2025, 11, 31)).toISOString() },
        { name: 'scheduler', state: 'running', pid: 51, restarts: 0 }, // gone meanwhile
      ],
    };
    const h = harness([spec('etcd', true), spec('scheduler')], { previous, adoptable: { etcd } });
    await h.sup.start();
    expect(h.launches.map((l) => l.name)).toEqual(['scheduler']);
    expect(h.comp('etcd')).toMatchObject({ state: 'running', pid: 50, adopted: true, restarts: 0, startedAt: previous.components[0]!.startedAt });
    etcd.exit();
    await flushMicrotasks();
    expect(h.comp('etcd').lastExit).toMatchObject({ code: null, signal: null, unknown: true });
    await h.clock.advance(1000);
    expect(h.launches.map((l) => l.name)).toEqual(['scheduler', 'etcd']);
    expect(h.comp('etcd')).toMatchObject({ state: 'starting', restarts: 1, pid: h.launches[1]!.proc.pid });
    expect(h.comp('etcd').adopted).toBeUndefined();
  });
});
