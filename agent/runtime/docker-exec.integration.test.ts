// exec() against the real engine: exit codes, combined output, the output cap, the timeout,
// and the errors for a stopped or missing container.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../foundation/logger.js';
import { DockerRuntime } from './docker-runtime.js';
import { isRuntimeError } from './types.js';

const rt = new DockerRuntime({ logger: silentLogger() });
const LABELS = { 'orch.test/suite': 'docker-exec' };
let running = '';
let stopped = '';

beforeAll(async () => {
  for (const c of await rt.listContainers(LABELS)) await rt.remove(c.id, { force: true });
  const mk = (name: string) => rt.create({ name: `orch-test-exec-${name}-${process.pid}`, image: 'orch.local/busybox:latest', cmd: ['sleep', '300'], labels: LABELS, env: [], ports: [], binds: [], networkMode: 'none' });
  running = await mk('run');
  await rt.start(running);
  stopped = await mk('stopped');
});
afterAll(async () => {
  for (const c of await rt.listContainers(LABELS)) await rt.remove(c.id, { force: true });
});

describe('DockerRuntime.exec', () => {
  it('returns the exit code and stdout+stderr', async () => {
    const r = await rt.exec(running, ['sh', '-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 5000 });
    expect(r).toMatchObject({ exitCode: 3, timedOut: false });
    // Two pipes: the order of the lines between them is not fixed.
    expect(r.output.split('\n').sort()).toEqual(['', 'err', 'out']);
    expect(await rt.exec(running, ['true'], { timeoutMs: 5000 })).toEqual({ exitCode: 0, output: '', timedOut: false });
  });

  it('keeps only maxOutputBytes', async () => {
    const r = await rt.exec(running, ['sh', '-c', 'yes abcdefgh | head -c 100000'], { timeoutMs: 5000, maxOutputBytes: 1000 });
    expect(r.exitCode).toBe(0);
    expect(r.output.length).toBe(1000);
  });

  it('gives up after the timeout', async () => {
    const t0 = Date.now();
    const r = await rt.exec(running, ['sleep', '30'], { timeoutMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.exitCode).toBeUndefined();
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a command missing from the image is exit code 126 or 127, not an exception', async () => {
    const r = await rt.exec(running, ['/no/such/binary'], { timeoutMs: 5000 });
    expect([126, 127]).toContain(r.exitCode);
  });

  it('refuses a stopped container (conflict) and a missing one (notfound)', async () => {
    await expect(rt.exec(stopped, ['true'], { timeoutMs: 1000 })).rejects.toSatisfy((e) => isRuntimeError(e, 'conflict'));
    await expect(rt.exec('no-such-container-exec-test', ['true'], { timeoutMs: 1000 })).rejects.toSatisfy((e) => isRuntimeError(e, 'notfound'));
  });
});

describe('DockerRuntime.listContainers({ details: false })', () => {
  it('gives what the list knows, as inspect words it, without exit code or times', async () => {
    const full = (await rt.listContainers(LABELS)).sort((a, b) => a.id.localeCompare(b.id));
    const brief = (await rt.listContainers(LABELS, { details: false })).sort((a, b) => a.id.localeCompare(b.id));
    expect(brief.map((c) => [c.id, c.name, c.state, c.labels, c.image, c.imageId, c.ipAddress, c.networkMode])).toEqual(
      full.map((c) => [c.id, c.name, c.state, c.labels, c.image, c.imageId, c.ipAddress, c.networkMode]),
    );
    expect(brief.map((c) => c.state).sort()).toEqual(['created', 'running']);
    // Creation time to the second (the list has no finer one).
    for (const [i, c] of brief.entries()) expect(Math.abs(Date.parse(c.createdAt!) - Date.parse(full[i]!.createdAt!))).toBeLessThan(1000);
    expect(brief.every((c) => c.exitCode === undefined && c.startedAt === undefined)).toBe(true);
  });
});
