// Starts a real, throw-away etcd for integration tests: free ports, a temp data dir,
// removed on stop. Tests never skip when etcd is missing: they fail with a clear message.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './ports.js';
import { eventually, GiveUp } from './eventually.js';

export interface TestEtcd {
  endpoint: string;
  dataDir: string;
  /** Stop the process (SIGTERM) but keep the data, so start() brings the same store back. */
  pause(): Promise<void>;
  /** Start again on the same ports and data after pause(). */
  resume(): Promise<void>;
  stop(): Promise<void>;
  /** Sends a signal to the etcd process (SIGSTOP freezes it, SIGCONT resumes it). */
  signal(sig: NodeJS.Signals): void;
}

function etcdBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v etcd'], { encoding: 'utf8' }).stdout.trim();
  if (!found) throw new Error('etcd binary not found on PATH: install it with `apt-get install -y etcd-server` (tests need a real etcd)');
  return found;
}

async function waitHealthy(endpoint: string, proc: ChildProcess, logFile: string, timeoutMs = 20_000): Promise<void> {
  try {
    await eventually(`etcd at ${endpoint} to be healthy`, async () => {
      if (proc.exitCode !== null) throw new GiveUp(`etcd exited with code ${proc.exitCode}`);
      return (await fetch(`${endpoint}/health`)).ok;
    }, timeoutMs, 100);
  } catch (err) {
    const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '';
    throw new Error(`etcd at ${endpoint} did not become healthy (${(err as Error).message}):\n${log}`);
  }
}

/** `args`: extra etcd flags, e.g. ['--max-request-bytes', '100000']. */
export async function startEtcd(opts: { args?: string[] } = {}): Promise<TestEtcd> {
  const bin = etcdBinary();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-etcd-'));
  // Ports are chosen again when another process took one between freePort() and etcd's
  // bind (parallel test files); a resume reuses them, since clients know the endpoint.
  let peerPort = 0;
  let endpoint = '';
  const choosePorts = async () => {
    endpoint = `http://127.0.0.1:${await freePort()}`;
    peerPort = await freePort();
  };
  await choosePorts();
  const logFile = path.join(dataDir, 'etcd.log');
  let proc: ChildProcess | undefined;

  const launch = async () => {
    const out = fs.openSync(logFile, 'a');
    proc = spawn(
      bin,
      [
        '--name', 'test',
        '--data-dir', path.join(dataDir, 'data'),
        '--listen-client-urls', endpoint,
        '--advertise-client-urls', endpoint,
        '--listen-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-advertise-peer-urls', `http://127.0.0.1:${peerPort}`,
        '--initial-cluster', `test=http://127.0.0.1:${peerPort}`,
        '--log-level', 'error',
        ...(opts.args ?? []),
      ],
      { stdio: ['ignore', out, out] },
    );
    fs.closeSync(out);
    await waitHealthy(endpoint, proc, logFile);
  };

  const kill = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
      setTimeout(() => p.kill('SIGKILL'), 5000).unref();
    });
  };

  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      if (attempt >= 3 || !log.includes('address already in use')) throw err;
      fs.rmSync(path.join(dataDir, 'data'), { recursive: true, force: true });
      fs.writeFileSync(logFile, '');
      await choosePorts();
    }
  }
  return {
    endpoint,
    dataDir,
    pause: kill,
    resume: launch,
    stop: async () => {
      if (proc?.exitCode === null) proc.kill('SIGCONT'); // a frozen etcd cannot stop
      await kill();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
    signal: (sig) => {
      if (proc && proc.exitCode === null) proc.kill(sig);
    },
  };
}
