// Pod DNS against a real dockerd, apiserver and etcd: the agent writes each pod's
// resolv.conf and mounts it on the sandbox; the test reads /etc/resolv.conf from inside an
// app container (busybox cat), as the pod's processes see it. The pod network is a
// Docker network this test creates (the stand-in agent-sandbox.test.ts uses), so Docker
// would otherwise give the pod its embedded resolver (nameserver 127.0.0.11). Last, the
// cluster DNS component (proxy/dns, as `orch proxy` runs it) listens on that network's
// gateway and a pod looks names up through it with busybox nslookup: the real path from
// a pod's namespace over the bridge to the host socket, no DNAT.

import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../api/types.js';
import { createLogger } from '../../foundation/logger.js';
import { ApiClient } from '../../client/rest-client.js';
import { Agent } from '../../agent/agent.js';
import { DockerRuntime } from '../../agent/runtime/docker-runtime.js';
import { StaticPodNetwork } from '../../agent/testing/static-pod-network.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { allowPrivilegedPods } from '../helpers/pod-security.js';
import { TEST_PAUSE_IMAGE } from '../helpers/images.js';
import { docker, podManifest, removeAgentDir, removeContainersWith, waitFor } from './agent-helpers.js';
import { createDnsComponent } from '../../proxy/dns/dns-component.js';
import { ManualSource, service } from '../../proxy/dns/testing/objects.js';
import type { EndpointSlice, Service } from '../../api/types.js';
import { silentLogger } from '../../foundation/logger.js';

const execFileAsync = promisify(execFile);
const RUN = crypto.randomBytes(3).toString('hex');
const NODE = `h15-dns-${RUN}`;
const NETWORK = `h15-dns-${RUN}`;

let api: TestApiServer;
let admin: ApiClient;
let root: string;
let agent: Agent | undefined;
let gateway: string;

function createNetwork(): string {
  for (let i = 0; ; i++) {
    const n = crypto.randomInt(1, 255);
    try {
      docker('network', 'create', '--label', `h15-dns=${RUN}`, '--subnet', `10.252.${n}.0/24`, NETWORK);
      return `10.252.${n}.0/24`;
    } catch (err) {
      if (i >= 5) throw err;
    }
  }
}

const sleeper = { name: 'app', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent' as const, command: ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done'] };

/** /etc/resolv.conf as the pod's app container sees it, once the pod runs (without the last newline). */
async function resolvConfOf(name: string, ns = 'default'): Promise<string> {
  const p = await waitFor(`pod ${name} running`, async () => {
    const pod = await admin.pods.get(name, ns);
    return pod.status?.containerStatuses?.[0]?.state.running ? pod : undefined;
  }, 60_000);
  const id = p.status!.containerStatuses![0]!.containerID!.replace('docker://', '');
  return docker('exec', id, 'cat', '/etc/resolv.conf');
}

async function run(name: string, spec: Partial<Pod['spec']>, ns = 'default'): Promise<string> {
  const pod = podManifest(name, NODE, { containers: [sleeper], ...spec });
  pod.metadata.namespace = ns;
  await admin.pods.create(pod);
  return resolvConfOf(name, ns);
}

beforeAll(async () => {
  docker('image', 'inspect', TEST_PAUSE_IMAGE);
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'h15-dns-'));
  const cidr = createNetwork();
  gateway = cidr.replace(/0\/24$/, '1');
  // The "host" resolver configuration the pods' is based on (this machine's is left alone).
  fs.writeFileSync(path.join(root, 'host-resolv.conf'), 'nameserver 192.0.2.53\nnameserver 127.0.0.53\nsearch corp.example\noptions timeout:2');
  api = await startTestApiServer({ nodeNames: [NODE] });
  admin = new ApiClient({ server: api.url, token: api.token });
  // hostPath / hostPort / hostNetwork pods: this suite tests the agent, not Pod Security.
  await allowPrivilegedPods(admin);
  await admin.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
  const logger = createLogger('agent', process.env.ORCH_TEST_LOG ?? 'silent');
  agent = new Agent({
    nodeName: NODE,
    client: new ApiClient({ server: api.url, token: api.nodeTokens[NODE] }, { logger }),
    runtime: new DockerRuntime({ logger }),
    logger,
    nodeIP: '127.0.0.1',
    rootDir: path.join(root, 'agent'),
    resyncIntervalMs: 2000,
    logPort: 0,
    logHost: '127.0.0.1',
    logInsecure: true,
    podInfraContainerImage: TEST_PAUSE_IMAGE,
    podNetwork: new StaticPodNetwork({ ready: true, dockerNetwork: NETWORK, podCIDRs: [cidr], mtu: 1500 }),
    resolvConfPath: path.join(root, 'host-resolv.conf'),
  });
  await agent.start();
  await agent.waitForSync();
});

