// Services through the orch CLI and kubectl v1.32, against a real apiserver over a real
// etcd: `orch expose` builds the Service `kubectl expose` builds; `orch get svc|ep|
// endpointslices` and `orch describe svc|endpointslice` print what kubectl prints (the
// server's Table; kubectl's describe layout). Services get explicit cluster IPs and node
// ports, so nothing here depends on the apiserver's allocator; the Endpoints object and
// EndpointSlice are written by hand (no controller manager runs). The server's clock is
// pinned so AGE is the same for both tools.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveResourceName } from '../../api/resources.js';
import type { Deployment, Endpoints, EndpointSlice, Pod, Service } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { realClock, type Clock } from '../../foundation/clock.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { assertBuilt } from '../helpers/orch-cli.js';

const T0 = Date.parse('2026-01-01T12:00:00Z');
let nowMs = T0;
const clock: Clock = { now: () => nowMs, sleep: realClock.sleep };

/** Registered by the EndpointSlice work of issue 15; the slice checks run once it is. */
const HAS_SLICES = Boolean(resolveResourceName('endpointslices'));

let s: TestApiServer;
let client: ApiClient;
let dir: string;

let kubectl: Clients['kubectl'];
let orch: Clients['orch'];

function deployment(name: string, selector: Deployment['spec']['selector'], ports: { containerPort: number; name?: string; protocol?: 'TCP' | 'UDP' }[]): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default', labels: { app: name, team: 'blue' } },
    spec: { replicas: 1, selector, template: { metadata: { labels: { app: name, tier: 'x' } }, spec: { containers: [{ name: 'web', image: 'orch.local/web:v1', ports }] } } },
  } as Deployment;
}

const service = (name: string, spec: Service['spec'], labels?: Record<string, string>): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) }, spec });

/** Ready 10.244.1.2, 10.244.1.3, 10.244.2.2, 10.244.2.3 and not-ready 10.244.1.9, on ports http 8080/TCP and dns 5353/UDP. */
const READY = ['10.244.1.2', '10.244.1.3', '10.244.2.2', '10.244.2.3'];

beforeAll(async () => {
  assertBuilt();
  s = await startTestApiServer({ tls: true, server: { clock } });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-svc-kubectl-'));
  ({ kubectl, orch } = cliClients(s, dir));
  client = new ApiClient({ server: s.url, token: s.token, ca: s.ca });

  nowMs = T0 - 3600_000;
  await client.deployments.create(deployment('web', { matchLabels: { app: 'web' } }, [{ containerPort: 8080, name: 'http' }]));
  await client.deployments.create(deployment('multi', { matchLabels: { app: 'multi' } }, [{ containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }]));
  await client.deployments.create(deployment('exprs', { matchLabels: { app: 'exprs' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['x'] }] }, [{ containerPort: 80 }]));
  await client.deployments.create(deployment('noports', { matchLabels: { app: 'noports' } }, []));
  await client.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'solo', namespace: 'default', labels: { app: 'solo' } }, spec: { containers: [{ name: 'a', image: 'orch.local/web:v1', ports: [{ containerPort: 7000 }] }] } } as Pod);

  // The services `get` and `describe` print, each kind of them, with fixed addresses.
  nowMs = T0 - 150_000;
  await client.services.create(
    service('front', {
      type: 'NodePort',
      clusterIP: '10.96.200.10',
      selector: { app: 'web' },
      externalTrafficPolicy: 'Local',
      sessionAffinity: 'ClientIP',
      ports: [
        { name: 'http', port: 80, targetPort: 'http', nodePort: 30980, protocol: 'TCP' },
        { name: 'dns', port: 53, targetPort: 5353, nodePort: 30953, protocol: 'UDP' },
      ],
    }, { app: 'web', tier: 'front' }),
  );
  await client.services.create(service('lb', { type: 'LoadBalancer', clusterIP: '10.96.200.11', selector: { app: 'web' }, ports: [{ port: 443, targetPort: 8443, nodePort: 30943 }] }));
  await client.services.create(service('lb-pending', { type: 'LoadBalancer', clusterIP: '10.96.200.12', selector: { app: 'web' }, ports: [{ port: 80, nodePort: 30981 }] }));
  await client.services.create(service('headless', { clusterIP: 'None', selector: { app: 'web' }, ports: [{ port: 80 }] }));
  await client.services.create(service('db', { type: 'ExternalName', externalName: 'db.example.com' }));
  await client.services.patchStatus('lb', 'default', { status: { loadBalancer: { ingress: [{ ip: '192.168.50.12' }, { ip: '192.168.50.11' }] } } });

  const addr = (ip: string) => ({ ip });
  await client.endpoints.create({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'front', namespace: 'default' },
    subsets: [{ addresses: READY.map(addr), notReadyAddresses: [addr('10.244.1.9')], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }] }],
  } as Endpoints);
  if (HAS_SLICES) {
    await client.resource<EndpointSlice>('endpointslices').create({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'front-abc12', namespace: 'default', labels: { 'kubernetes.io/service-name': 'front' } },
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }, { name: 'dns', port: 5353, protocol: 'UDP' }],
      endpoints: [
        ...READY.map((ip, i) => ({ addresses: [ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: `node-${i < 2 ? 1 : 2}`, targetRef: { kind: 'Pod', name: `web-${i}`, namespace: 'default' } })),
        { addresses: ['10.244.1.9'], conditions: { ready: false, serving: false, terminating: false }, nodeName: 'node-1' },
      ],
    });
  }
  nowMs = T0;
}, 120_000);

