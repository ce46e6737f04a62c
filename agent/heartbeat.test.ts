import { describe, expect, it, vi } from 'vitest';
import type { Lease, Node } from '../api/types.js';
import { FakeClient } from '../client/testing/fake-client.js';
import { FakeClock } from '../foundation/testing/fake-clock.js';
import { silentLogger } from '../foundation/logger.js';
import { DOCKER_PING_TIMEOUT_MS, Heartbeat } from './heartbeat.js';
import { buildNodeStatus, goArch, type NodeIdentity } from './node-status.js';
import { FakeRuntime } from './testing/fake-runtime.js';

const id: NodeIdentity = {
  nodeName: 'n1',
  nodeIP: '10.1.2.3',
  hostname: 'host-1',
  labels: { zone: 'a' },
  reservedCpuMillis: 500,
  reservedMemoryBytes: 1024 ** 3,
  maxPods: 110,
  logPort: 10250,
  agentVersion: '0.1.0',
};

function setup() {
  const clock = new FakeClock();
  const client = new FakeClient({ clock });
  client.seed([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-node-lease' } }]);
  const runtime = new FakeRuntime(() => clock.now());
  const changes: boolean[] = [];
  const hb = new Heartbeat({ id, client, runtime, clock, logger: silentLogger(), intervalMs: 5000, statusUpdateMs: 60_000, onDockerChange: (up) => changes.push(up) });
  return { clock, client, runtime, hb, changes };
}

describe('node status', () => {
  it('capacity from docker info, allocatable minus reserves, identity fields', () => {
    const info = { ncpu: 4, memTotalBytes: 8 * 1024 ** 3, serverVersion: '20.10.24', kernelVersion: '6.1', operatingSystem: 'Debian', osType: 'linux', architecture: 'x86_64' };
    const s = buildNodeStatus(id, info, undefined, '2026-01-01T00:00:00.000Z');
    expect(s.capacity).toEqual({ cpu: '4', memory: `${8 * 1024 * 1024}Ki`, pods: '110' });
    expect(s.allocatable).toEqual({ cpu: '3500m', memory: `${7 * 1024 * 1024}Ki`, pods: '110' });
    expect(s.addresses).toEqual([{ type: 'InternalIP', address: '10.1.2.3' }, { type: 'Hostname', address: 'host-1' }]);
    expect(s.daemonEndpoints).toEqual({ kubeletEndpoint: { Port: 10250 } });
    expect(s.nodeInfo).toMatchObject({ containerRuntimeVersion: 'docker://20.10.24', kubeletVersion: 'orch/0.1.0', architecture: 'amd64', operatingSystem: 'linux' });
    expect(s.conditions).toEqual([{ type: 'Ready', status: 'True', reason: 'AgentReady', message: 'orch agent is posting ready status', lastHeartbeatTime: '2026-01-01T00:00:00.000Z', lastTransitionTime: '2026-01-01T00:00:00.000Z' }]);
    expect(goArch('aarch64')).toBe('arm64');
  });
});

describe('Heartbeat', () => {
  it('registers the node with labels and status, creates then renews the lease', async () => {
    const { clock, client, hb } = setup();
    await hb.beat();
    const node = client.peek<Node>('nodes', 'n1')!;
    expect(node.metadata.labels).toMatchObject({ 'kubernetes.io/hostname': 'n1', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', zone: 'a' });
    expect(node.status!.conditions!.find((c) => c.type === 'Ready')!.status).toBe('True');
    const lease1 = client.peek<import('../api/types.js').Lease>('leases', 'n1', 'kube-node-lease')!;
    expect(lease1.spec).toMatchObject({ holderIdentity: 'n1', leaseDurationSeconds: 40 });
    await clock.advance(5000);
    client.clearActions();
    await hb.beat();
    const lease2 = client.peek<import('../api/types.js').Lease>('leases', 'n1', 'kube-node-lease')!;
    expect(Date.parse(lease2.spec.renewTime!) - Date.parse(lease1.spec.renewTime!)).toBe(5000);
    // Nothing changed and the status is not due: the node is not written.
    expect(client.actionsFor('updateStatus', 'nodes')).toHaveLength(0);
    await clock.advance(60_000);
    await hb.beat();
    expect(client.actionsFor('updateStatus', 'nodes')).toHaveLength(1);
  });

  it('Docker unreachable → Ready False DockerUnreachable at once; recovers when it returns', async () => {
    const { clock, client, runtime, hb, changes } = setup();
    await hb.beat();
    runtime.available = false;
    await clock.advance(5000);
    await hb.beat();
    let ready = client.peek<Node>('nodes', 'n1')!.status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'False', reason: 'DockerUnreachable' });
    expect(ready.message).toMatch(/docker unreachable/);
    expect(ready.lastTransitionTime).toBe('2026-01-01T00:00:05Z'); // metav1.Time: whole seconds
    runtime.available = true;
    await clock.advance(5000);
    await hb.beat();
    ready = client.peek<Node>('nodes', 'n1')!.status!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({ status: 'True', reason: 'AgentReady' });
    expect(changes).toEqual([false, true]);
  });

  it('updates an existing node (re-registration keeps foreign labels)', async () => {
    const { client, hb } = setup();
    client.seed([{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { custom: 'x' } }, spec: { unschedulable: true } }]);
    await hb.beat();
    const node = client.peek<Node>('nodes', 'n1')!;
    expect(node.metadata.labels).toMatchObject({ custom: 'x', zone: 'a' });
    expect(node.spec.unschedulable).toBe(true);
    expect(node.status!.capacity!.pods).toBe('110');
  });

  it('pod network not ready → Ready False NetworkPluginNotReady from registration on; poke() posts Ready as soon as it is', async () => {
    const clock = new FakeClock();
    const client = new FakeClient({ clock });
    client.seed([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-node-lease' } }]);
    let network: string | undefined = 'no pod CIDR assigned to this node yet';
    const hb = new Heartbeat({ id, client, runtime: new FakeRuntime(() => clock.now()), clock, logger: silentLogger(), intervalMs: 60_000, statusUpdateMs: 600_000, networkNotReady: () => network });
    const ready = () => client.peek<Node>('nodes', 'n1')?.status?.conditions?.find((c) => c.type === 'Ready');
    hb.start();
    await vi.waitFor(() => expect(ready()).toMatchObject({ status: 'False', reason: 'NetworkPluginNotReady' }));
    expect(ready()!.message).toBe('container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:orch: no pod CIDR assigned to this node yet');
    network = undefined;
    // Long before the 60 s interval: the poke makes the next beat now.
    hb.poke();
    await vi.waitFor(() => expect(ready()).toMatchObject({ status: 'True', reason: 'AgentReady' }));
    expect(clock.now() - Date.parse('2026-01-01T00:00:00Z')).toBeLessThan(60_000);
    await hb.stop();
  });
  it('a renewal that gets no answer (a network hiccup) is given up after two intervals: the next one goes out then', async () => {
    const clock = new FakeClock();
    const client = new FakeClient({ clock });
    client.seed([{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-node-lease' } }]);
    let hang = true;
    let gets = 0;
    const bind = <T extends object>(t: T, p: string | symbol) => {
      const v = Reflect.get(t, p) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(t) : v;
    };
    const leases = new Proxy(client.leases, {
      get: (t, p) =>
        p === 'get'
          ? (...a: Parameters<typeof t.get>) => {
              gets++;
              return hang ? new Promise(() => undefined) : t.get(...a);
            }
          : bind(t, p),
    });
    const hanging = new Proxy(client, { get: (t, p) => (p === 'leases' ? leases : bind(t, p)) });
    const hb = new Heartbeat({ id, client: hanging, runtime: new FakeRuntime(() => clock.now()), clock, logger: silentLogger(), intervalMs: 2000, statusUpdateMs: 60_000 });
    hb.start();
    await vi.waitFor(() => expect(gets).toBe(1));
    hang = false;
    // Two intervals for the hung beat, then the usual interval: the second renewal goes out.
    for (let i = 0; i < 12 && gets < 2; i++) {
      await clock.advance(500);
      await new Promise((r) => setImmediate(r));
    }
    expect(gets).toBe(2);
    expect(clock.now() - Date.parse('2026-01-01T00:00:00Z')).toBeGreaterThanOrEqual(6000);
    await vi.waitFor(() => expect(client.peek('leases', 'n1', 'kube-node-lease')).toBeDefined());
    await hb.stop();
  });

  it('renews the Lease while docker info hangs (a pull resolving an unreachable registry): Ready stays True, capacity follows when info answers', async () => {
    const { clock, client, runtime, hb } = setup();
    await hb.beat();
    const renewTime = () => Date.parse(client.peek<Lease>('leases', 'n1', 'kube-node-lease')!.spec.renewTime!);
    // From now on docker info takes as long as the engine's pull (28 s measured); /_ping answers.
    let release: (() => void) | undefined;
    const slowInfo = runtime.info.bind(runtime);
    runtime.info = () => new Promise((resolve) => (release = () => resolve(slowInfo().then((i) => ({ ...i, ncpu: 8 })))));
    // The status is due on every beat, so each one asks docker info again.
    for (let i = 1; i <= 6; i++) {
      await clock.advance(60_000);
      const before = clock.now();
      await hb.beat();
      expect(renewTime()).toBe(before);
      expect(client.peek<Node>('nodes', 'n1')!.status!.conditions!.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True', reason: 'AgentReady' });
    }
    release!();
    await clock.advance(60_000);
    await hb.beat();
    await clock.advance(5000);
    await hb.beat();
    expect(client.peek<Node>('nodes', 'n1')!.status!.capacity!.cpu).toBe('8');
  });

  it('a ping unanswered for 10 s → Ready False; until then no verdict, and the Lease is renewed on every beat', async () => {
    const { clock, client, runtime, hb } = setup();
    await hb.beat();
    const ready = () => client.peek<Node>('nodes', 'n1')!.status!.conditions!.find((c) => c.type === 'Ready')!;
    const renewTime = () => Date.parse(client.peek<Lease>('leases', 'n1', 'kube-node-lease')!.spec.renewTime!);
    let pings = 0;
    runtime.ping = () => {
      pings++;
      return new Promise(() => undefined); // a hung engine
    };
    const t0 = clock.now();
    // Beats 2 s apart, each waiting up to 1 s for the ping (the clock runs while they wait).
    const beatAt = async () => {
      const sent = clock.now();
      const b = hb.beat();
      await clock.advance(1000);
      await b;
      expect(renewTime()).toBe(sent);
      await clock.advance(1000);
    };
    for (let i = 0; i < 4; i++) await beatAt();
    expect(ready()).toMatchObject({ status: 'True' });
    while (clock.now() - t0 < DOCKER_PING_TIMEOUT_MS + 2000) await beatAt();
    expect(ready()).toMatchObject({ status: 'False', reason: 'DockerUnreachable' });
    expect(ready().message).toContain('docker did not answer a ping within 10s');
    // One ping out at a time: a hung engine is not sent a new one every beat.
    expect(pings).toBe(1);
  });
});
