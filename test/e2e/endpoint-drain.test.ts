// The termination protocol end to end (docs/services.md "Zero-downtime endpoints"): a real
// apiserver + etcd, the controller manager (EndpointSlices, ReplicaSets), two agents on the
// local Docker engine (protocol on: --proxy-drain-timeout 5s; off: 0) and a real
// `orch proxy` process (dist/, `npm run build` first) reporting on its Node.
//
// The app traps SIGTERM and writes to a hostPath file; the file's mtime is when the app
// got SIGTERM. The test follows the EndpointSlices and the proxy's Node annotations with
// informers and checks the order: with the protocol on, SIGTERM comes only after the proxy
// reported a revision ≥ the slice write that marked the pod terminating; off, it comes
// before (the proxy is frozen with SIGSTOP to make "before" certain). A frozen proxy holds
// a pod for the bound only, with a ProxyDrainTimeout Event. A new pod of a ReplicaSet gets
// orch.io/ProxiesRouted False → True, and availableReplicas counts it only after.
//
// The proxy runs in this host's network namespace (no namespace of its own): it programs
// only its instance's chains, for a service range no one else uses (10.233.251.0/24), and
// `orch proxy --cleanup` removes them at the end. Linux, root, Docker, iptables.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROXY_SYNCED_AT_ANNOTATION, PROXY_SYNCED_REVISION_ANNOTATION, compareRevisions } from '../../api/proxy-sync.js';
import type { EndpointSlice, Event, Node, Pod, ReplicaSet, Service } from '../../api/types.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { parseServiceRanges } from '../../apiserver/services/service-ranges.js';
import { Informer } from '../../client/informer.js';
import { ApiClient } from '../../client/rest-client.js';
import { ControllerManager } from '../../controller/manager.js';
import { createLogger, silentLogger } from '../../foundation/logger.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { allowPrivilegedPods } from '../helpers/pod-security.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { freePort } from '../helpers/ports.js';
import { docker, removeContainersWith, waitFor } from './agent-helpers.js';

const ENTRY = path.resolve('dist/cli/main.js');
const RUN = crypto.randomBytes(3).toString('hex');
const ON = `h16drain-on-${RUN}`;
const OFF = `h16drain-off-${RUN}`;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let manager: ControllerManager;
let proxy: ChildProcess;
let tokenFile: string;
const agents: Agent[] = [];
const proxyLogs: string[] = [];
let slices: Informer<EndpointSlice>;
let nodes: Informer<Node>;
/** Every version of the ON node's proxy report, as the test saw them: revision, synced-at (ms). */
const reports: Array<{ revision: string; at: number }> = [];
/** Every slice version seen: name, resourceVersion, and per pod uid its conditions. */
const sliceHistory: EndpointSlice[] = [];

const proxyArgs = () => ['proxy', '--server', api.url, '--token-file', tokenFile, '--node-name', ON, '--dns-port', '0', '--log-level', 'info'];

function startAgent(nodeName: string, proxyDrainTimeoutMs: number): Agent {
  const logger = createLogger(`agent-${nodeName}`, process.env.ORCH_TEST_LOG ?? 'silent');
  const agent = new Agent({
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    nodeName,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[nodeName] }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, nodeName),
    allowedHostPaths: [root],
    heartbeatIntervalMs: 1000,
    resyncIntervalMs: 2000,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
    proxyDrainTimeoutMs,
  });
  agents.push(agent);
  return agent;
}

/** A pod whose app writes the time it got SIGTERM into <root>/<name>/term (and exits). */
function trappingPod(name: string, nodeName: string, labels: Record<string, string> = { app: 'drain' }): Pod {
  const dir = path.join(root, 'out', name);
  fs.mkdirSync(dir, { recursive: true });
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 10,
      volumes: [{ name: 'out', hostPath: { path: dir } }],
      containers: [
        {
          name: 'app',
          image: 'orch.local/busybox:latest',
          imagePullPolicy: 'IfNotPresent',
          command: ['sh', '-c', "trap 'echo term > /out/term; exit 0' TERM; while true; do sleep 0.05; done"],
          ports: [{ containerPort: 8080 }],
          volumeMounts: [{ name: 'out', mountPath: '/out' }],
        },
      ],
    },
  };
}

const termFile = (name: string) => path.join(root, 'out', name, 'term');
const termAt = (name: string) => waitFor(`${name} got SIGTERM`, () => fs.existsSync(termFile(name)) && fs.statSync(termFile(name)).mtimeMs, 30_000, 20);