afterAll(async () => {
  await agent?.stop().catch(() => undefined);
  removeContainersWith({ 'orch.io/node': NODE });
  try {
    docker('network', 'rm', NETWORK);
  } catch {
    /* never created */
  }
  await api?.stop();
  if (root) removeAgentDir(root);
});

describe('pod DNS (real Docker)', () => {
  it('ClusterFirst (default): the node pod gateway, the namespace search list, ndots:5', async () => {
    expect(await run('cf', {}, 'team-a')).toBe(`search team-a.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver ${gateway}\noptions ndots:5`);
  });

  it('Default: the host resolvers a pod can reach (its loopback stub left out)', async () => {
    expect(await run('dflt', { dnsPolicy: 'Default' })).toBe('search corp.example\nnameserver 192.0.2.53\noptions timeout:2');
  });

  it('None: only dnsConfig', async () => {
    const conf = await run('none', { dnsPolicy: 'None', dnsConfig: { nameservers: ['9.9.9.9'], searches: ['a.example'], options: [{ name: 'ndots', value: '1' }, { name: 'edns0' }] } });
    expect(conf).toBe('search a.example\nnameserver 9.9.9.9\noptions ndots:1 edns0');
  });

  it('ClusterFirstWithHostNet on a hostNetwork pod: the cluster DNS in the container itself', async () => {
    expect(await run('hostnet', { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' })).toBe(`search default.svc.cluster.local svc.cluster.local cluster.local corp.example\nnameserver ${gateway}\noptions ndots:5`);
  });
});

describe('a pod resolves through the cluster DNS on its node pod gateway (no DNAT)', () => {
  it('short and full service names from a ClusterFirst pod; NXDOMAIN for a missing one', async () => {
    const services = new ManualSource<Service>();
    services.set(service('team-a', 'web', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'] }));
    // What `orch proxy` runs: the DNS component on port 53 of the pod gateway.
    const dns = createDnsComponent({ services, endpointSlices: new ManualSource<EndpointSlice>(), listenAddresses: [gateway], upstreams: [], logger: silentLogger() });
    await dns.start({ logger: silentLogger(), signal: new AbortController().signal, fail: () => undefined });
    try {
      await waitFor('DNS listening on the gateway', async () => (await dns.ready!()) === undefined);
      await run('client', {}, 'team-a');
      const p = await admin.pods.get('client', 'team-a');
      const id = p.status!.containerStatuses![0]!.containerID!.replace('docker://', '');
      // Asynchronously: the server answers from this very process, whose event loop a
      // synchronous docker exec would block. busybox nslookup tries every search domain
      // and exits 1 when any of them fails, so its output is what counts.
      const nslookup = (name: string) =>
        execFileAsync('docker', ['exec', id, 'nslookup', name]).then(
          (r) => r.stdout,
          (err: { stdout?: string }) => err.stdout ?? '',
        );
      expect(await nslookup('web.team-a.svc.cluster.local')).toMatch(/Name:\s+web\.team-a\.svc\.cluster\.local\s+Address:\s+10\.96\.0\.10/);
      // The short name through the pod's search list: its namespace's domain comes first.
      const short = await nslookup('web');
      expect(short).toMatch(/Name:\s+web\.team-a\.svc\.cluster\.local\s+Address:\s+10\.96\.0\.10/);
      expect(short).toContain("can't find web.svc.cluster.local: NXDOMAIN");
      const missing = await nslookup('nope.team-a.svc.cluster.local');
      expect(missing).toContain("can't find nope.team-a.svc.cluster.local: NXDOMAIN");
      expect(missing).not.toContain('Address: 10.');
    } finally {
      await dns.stop();
    }
  });
});
