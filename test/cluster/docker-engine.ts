// One Docker engine per simulated host, started inside the host's network namespace
// with its own data root, exec root, socket, pidfile and bridge subnet (so pod IPs of
// different hosts never collide). Driven through the docker CLI: only the agent's
// runtime imports dockerode.

import fs from 'node:fs';
import path from 'node:path';
import { netnsName, netnsPath } from './network.js';
import { DATA_DIR, RUN_DIR, isAlive, startProc, stopPid, stopProc, forget, cmdline, type Proc } from './procs.js';
import { exec, run, waitUntil, FatalWait } from './sh.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';

export const hostRunDir = (i: number): string => path.join(RUN_DIR, `h${i}`);
export const hostDataDir = (i: number): string => path.join(DATA_DIR, `h${i}`);
export const dockerSocket = (i: number): string => path.join(hostRunDir(i), 'docker.sock');
const pidFile = (i: number): string => path.join(hostRunDir(i), 'docker.pid');
const execRoot = (i: number): string => path.join(hostRunDir(i), 'exec');

export interface ContainerInfo {
  id: string;
  name: string;
  labels: Record<string, string>;
  state: string;
  running: boolean;
  startedAt: string;
  restartCount: number;
}

export const docker = (i: number, args: string[], timeoutMs = 60_000) => exec('docker', ['-H', `unix://${dockerSocket(i)}`, ...args], { timeoutMs });

async function answers(i: number): Promise<boolean> {
  return (await docker(i, ['version', '--format', '{{.Server.Version}}'], 10_000)).code === 0;
}

/** Removes pidfiles and sockets that outlived their engine (dockerd refuses a stale pidfile). */
function clearStaleFiles(i: number): void {
  for (const f of [pidFile(i), dockerSocket(i), path.join(execRoot(i), 'containerd', 'containerd.pid'), path.join(execRoot(i), 'containerd', 'containerd.sock')]) {
    let pid = 0;
    if (f.endsWith('.pid')) pid = Number(fs.existsSync(f) ? fs.readFileSync(f, 'utf8').trim() : 0);
    if (pid && isAlive(pid)) continue;
    fs.rmSync(f, { force: true });
  }
}

export async function startEngine(i: number, logDir: string): Promise<Proc> {
  fs.mkdirSync(hostRunDir(i), { recursive: true });
  fs.mkdirSync(hostDataDir(i), { recursive: true });
  clearStaleFiles(i);
  const proc = startProc(
    `dockerd-h${i}`,
    ['nsenter', `--net=${netnsPath(i)}`, 'dockerd',
      '--data-root', path.join(hostDataDir(i), 'docker'),
      '--exec-root', execRoot(i),
      '--host', `unix://${dockerSocket(i)}`,
      '--pidfile', pidFile(i),
      // Each engine lives in its own namespace, so its docker0 is its own; a distinct
      // subnet per host still keeps pod IPs unique across the cluster. iptables and the
      // userland proxy stay on so hostPort publishing works at the host's address.
      '--bip', `172.30.${i}.1/24`,
      '--log-level', 'warn'],
    path.join(logDir, `dockerd-h${i}.log`),
    dockerSocket(i),
  );
  await waitUntil(`dockerd of h${i} to answer`, async () => {
    if (!proc.alive()) throw new FatalWait(`dockerd of h${i} exited: see ${proc.log}`);
    return answers(i);
  }, 90_000, 300);
  return proc;
}

/** Stops the engine: its containers stop with it (no live-restore), as on a real host. */
export async function stopEngine(i: number, proc: Proc | undefined): Promise<void> {
  if (proc) {
    await stopProc(proc, 45_000);
    forget(proc.pid);
    return;
  }
  // An engine of an earlier run: its pidfile, checked against its command line.
  const pid = Number(fs.existsSync(pidFile(i)) ? fs.readFileSync(pidFile(i), 'utf8').trim() : 0);
  if (pid && isAlive(pid) && cmdline(pid).includes(dockerSocket(i))) await stopPid(pid, 45_000);
}

export async function loadImages(i: number, tarball: string): Promise<void> {
  const r = await docker(i, ['load', '-i', tarball], 120_000);
  if (r.code !== 0) throw new Error(`loading images into h${i} failed: ${r.stderr}`);
}

/** Saves the local test images (and `extra`, a scenario's own) from the machine's own engine once, for every host to load. */
export async function saveImages(tarball: string, extra: string[] = []): Promise<void> {
  const wanted = ['orch.local/busybox:latest', 'orch.local/web:latest', TEST_PAUSE_IMAGE, ...extra];
  for (const img of wanted) {
    if ((await exec('docker', ['image', 'inspect', img])).code !== 0) {
      throw new Error(`image ${img} is missing from the local engine: run scripts/build-test-images.sh${extra.includes(img) ? ' (or the script that builds it)' : ''}`);
    }
  }
  // The pod network's sandbox and traffic images, where built: a test that needs one
  // fails with the engine's clear "image not found" when it is missing.
  const optional: string[] = [];
  for (const img of ['orch.local/pause:3.10', 'orch.local/iperf3:latest']) {
    if ((await exec('docker', ['image', 'inspect', img])).code === 0) optional.push(img);
  }
  await run('docker', ['save', '-o', tarball, ...wanted, ...optional], { timeoutMs: 120_000 });
}

/** Every container (running or not) carrying orch labels on host i. */
export async function orchContainers(i: number): Promise<ContainerInfo[]> {
  const ids = await docker(i, ['ps', '-aq', '--no-trunc', '--filter', 'label=orch.io/pod-uid']);
  if (ids.code !== 0) throw new Error(`docker ps on h${i} failed: ${ids.stderr}`);
  const list = ids.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) return [];
  const r = await docker(i, ['inspect', ...list]);
  // A container removed between ps and inspect makes inspect fail for it only.
  const parsed = JSON.parse(r.stdout || '[]') as Array<{
    Id: string;
    Name: string;
    Config: { Labels: Record<string, string> | null };
    State: { Status: string; Running: boolean; StartedAt: string };
    RestartCount: number;
  }>;
  return parsed.map((c) => ({
    id: c.Id,
    name: c.Name.replace(/^\//, ''),
    labels: c.Config.Labels ?? {},
    state: c.State.Status,
    running: c.State.Running,
    startedAt: c.State.StartedAt,
    restartCount: c.RestartCount,
  }));
}

/** docker rm -f of every container on the engine (for teardown). */
export async function removeAllContainers(i: number): Promise<void> {
  const ids = await docker(i, ['ps', '-aq']);
  const list = ids.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
  if (list.length) await docker(i, ['rm', '-f', ...list], 120_000);
}

export async function engineAnswers(i: number): Promise<boolean> {
  return answers(i);
}

/**
 * Removes what a crashed run left on host i. When the run died hard its dockerd died
 * with it but the containers' shims live on (containerd detaches them): the only clean
 * way to end those containers is to start the engine on its data again (it reattaches
 * and, without live-restore, stops them), remove every container, and stop it.
 */
export async function stopLeftoverEngine(i: number, logDir: string): Promise<void> {
  let proc: Proc | undefined;
  if (!(await answers(i)) && fs.existsSync(path.join(hostDataDir(i), 'docker'))) {
    if (!fs.existsSync(netnsPath(i))) await run('ip', ['netns', 'add', netnsName(i)]);
    proc = await startEngine(i, logDir).catch(() => undefined);
  }
  if (await answers(i)) await removeAllContainers(i);
  await stopEngine(i, proc);
}