/** The slice write that marked the pod's endpoint not ready / terminating: its resourceVersion. */
function terminatingRevision(uid: string): string | undefined {
  const s = sliceHistory.find((sl) => sl.endpoints?.some((e) => e.targetRef?.uid === uid && (e.conditions?.terminating || e.conditions?.ready === false) && e.conditions?.serving !== false));
  return s?.metadata.resourceVersion;
}

/** When the proxy first reported a revision ≥ rv (its synced-at), if it did. */
const confirmedAt = (rv: string) => reports.find((r) => compareRevisions(r.revision, rv) >= 0)?.at;

async function readyPod(name: string): Promise<Pod> {
  return waitFor(`${name} ready and listed ready`, async () => {
    const p = await admin.pods.get(name, 'default');
    const ready = p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    const listed = slices.list().some((s) => s.endpoints?.some((e) => e.targetRef?.uid === p.metadata.uid && e.conditions?.ready));
    return ready && listed && p;
  }, 60_000);
}

beforeAll(async () => {
  docker('image', 'inspect', 'orch.local/busybox:latest');
  expect(fs.existsSync(ENTRY), `${ENTRY} missing: npm run build first`).toBe(true);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'h16drain-'));
  api = await startTestApiServer({ nodeNames: [ON, OFF], server: { serviceRanges: parseServiceRanges('10.233.251.0/24') } });
  admin = new ApiClient({ server: api.url, token: api.token });
  // hostPath / hostPort / hostNetwork pods: this suite tests the agent, not Pod Security.
  await allowPrivilegedPods(admin);
  tokenFile = path.join(root, 'proxy-token');
  fs.writeFileSync(tokenFile, api.nodeTokens[ON]!);
  await startAgent(ON, 5000).start();
  await startAgent(OFF, 0).start();
  manager = new ControllerManager({ client: admin, logger: silentLogger() });
  await manager.start();
  slices = new Informer<EndpointSlice>(admin.resource<EndpointSlice>('endpointslices'), { namespace: 'default' });
  const seen = (s: EndpointSlice) => sliceHistory.push(s);
  slices.addEventHandler({ onAdd: seen, onUpdate: (_, s) => seen(s) });
  nodes = new Informer<Node>(admin.nodes, { fieldSelector: `metadata.name=${ON}` });
  const report = (n: Node) => {
    const a = n.metadata.annotations ?? {};
    const revision = a[PROXY_SYNCED_REVISION_ANNOTATION];
    const at = Date.parse(a[PROXY_SYNCED_AT_ANNOTATION] ?? '');
    if (revision && !reports.some((r) => r.revision === revision && r.at === at)) reports.push({ revision, at });
  };
  nodes.addEventHandler({ onAdd: report, onUpdate: (_, n) => report(n) });
  slices.start();
  nodes.start();
  await admin.services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'drain', namespace: 'default' }, spec: { selector: { app: 'drain' }, ports: [{ port: 80, targetPort: 8080 }] } } as Service);
  const port = await freePort();
  proxy = spawn(process.execPath, [ENTRY, ...proxyArgs(), '--port', String(port), '--min-sync-period', '50ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
  proxy.stdout!.on('data', (d: Buffer) => proxyLogs.push(String(d)));
  proxy.stderr!.on('data', (d: Buffer) => proxyLogs.push(String(d)));
  await waitFor('the proxy reports on its Node', () => reports.length > 0, 30_000);
}, 120_000);

