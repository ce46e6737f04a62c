// attach() against the real engine: the process's streams while it runs, and a prompt refusal
// once it has exited (Docker itself would hold such an attach until a next start).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../foundation/logger.js';
import { DockerRuntime } from './docker-runtime.js';
import { isRuntimeError, type ContainerSpec } from './types.js';

const rt = new DockerRuntime({ logger: silentLogger() });
const LABELS = { 'orch.test/suite': 'docker-attach' };
const spec = (name: string, cmd: string[]): ContainerSpec => ({
  name: `orch-test-attach-${name}-${process.pid}`,
  image: 'orch.local/busybox:latest',
  cmd,
  labels: LABELS,
  env: [],
  ports: [],
  binds: [],
  networkMode: 'none',
  openStdin: true,
  stdinOnce: true,
});
const text = (s: NodeJS.ReadableStream) =>
  new Promise<string>((resolve) => {
    let out = '';
    s.on('data', (c: Buffer) => (out += c.toString()));
    s.on('end', () => resolve(out));
  });

beforeAll(async () => {
  for (const c of await rt.listContainers(LABELS)) await rt.remove(c.id, { force: true });
});
afterAll(async () => {
  for (const c of await rt.listContainers(LABELS)) await rt.remove(c.id, { force: true });
});

describe('DockerRuntime.attach', () => {
  it('carries stdin to the running process and its output back, and ends with it', async () => {
    const id = await rt.create(spec('reader', ['sh', '-c', 'read l; echo "got $l"']));
    await rt.start(id);
    const s = await rt.attach(id, { stdin: true, stdout: true, stderr: true, tty: false });
    const [out, err] = [text(s.stdout), text(s.stderr)];
    s.stdin!.end('one\n');
    expect(await out).toBe('got one\n');
    expect(await err).toBe('');
    await s.done;
  });

  it('refuses a container whose process has already exited, at once (conflict), instead of waiting for a restart', async () => {
    const id = await rt.create(spec('exited', ['sh', '-c', 'echo hi']));
    await rt.start(id);
    for (let i = 0; i < 100 && (await rt.inspect(id))?.state === 'running'; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await rt.inspect(id))?.state).toBe('exited');
    const t0 = Date.now();
    await expect(rt.attach(id, { stdin: true, stdout: true, stderr: true, tty: false })).rejects.toSatisfy((e) => isRuntimeError(e, 'conflict'));
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
