// The detailed list against the real engine with the inspect cache: an unchanged container
// is not inspected again while the event stream is connected, and a change made behind the
// agent's back (docker restart, docker kill from the CLI) shows in the next lists.

import { execFileSync } from 'node:child_process';
import dc from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../foundation/logger.js';
import { DockerRuntime } from './docker-runtime.js';
import type { EventSubscription } from './types.js';

const rt = new DockerRuntime({ logger: silentLogger() });
const LABELS = { 'orch.test/suite': `docker-inspect-cache-${process.pid}` };
let inspects = 0;
const countInspects = ({ request }: { request: { method: string; path: string } }) => {
  if (request.method === 'GET' && /^\/containers\/[^/]+\/json/.test(request.path)) inspects++;
};
let sub: EventSubscription;
let id = '';
const seen: string[] = [];

async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  dc.subscribe('http.client.request.start', countInspects as (m: unknown) => void);
  sub = rt.events(LABELS, (e) => seen.push(e.action));
  id = await rt.create({ name: `orch-test-inspect-cache-${process.pid}`, image: 'orch.local/busybox:latest', cmd: ['sleep', '300'], labels: LABELS, env: [], ports: [], binds: [], networkMode: 'none' });
  await rt.start(id);
  // The stream is connected once it delivered the start.
  await until('the start event', async () => seen.includes('start'));
});
afterAll(async () => {
  dc.unsubscribe('http.client.request.start', countInspects as (m: unknown) => void);
  sub?.stop();
  for (const c of await rt.listContainers(LABELS, { details: false })) await rt.remove(c.id, { force: true });
});

describe('DockerRuntime.listContainers with details, while the event stream is connected', () => {
  it('inspects an unchanged container once, however often it is listed', async () => {
    const first = await rt.listContainers(LABELS);
    expect(first.map((c) => c.state)).toEqual(['running']);
    const before = inspects;
    for (let i = 0; i < 5; i++) expect(await rt.listContainers(LABELS)).toEqual(first);
    expect(inspects - before).toBe(0);
  });

  it('a restart behind its back (same state, same id) shows its new start time', async () => {
    const [old] = await rt.listContainers(LABELS);
    execFileSync('docker', ['restart', '-t', '0', id]);
    await until('the new start time in the list', async () => (await rt.listContainers(LABELS))[0]!.startedAt !== old!.startedAt);
    const [now] = await rt.listContainers(LABELS);
    expect(now!.state).toBe('running');
    expect(Date.parse(now!.startedAt!)).toBeGreaterThan(Date.parse(old!.startedAt!));
  });

  it('a kill from the CLI shows as exited with its exit code', async () => {
    execFileSync('docker', ['kill', id]);
    await until('exited in the list', async () => (await rt.listContainers(LABELS))[0]!.state === 'exited');
    expect((await rt.listContainers(LABELS))[0]).toMatchObject({ state: 'exited', exitCode: 137 });
  });
});
