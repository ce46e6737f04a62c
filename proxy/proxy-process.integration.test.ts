// `orch proxy` as a process (dist/, run `npm run build` first) against a real apiserver
// and etcd, with the node's token: it programs a network namespace (the hidden --netns
// flag keeps the process where the API server listens) from real Service objects, reports
// on its Node, serves /readyz and /metrics, and `--cleanup` removes what it wrote.
// EndpointSlices are created by hand when this build serves them (resource registered by
// the EndpointSlice work on another branch); without them only endpoint-less services can
// be programmed: refused at once.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveResourceName } from '../api/resources.js';
import type { EndpointSlice, Node, Service } from '../api/types.js';
import { ApiClient } from '../client/rest-client.js';
import { startTestApiServer, type TestApiServer } from '../test/helpers/apiserver.js';
import { eventually } from '../test/helpers/eventually.js';
import { freePort } from '../test/helpers/ports.js';
import { instanceChains, instanceId } from './rules/names.js';
import { SYNCED_AT_ANNOTATION, SYNCED_REVISION_ANNOTATION } from './node-report.js';
import { NetnsLab } from './testing/netns-lab.js';
import { service, slice } from './testing/objects.js';

const ENTRY = path.resolve('dist/cli/main.js');
const slicesServed = resolveResourceName('endpointslices') !== undefined;
const lab = new NetnsLab('h15proxy2');
let api: TestApiServer;
let admin: ApiClient;
let proxy: ChildProcess | undefined;
let healthPort: number;
let tokenFile: string;
let chains: ReturnType<typeof instanceChains>;
const logs: string[] = [];

// Cluster DNS is off here (--dns-port 0): the rules go into a lab namespace, the node's pod gateway is nowhere on this host.
const proxyArgs = () => ['proxy', '--server', api.url, '--token-file', tokenFile, '--node-name', 'n1', '--netns', lab.node, '--log-level', 'debug', '--dns-port', '0'];
const natRules = () => lab.exec(lab.node, 'iptables-save -t nat');
const health = async (p: string) => {
  const r = await fetch(`http://127.0.0.1:${healthPort}${p}`);
  return { status: r.status, text: await r.text() };
};

