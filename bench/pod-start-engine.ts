// `npm run bench -- pod-start-engine [--pods 30] [--rounds 3]`: what a pod's start costs
// in the Docker engine alone, with no orch process in the way: N pods' containers created
// and started straight through the engine API, all pods at once, in the ways orch could
// do it, beside N `docker run`s (create + start of one container). Scenarios run
// interleaved, round after round, each on its own names and label; the load average is
// printed with every round (the machine is shared). See docs/performance.md, "The pod
// start path".
//
//   run        docker run: one container per pod on the default bridge (the floor)
//   sequential orch's order: pause sandbox on a user-defined bridge network (as
//              orch-pods-<node>) → start → app container joining it → start
//   overlap    the same, the app created while the sandbox starts (what the agent does)
//   bridge     sequential, the sandbox on Docker's default bridge (no embedded DNS)
//   pool8      sequential with at most 8 engine calls at once
//   none       overlap, the sandbox with NetworkMode none (no interface: the engine's floor
//              for a sandbox that holds a namespace)
//   wired      none, and the pod's interface plumbed outside the engine as a CNI plugin
//              does: a veth into the sandbox's namespace, an address, a default route and
//              the host end on a plain Linux bridge (two `ip` processes per pod)

import os from 'node:os';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { dockerApi, IMAGE, requireImage } from './lib/docker.js';
import { TEST_PAUSE_IMAGE } from '../test/helpers/images.js';
import type { Bench, BenchContext } from './lib/types.js';

type Limit = <T>(fn: () => Promise<T>) => Promise<T>;

function pool(limit: number): Limit {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (fn) => {
    while (active >= limit) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const unbounded: Limit = (fn) => fn();

function flag(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} wants a positive integer, got ${JSON.stringify(args[i + 1])}`);
  return v;
}

async function call(method: string, p: string, body?: unknown): Promise<string> {
  const res = await dockerApi(method, p, body);
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${res.body}`);
  return res.body;
}