afterAll(async () => {
  if (proxy && proxy.exitCode === null) {
    proxy.kill('SIGCONT');
    proxy.kill('SIGTERM');
    await new Promise((r) => proxy.once('exit', r));
  }
  if (api) await promisify(execFile)(process.execPath, [ENTRY, ...proxyArgs(), '--cleanup'], { encoding: 'utf8' }).catch((err) => console.error('proxy cleanup failed', err));
  slices?.stop();
  nodes?.stop();
  await manager?.stop().catch(() => undefined);
  for (const a of agents) await a.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': ON });
  removeContainersWith({ 'orch.io/node': OFF });
  await api?.stop();
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe('termination protocol (real apiserver, controllers, agents, Docker, orch proxy)', () => {
  it('protocol on: SIGTERM comes only after the proxy reported the revision of the slice write that marked the pod terminating', async () => {
    await admin.pods.create(trappingPod('on-1', ON));
    const p = await readyPod('on-1');
    await admin.pods.delete('on-1', 'default', { gracePeriodSeconds: 10 });
    const term = await termAt('on-1');
    const rv = terminatingRevision(p.metadata.uid!);
    expect(rv, 'the controller marked the endpoint terminating').toBeDefined();
    const confirmed = confirmedAt(rv!);
    expect(confirmed, `the proxy reported ≥ ${rv} (reports: ${JSON.stringify(reports.slice(-5))})`).toBeDefined();
    expect(term).toBeGreaterThanOrEqual(confirmed!);
    const events = (await admin.resource<Event>('events').list({ namespace: 'default' })).items;
    expect(events.filter((e) => e.involvedObject?.name === 'on-1' && e.reason === 'ProxyDrainTimeout')).toEqual([]);
  });

  it('protocol off (--proxy-drain-timeout 0): SIGTERM comes before the proxy confirmed', async () => {
    await admin.pods.create(trappingPod('off-1', OFF));
    const p = await readyPod('off-1');
    proxy.kill('SIGSTOP'); // the proxy cannot confirm until it is continued
    try {
      await admin.pods.delete('off-1', 'default', { gracePeriodSeconds: 10 });
      await termAt('off-1');
      await waitFor('the slice marks it terminating', () => terminatingRevision(p.metadata.uid!));
    } finally {
      proxy.kill('SIGCONT');
    }
    const rv = terminatingRevision(p.metadata.uid!)!;
    const confirmed = await waitFor('the proxy confirms afterwards', () => confirmedAt(rv), 30_000);
    expect(fs.statSync(termFile('off-1')).mtimeMs).toBeLessThan(confirmed);
  });

  it('protocol on, proxy frozen: the pod is held for the bound only, with a ProxyDrainTimeout Event naming the proxy', async () => {
    await admin.pods.create(trappingPod('on-2', ON));
    await readyPod('on-2');
    proxy.kill('SIGSTOP');
    let deletedAt = 0;
    try {
      deletedAt = Date.now();
      await admin.pods.delete('on-2', 'default', { gracePeriodSeconds: 10 });
      const term = await termAt('on-2');
      expect(term - deletedAt).toBeGreaterThanOrEqual(4500);
    } finally {
      proxy.kill('SIGCONT');
    }
    const ev = await waitFor('the Event', async () => (await admin.resource<Event>('events').list({ namespace: 'default' })).items.find((e) => e.involvedObject?.name === 'on-2' && e.reason === 'ProxyDrainTimeout'));
    expect(ev.type).toBe('Warning');
    expect(ev.message).toMatch(new RegExp(`^Stopping the pod after 5s although proxy on ${ON} did not confirm revision \\d+$`));
  });

  it('a new pod of a ReplicaSet: ProxiesRouted False → True (Routed), and availableReplicas counts it only after', async () => {
    const podStates: Array<{ rv: string; routed?: string; reason?: string }> = [];
    const rsStates: Array<{ rv: string; available: number }> = [];
    const pods = new Informer<Pod>(admin.pods, { namespace: 'default', labelSelector: 'app=routed' });
    pods.addEventHandler({
      onUpdate: (_, p) => {
        const c = p.status?.conditions?.find((x) => x.type === 'orch.io/ProxiesRouted');
        podStates.push({ rv: p.metadata.resourceVersion!, routed: c?.status, reason: c?.reason });
      },
    });
    const rss = new Informer<ReplicaSet>(admin.replicasets, { namespace: 'default' });
    rss.addEventHandler({ onUpdate: (_, r) => rsStates.push({ rv: r.metadata.resourceVersion!, available: r.status?.availableReplicas ?? 0 }) });
    pods.start();
    rss.start();
    try {
      await admin.services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'routed', namespace: 'default' }, spec: { selector: { app: 'routed' }, ports: [{ port: 80, targetPort: 8080 }] } } as Service);
      const template = trappingPod('unused', ON, { app: 'routed' });
      await admin.replicasets.create({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'routed', namespace: 'default' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'routed' } }, template: { metadata: { labels: { app: 'routed' } }, spec: { ...template.spec, volumes: [] , containers: [{ ...template.spec.containers[0]!, volumeMounts: [], command: ['sleep', '3600'] }] } } },
      } as ReplicaSet);
      await waitFor('available', () => rsStates.some((s) => s.available === 1), 60_000);
      const falseAt = podStates.find((s) => s.routed === 'False');
      const trueAt = podStates.find((s) => s.routed === 'True');
      expect(falseAt?.reason).toBe('WaitingForProxies');
      expect(trueAt?.reason).toBe('Routed');
      const firstAvailable = rsStates.find((s) => s.available === 1)!;
      expect(compareRevisions(falseAt!.rv, trueAt!.rv)).toBeLessThan(0);
      expect(compareRevisions(trueAt!.rv, firstAvailable.rv)).toBeLessThan(0);
    } finally {
      pods.stop();
      rss.stop();
    }
  });
});