describe('orch proxy (process, real apiserver)', () => {
  beforeAll(async () => {
    api = await startTestApiServer({ nodeNames: ['n1'] });
    admin = new ApiClient({ server: api.url, token: api.token });
    tokenFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'h15proxy-')), 'token');
    fs.writeFileSync(tokenFile, api.nodeTokens.n1!);
    await admin.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.244.1.0/24', podCIDRs: ['10.244.1.0/24'] } } as Node);
    const uid = (await admin.namespaces.get('kube-system')).metadata.uid!;
    chains = instanceChains(instanceId(uid, 'n1'));
    lab.setUp();
    lab.addPod('b1', '10.244.1.11');
    lab.addPod('c1', '10.244.1.21', false);
    healthPort = await freePort();
    proxy = spawn(process.execPath, [ENTRY, ...proxyArgs(), '--port', String(healthPort), '--min-sync-period', '50ms', '--sync-period', '1m'], { stdio: ['ignore', 'pipe', 'pipe'] });
    proxy.stdout!.on('data', (d: Buffer) => logs.push(String(d)));
    proxy.stderr!.on('data', (d: Buffer) => logs.push(String(d)));
  });
  afterAll(async () => {
    proxy?.kill('SIGTERM');
    lab.destroy();
    lab.cleanupFiles();
    await api?.stop();
  });

  it('becomes ready once it has synced, with its chains jumped to from the built-in chains', async () => {
    await eventually('/readyz 200', async () => (await health('/readyz').catch(() => ({ status: 0 }))).status === 200, 30_000);
    expect(lab.exec(lab.node, 'iptables -t nat -S PREROUTING')).toContain(`-j ${chains.services}`);
    expect(lab.exec(lab.node, 'iptables -S FORWARD')).toContain(`-j ${chains.filter}`);
  });

  it('a Service without endpoints is refused at once through its ClusterIP', async () => {
    await admin.services.create(service('web', '10.96.0.10'));
    await eventually('the REJECT rule', () => lab.exec(lab.node, `iptables -S ${chains.filter}`).includes('default/web:http has no endpoints'), 10_000);
    expect(lab.get(lab.podNs('c1'), '10.96.0.10', 80, 20)).toMatch(/curl: \(7\) Failed to connect .* after \d+ ms: Couldn't connect to server/);
  });

  it.runIf(slicesServed)('a hand-written EndpointSlice makes it reachable', async () => {
    await admin.resource<EndpointSlice>('endpointslices').create(slice('web', [{ ip: '10.244.1.11', node: 'n1' }]));
    await eventually('b1 answers through the ClusterIP', () => lab.get(lab.podNs('c1'), '10.96.0.10', 80, 1).startsWith('b1 '), 10_000);
  });

  it('reports the sync on its Node: time and the resourceVersion reflected', async () => {
    const svc = await admin.services.get('web', 'default');
    const n = await eventually(
      'annotations reflecting the service',
      async () => {
        const node = await admin.nodes.get('n1');
        const rev = node.metadata.annotations?.[SYNCED_REVISION_ANNOTATION];
        return rev && BigInt(rev) >= BigInt(svc.metadata.resourceVersion!) ? node : undefined;
      },
      10_000,
    );
    expect(Date.now() - Date.parse(n.metadata.annotations![SYNCED_AT_ANNOTATION]!)).toBeLessThan(60_000);
    const metrics = (await health('/metrics')).text;
    expect(metrics).toMatch(/orch_proxy_sync_duration_seconds_count\{mode="partial"\} [1-9]/);
    expect(metrics).toMatch(/orch_proxy_last_sync_timestamp_seconds [1-9]/);
  });

  it('a deleted Service leaves no rule', async () => {
    await admin.services.delete('web', 'default');
    await eventually('its rules gone', () => !natRules().includes('default/web') && !lab.exec(lab.node, `iptables -S ${chains.filter}`).includes('default/web'), 10_000);
  });

  it('a stopped proxy leaves its rules in place; --cleanup removes all of them', async () => {
    await admin.services.create(service('kept', '10.96.0.11'));
    await eventually('kept programmed', () => lab.exec(lab.node, `iptables -S ${chains.filter}`).includes('default/kept'), 10_000);
    proxy!.kill('SIGTERM');
    await new Promise((r) => proxy!.once('exit', r));
    // A stopped proxy leaves its rules (services keep working through a restart).
    expect(lab.exec(lab.node, `iptables -S ${chains.filter}`)).toContain('default/kept');
    // Not spawnSync: the apiserver runs in this process.
    const out = await promisify(execFile)(process.execPath, [ENTRY, ...proxyArgs(), '--cleanup'], { encoding: 'utf8' });
    expect(out.stdout).toContain(`removed iptables -t nat ${chains.services} (chain)`);
    expect(out.stdout).toContain('removed iptables -t nat PREROUTING → ');
    expect(lab.exec(lab.node, 'iptables-save')).not.toContain(chains.id);
  });

  it('--proxy-mode nftables: the iptables rules of an earlier run go, the service is served by its nft table, and --cleanup removes the table', async () => {
    // Rules of an earlier iptables run of this node, as if the mode was switched.
    proxy = spawn(process.execPath, [ENTRY, ...proxyArgs(), '--port', String(healthPort), '--min-sync-period', '50ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
    await eventually('kept programmed by iptables', () => lab.exec(lab.node, `iptables -S ${chains.filter}`).includes('default/kept'), 10_000);
    proxy.kill('SIGTERM');
    await new Promise((r) => proxy!.once('exit', r));
    const table = `orch-proxy-${chains.id}`;
    proxy = spawn(process.execPath, [ENTRY, ...proxyArgs(), '--proxy-mode', 'nftables', '--port', String(healthPort), '--min-sync-period', '50ms'], { stdio: ['ignore', 'pipe', 'pipe'] });
    proxy.stderr!.on('data', (d: Buffer) => logs.push(String(d)));
    await eventually('/readyz 200 in nftables mode', async () => (await health('/readyz').catch(() => ({ status: 0 }))).status === 200, 30_000);
    expect(lab.exec(lab.node, 'iptables-save')).not.toContain(chains.id);
    expect(lab.exec(lab.node, `nft list set ip ${table} no-endpoint-services`)).toContain('10.96.0.11 . tcp . 80');
    expect(lab.get(lab.podNs('c1'), '10.96.0.11', 80, 20)).toMatch(/curl: \(7\) Failed to connect .* after \d+ ms: Couldn't connect to server/);
    if (slicesServed) {
      await admin.resource<EndpointSlice>('endpointslices').create(slice('kept', [{ ip: '10.244.1.11', node: 'n1' }]));
      await eventually('b1 answers through the ClusterIP (nftables)', () => lab.get(lab.podNs('c1'), '10.96.0.11', 80, 1).startsWith('b1 '), 10_000);
    }
    proxy.kill('SIGTERM');
    await new Promise((r) => proxy!.once('exit', r));
    const out = await promisify(execFile)(process.execPath, [ENTRY, ...proxyArgs(), '--cleanup'], { encoding: 'utf8' });
    expect(out.stdout).toContain(`removed nft table ip ${table}`);
    expect(lab.exec(lab.node, 'nft list tables')).not.toContain(table);
  });
});