afterAll(async () => {
  client?.close();
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('orch expose', () => {
  test('deploy/web --port 80 --target-port 8080: the service selects the deployment\'s pods', async () => {
    const r = await orch(['expose', 'deploy/web', '--port', '80', '--target-port', '8080', '--cluster-ip', '10.96.200.20']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('service/web exposed\n');
    const svc = await client.services.get('web', 'default');
    expect(svc.metadata.labels).toEqual({ app: 'web', team: 'blue' });
    expect(svc.spec).toMatchObject({ type: 'ClusterIP', clusterIP: '10.96.200.20', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] });
  });

  test.each([
    [['deployment', 'web', '--port', '80', '--type', 'NodePort']],
    [['deployment', 'multi']],
    [['deployment', 'web', '--port', '8081', '--target-port', 'http', '--protocol', 'UDP']],
    [['pod', 'solo']],
    [['service', 'front', '--port', '81']],
  ])('the same Service as kubectl expose %j', async (args) => {
    const tag = `${args[0]}-${args[1]}-${args.length}`.replace(/[^a-z0-9-]/g, '');
    const [o, k] = await Promise.all([orch(['expose', ...args, '--name', `o-${tag}`]), kubectl(['expose', ...args, '--name', `k-${tag}`])]);
    expect(k.stdout, k.stderr).toBe(`service/k-${tag} exposed\n`);
    expect(o.stdout, o.stderr).toBe(`service/o-${tag} exposed\n`);
    const [os, ks] = await Promise.all([client.services.get(`o-${tag}`, 'default'), client.services.get(`k-${tag}`, 'default')]);
    // Allocated fields (cluster IPs, node ports) may differ; everything the client built must not.
    const built = (x: Service) => ({ labels: x.metadata.labels, selector: x.spec.selector, type: x.spec.type, ports: x.spec.ports?.map(({ nodePort: _n, ...p }) => p) });
    expect(built(os)).toEqual(built(ks));
  });

  test('dry runs store nothing; -o yaml prints the service', async () => {
    let r = await orch(['expose', 'deploy/web', '--port', '80', '--name', 'dry', '--dry-run=client', '-o', 'yaml']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('kind: Service\n');
    expect(r.stdout).toMatch(/selector:\n\s+app: web/);
    r = await orch(['expose', 'deploy/web', '--port', '80', '--name', 'dry', '--dry-run=server']);
    expect(r.stdout).toBe('service/dry exposed (server dry run)\n');
    await expect(client.services.get('dry', 'default')).rejects.toThrow(/not found/);
  });

  test('clear errors: no such object, matchExpressions, no ports, a kind that cannot be exposed, a server-side refusal', async () => {
    const cases: [string[], string][] = [
      [['deploy/nope', '--port', '80'], 'Error from server (NotFound): deployments.apps "nope" not found\n'],
      [['deploy/exprs'], 'error: cannot expose deployment "exprs": its selector has matchExpressions (tier In (x)), which a Service selector (labels only) cannot express; pass --selector key=value\n'],
      [['deploy/noports'], 'error: cannot expose deployment "noports": it declares no ports (containerPort) and --port was not given; pass --port N (and --target-port)\n'],
      [['cm/settings'], 'error: cannot expose a ConfigMap: use one of deployment, replicaset, pod, service\n'],
      [['deploy/web', '--port', '80', '--name', 'bad', '--cluster-ip', '300.1.1.1'], ''],
    ];
    for (const [args, stderr] of cases) {
      const r = await orch(['expose', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stdout).toBe('');
      if (stderr) expect(r.stderr).toBe(stderr);
      else expect(r.stderr).toMatch(/^Error from server \(Invalid\): .*spec\.clusterIP/);
    }
  });
});

describe('get: orch prints what kubectl prints', () => {
  test.each([[['get', 'svc', 'front', 'lb', 'lb-pending', 'headless', 'db']], [['get', 'svc', 'front', 'lb', 'lb-pending', 'headless', 'db', '-o', 'wide']], [['get', 'endpoints', 'front']]])('%j', async (args) => {
    const [o, k] = await Promise.all([orch(args), kubectl(args)]);
    expect(k.code, k.stderr).toBe(0);
    expect(o.code, o.stderr).toBe(0);
    expect(o.stdout).toBe(k.stdout);
  });

  test('the cells are kubectl\'s rules: PORT(S), EXTERNAL-IP for each type, ENDPOINTS', async () => {
    const o = await orch(['get', 'svc', 'front', 'lb', 'lb-pending', 'headless', 'db', '-o', 'wide']);
    expect(o.stdout.split('\n')).toEqual([
      'NAME         TYPE           CLUSTER-IP     EXTERNAL-IP                   PORT(S)                     AGE     SELECTOR',
      'front        NodePort       10.96.200.10   <none>                        80:30980/TCP,53:30953/UDP   2m30s   app=web',
      'lb           LoadBalancer   10.96.200.11   192.168.50.11,192.168.50.12   443:30943/TCP               2m30s   app=web',
      'lb-pending   LoadBalancer   10.96.200.12   <pending>                     80:30981/TCP                2m30s   app=web',
      'headless     ClusterIP      None           <none>                        80/TCP                      2m30s   app=web',
      'db           ExternalName   <none>         db.example.com                <none>                      2m30s   <none>',
      '',
    ]);
    const e = await orch(['get', 'ep', 'front']);
    expect(e.stdout).toBe('NAME    ENDPOINTS                                                     AGE\nfront   10.244.1.2:8080,10.244.1.3:8080,10.244.2.2:8080 + 5 more...   2m30s\n');
  });

  test.runIf(HAS_SLICES)('get endpointslices / endpointslice', async () => {
    for (const args of [['get', 'endpointslices'], ['get', 'endpointslice', 'front-abc12', '-o', 'wide']]) {
      const [o, k] = await Promise.all([orch(args), kubectl(args)]);
      expect(k.code, k.stderr).toBe(0);
      expect(o.stdout).toBe(k.stdout);
    }
    const o = await orch(['get', 'endpointslices']);
    expect(o.stdout).toBe('NAME          ADDRESSTYPE   PORTS       ENDPOINTS                                      AGE\nfront-abc12   IPv4          8080,5353   10.244.1.2,10.244.1.3,10.244.2.2 + 2 more...   2m30s\n');
  });
});

describe('describe: orch prints what kubectl prints', () => {
  const withoutEndpoints = (text: string) => text.replace(/^Endpoints:.*$/gm, 'Endpoints: -');

  test('describe svc front: every field, aligned; Endpoints per port, ready addresses only', async () => {
    const [o, k] = await Promise.all([orch(['describe', 'svc', 'front']), kubectl(['describe', 'svc', 'front'])]);
    expect(k.code, k.stderr).toBe(0);
    expect(o.code, o.stderr).toBe(0);
    // kubectl v1.32 reads the Service's EndpointSlices; orch too, or its Endpoints object where there are none.
    if (HAS_SLICES) expect(o.stdout).toBe(k.stdout);
    else expect(withoutEndpoints(o.stdout)).toBe(withoutEndpoints(k.stdout));
    const lines = o.stdout.split('\n');
    expect(lines.slice(0, 6)).toEqual([
      'Name:                     front',
      'Namespace:                default',
      'Labels:                   app=web',
      '                          tier=front',
      'Annotations:              <none>',
      'Selector:                 app=web',
    ]);
    expect(lines.filter((l) => /^(Port|TargetPort|NodePort|Endpoints|Session Affinity|External Traffic Policy|Events):/.test(l))).toEqual([
      'Port:                     http  80/TCP',
      'TargetPort:               http/TCP',
      'NodePort:                 http  30980/TCP',
      'Endpoints:                10.244.1.2:8080,10.244.1.3:8080,10.244.2.2:8080 + 1 more...',
      'Port:                     dns  53/UDP',
      'TargetPort:               5353/UDP',
      'NodePort:                 dns  30953/UDP',
      'Endpoints:                10.244.1.2:5353,10.244.1.3:5353,10.244.2.2:5353 + 1 more...',
      'Session Affinity:         ClientIP',
      'External Traffic Policy:  Local',
      'Events:                   <none>',
    ]);
    expect(o.stdout).toMatch(/^IP:\s+10\.96\.200\.10$/m);
  });

  test.each([['lb'], ['headless'], ['db']])('describe svc %s', async (name) => {
    const [o, k] = await Promise.all([orch(['describe', 'svc', name]), kubectl(['describe', 'svc', name])]);
    expect(k.code, k.stderr).toBe(0);
    expect(o.stdout).toBe(k.stdout);
    if (name === 'lb') expect(o.stdout).toMatch(/^LoadBalancer Ingress:\s+192\.168\.50\.12, 192\.168\.50\.11$/m);
    if (name === 'db') expect(o.stdout).toMatch(/^External Name:\s+db\.example\.com$/m);
  });

  test.runIf(HAS_SLICES)('describe endpointslice', async () => {
    const [o, k] = await Promise.all([orch(['describe', 'endpointslice', 'front-abc12']), kubectl(['describe', 'endpointslice', 'front-abc12'])]);
    expect(k.code, k.stderr).toBe(0);
    expect(o.stdout).toBe(k.stdout);
    expect(o.stdout).toContain('  - Addresses:  10.244.1.2\n    Conditions:\n      Ready:    true\n');
  });
});
