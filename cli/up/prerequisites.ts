// What `orch up` needs from the machine, checked before anything starts, each with one
// clear message saying what to install or start.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';

export function findBinary(name: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return p || undefined;
}

/** The Docker socket path from DOCKER_HOST (unix://...) or the default. */
export function dockerSocketPath(): string {
  const h = process.env.DOCKER_HOST;
  if (h && h.startsWith('unix://')) return h.slice('unix://'.length);
  return '/var/run/docker.sock';
}

/** GET `path` on the Docker socket: true when the engine answers 200 (false on any error or timeout). */
function dockerGetOk(socketPath: string, path: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ socketPath, path, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.on('error', () => resolve(false));
  });
}

/** GET /_ping on the Docker socket: true when an engine answers. */
export function pingDocker(socketPath: string, timeoutMs = 3000): Promise<boolean> {
  return dockerGetOk(socketPath, '/_ping', timeoutMs);
}

/** GET /images/<ref>/json on the Docker socket: true when the image is present locally. */
export function dockerHasImage(socketPath: string, ref: string, timeoutMs = 3000): Promise<boolean> {
  return dockerGetOk(socketPath, `/images/${encodeURIComponent(ref)}/json`, timeoutMs);
}

/** The agents' default pod sandbox image, and the one scripts/build-test-images.sh builds for hosts without a registry. */
export const DEFAULT_PAUSE_IMAGE = 'registry.k8s.io/pause:3.10';
export const LOCAL_PAUSE_IMAGE = 'orch.local/pause:3.10';

/**
 * Agent flags for the pod sandbox image: the default when Docker has it (or no local
 * stand-in exists, so the agents pull it); orch.local/pause:3.10 when only that is here.
 */
export async function sandboxImageFlags(socketPath: string): Promise<{ flags: string[]; note?: string }> {
  if (await dockerHasImage(socketPath, DEFAULT_PAUSE_IMAGE)) return { flags: [] };
  if (!(await dockerHasImage(socketPath, LOCAL_PAUSE_IMAGE))) return { flags: [] };
  return {
    flags: ['--pod-infra-container-image', LOCAL_PAUSE_IMAGE],
    note: `Pod sandboxes use ${LOCAL_PAUSE_IMAGE} (${DEFAULT_PAUSE_IMAGE} is not present locally)`,
  };
}

/** What the agent's pod network runs on each host (agent/network/*). */
export const POD_NETWORK_TOOLS = ['ip', 'bridge', 'iptables', 'iptables-restore', 'sysctl'];

/**
 * Agent flags for the pod network: the default (VXLAN, which needs nothing between the
 * agents of one host) when this process may program the kernel; otherwise
 * `--network-backend none` and a note saying what is missing, so `orch up` still runs
 * pods (on Docker's default bridge, reachable from this host only) instead of leaving
 * every node NotReady.
 */
export function networkBackendFlags(env: { uid?: number; has: (tool: string) => boolean } = { uid: process.getuid?.(), has: (t) => findBinary(t) !== undefined }): { flags: string[]; note?: string } {
  const missing = POD_NETWORK_TOOLS.filter((t) => !env.has(t));
  const why = env.uid !== undefined && env.uid !== 0 ? 'orch up is not running as root' : missing.length ? `${missing.join(', ')} not found on PATH (Debian: apt-get install -y iproute2 iptables procps)` : undefined;
  if (!why) return { flags: [] };
  return {
    flags: ['--network-backend', 'none'],
    note: `No pod network: ${why}. Pods get Docker's default bridge addresses, reachable from this host only (docs/networking.md).`,
  };
}

export function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

export async function checkPrerequisites(opts: { ports: { port: number; what: string }[]; dockerSocket: string }): Promise<string[]> {
  const problems: string[] = [];
  if (!findBinary('etcd')) {
    problems.push('etcd is not installed (no `etcd` on PATH). On Debian/Ubuntu: apt-get install -y etcd-server');
  }
  if (!(await pingDocker(opts.dockerSocket))) {
    problems.push(
      `no Docker engine answers at ${opts.dockerSocket}. Install Docker (Debian: apt-get install -y docker.io) and start it ` +
        '(systemctl start docker, or `dockerd &`), or point DOCKER_HOST=unix:///path/to/docker.sock at a running engine',
    );
  }
  problems.push(...portOverlaps(opts.ports));
  for (const { port, what } of opts.ports) {
    if (!(await portFree(port))) problems.push(`port ${port} (${what}) is already in use: stop what uses it or choose another port (see orch up --help)`);
  }
  return problems;
}

/**
 * Ports the plan gives to two components at once (e.g. --agent-port inside --etcd-port's
 * range): each is free now, but the second component to start would find it taken.
 */
export function portOverlaps(ports: { port: number; what: string }[]): string[] {
  const first = new Map<number, string>();
  const out: string[] = [];
  for (const { port, what } of ports) {
    const other = first.get(port);
    if (other === undefined) first.set(port, what);
    else out.push(`port ${port} would serve both the ${other} and the ${what}: choose --api-port, --etcd-port and --agent-port so that their ranges do not overlap (see orch up --help)`);
  }
  return out;
}

/**
 * A free port for a component's /healthz + /metrics on 127.0.0.1, picked below the kernel's
 * ephemeral range (ip_local_port_range, 32768 by default): a port the kernel hands out
 * (listen(0)) is free only until the component binds it, and meanwhile any outgoing
 * connection on this host (a parallel test, the cluster's own clients) may take it as its
 * source port. Below that range only another listener can, and picking at random makes two
 * clusters starting at once unlikely to choose alike. Falls back to the kernel's choice.
 */
export async function ephemeralPort(taken: Set<number> = new Set()): Promise<number> {
  const low = 20_000;
  const high = Math.min(32_767, ephemeralRangeStart() - 1);
  for (let attempt = 0; high > low && attempt < 20; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low + 1));
    // `taken`: ports the plan gives to components not started yet (free now, not later).
    if (!taken.has(port) && (await portFree(port))) {
      taken.add(port);
      return port;
    }
  }
  const port = await kernelPort();
  taken.add(port);
  return port;
}

function ephemeralRangeStart(): number {
  try {
    const first = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 1024 ? first : 32_768;
  } catch {
    return 32_768;
  }
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