export const bench: Bench = {
  description: 'a pod start in the Docker engine alone: sandbox + app container (orch order, overlapped, default bridge, bounded, no network, wired by hand) vs docker run, N at once',
  async run(ctx: BenchContext) {
    const pods = flag(ctx.args, '--pods', 30);
    const rounds = flag(ctx.args, '--rounds', 3);
    await requireImage();
    const tag = `orch-bench-pod-start-${process.pid}`;
    const net = tag;
    const create = async (name: string, cfg: object): Promise<string> => (JSON.parse(await call('POST', `/containers/create?name=${name}`, { Labels: { [tag]: '1' }, ...cfg })) as { Id: string }).Id;
    const start = (id: string) => call('POST', `/containers/${id}/start`);
    const app = { Image: IMAGE, Cmd: ['sleep', '3600'] };
    const pause = (i: number, mode: string) => ({ Image: TEST_PAUSE_IMAGE, Hostname: `p${i}`, HostConfig: { NetworkMode: mode } });
    const pod = async (name: string, i: number, lim: Limit, sandboxNet: string, overlap: boolean) => {
      const s = await lim(() => create(`${name}_POD`, pause(i, sandboxNet)));
      const joined = { ...app, HostConfig: { NetworkMode: `container:${s}` } };
      let a: string;
      if (overlap) [, a] = await Promise.all([lim(() => start(s)), lim(() => create(`${name}_main`, joined))]);
      else {
        await lim(() => start(s));
        a = await lim(() => create(`${name}_main`, joined));
      }
      await lim(() => start(a));
    };
    // The wired scenario's bridge: a /24 of its own, away from the harness (10.250.0.0/24).
    const bridgeName = `obpse${process.pid % 100000}`;
    const sh = promisify(execFile);
    // One `ip -batch` inside the sandbox's namespace: the commands in one process.
    const ipBatchIn = async (pid: number, lines: string[]) => {
      const child = sh('nsenter', ['-t', String(pid), '-n', '--', 'ip', '-batch', '-']);
      child.child.stdin!.end(lines.join('\n') + '\n');
      await child;
    };
    const wire = async (sandbox: string, i: number) => {
      const pid = (JSON.parse(await call('GET', `/containers/${sandbox}/json`)) as { State: { Pid: number } }).State.Pid;
      const host = `${bridgeName}h${i}`;
      await ipBatchIn(pid, [
        `link add eth0 type veth peer name ${host} netns ${process.pid}`,
        `addr add 10.231.${Math.floor(i / 250)}.${(i % 250) + 2}/16 dev eth0`,
        'link set lo up',
        'link set eth0 up',
        'route add default via 10.231.255.1',
      ]);
      await sh('ip', ['link', 'set', host, 'master', bridgeName, 'up']);
    };
    const wiredPod = async (name: string, i: number, wired: boolean) => {
      const s = await create(`${name}_POD`, pause(i, 'none'));
      const joined = { ...app, HostConfig: { NetworkMode: `container:${s}` } };
      const [, a] = await Promise.all([start(s).then(() => (wired ? wire(s, i) : undefined)), create(`${name}_main`, joined)]);
      await start(a);
    };
    const scenarios: Record<string, (name: string, i: number) => Promise<void>> = {
      run: async (name) => void (await start(await create(name, { ...app, HostConfig: { NetworkMode: 'bridge' } }))),
      sequential: (name, i) => pod(name, i, unbounded, net, false),
      overlap: (name, i) => pod(name, i, unbounded, net, true),
      bridge: (name, i) => pod(name, i, unbounded, 'bridge', false),
      pool8: (name, i) => pod(name, i, pool(8), net, false),
      none: (name, i) => wiredPod(name, i, false),
      wired: (name, i) => wiredPod(name, i, true),
    };
    const removeAll = async () => {
      const filters = encodeURIComponent(JSON.stringify({ label: [tag] }));
      const list = JSON.parse(await call('GET', `/containers/json?all=1&filters=${filters}`)) as { Id: string; Names: string[] }[];
      const isSandbox = (c: { Names: string[] }) => c.Names.some((n) => n.endsWith('_POD'));
      // Sandboxes last, as the agent does (an app container keeps its namespace until it is gone).
      for (const batch of [list.filter((c) => !isSandbox(c)), list.filter(isSandbox)]) {
        await Promise.all(batch.map((c) => call('DELETE', `/containers/${c.Id}?force=1`).catch(() => undefined)));
      }
    };
    ctx.cleanup.add('bench containers and network', async () => {
      await removeAll();
      await call('DELETE', `/networks/${net}`).catch(() => undefined);
      await sh('ip', ['link', 'del', bridgeName]).catch(() => undefined);
    });
    await sh('ip', ['link', 'add', bridgeName, 'type', 'bridge']);
    await sh('ip', ['addr', 'add', '10.231.255.1/16', 'dev', bridgeName]);
    await sh('ip', ['link', 'set', bridgeName, 'up']);
    // A user-defined bridge network like orch-pods-<node> (Docker picks a free subnet).
    await call('POST', '/networks/create', { Name: net, Driver: 'bridge', Labels: { [tag]: '1' } });
    const times: Record<string, number[]> = {};
    for (let r = 1; r <= rounds; r++) {
      for (const [name, fn] of Object.entries(scenarios)) {
        const t0 = performance.now();
        await Promise.all(Array.from({ length: pods }, (_, i) => fn(`${tag}_${name}_${r}_${i}`, i)));
        const ms = performance.now() - t0;
        (times[name] ??= []).push(ms);
        ctx.say(`round ${r} ${name.padEnd(10)} ${ms.toFixed(0).padStart(6)} ms  (load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')})`);
        await removeAll();
      }
    }
    ctx.say(`\n${pods} pods at once, ms: median [all rounds]`);
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
    const floor = median(times.run!);
    for (const [name, v] of Object.entries(times)) ctx.say(`${name.padEnd(10)} ${median(v).toFixed(0).padStart(6)}  ${(median(v) / floor).toFixed(2)}x run  [${v.map((x) => x.toFixed(0)).join(' ')}]`);
    return 0;
  },
};
