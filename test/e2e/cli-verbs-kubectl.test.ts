// Every everyday verb through the built `orch` and through kubectl v1.32, against one real
// apiserver over a real etcd: each tool works in its own namespace (or on its own node) on
// identical objects, then the stored objects are compared with what differs by nature
// (namespace, uid, resourceVersion, timestamps, allocated IPs and ports) left out. The
// messages each prints are compared too. No scheduler, controllers or agents run: pods
// stay unbound, so deleting them is immediate.

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { KubeObject, Node, Pod } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { assertBuilt, runOrch, type RunResult } from '../helpers/orch-cli.js';

let s: TestApiServer;
let client: ApiClient;
let dir: string;
let clients: Clients;

/** The orch side works in namespace "o" (node "o-node"), kubectl's in "k" ("k-node"). */
const SIDES = { orch: 'o', kubectl: 'k' } as const;
type Side = keyof typeof SIDES;

function ok(r: RunResult): RunResult {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return r;
}

/** Runs the same arguments through both tools, each in its namespace; `{node}` becomes its node. */
async function both(args: string[], opts: { expectCode?: number; namespaced?: boolean } = {}): Promise<Record<Side, RunResult>> {
  const out = {} as Record<Side, RunResult>;
  for (const side of ['orch', 'kubectl'] as Side[]) {
    const a = args.map((x) => x.replaceAll('{node}', `${SIDES[side]}-node`));
    // Flags go before a `--` (after it everything is the container's command).
    const dash = a.indexOf('--') < 0 ? a.length : a.indexOf('--');
    const flags = [...(opts.namespaced === false ? [] : ['-n', SIDES[side]]), ...(side === 'orch' ? clients.orchArgs : clients.kubectlArgs)];
    const full = [...a.slice(0, dash), ...flags, ...a.slice(dash)];
    const r = side === 'orch' ? await runOrch(full, { env: { ORCH_HOME: dir } }) : await kubectlRaw(full);
    if (opts.expectCode !== undefined) {
      if (r.code !== opts.expectCode) throw new Error(`${side} ${full.join(' ')}: exit ${r.code}, expected ${opts.expectCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
    } else ok(r);
    out[side] = r;
  }
  return out;
}

/** kubectl with the test's arguments already in `args`. */
function kubectlRaw(args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile('kubectl', args, { timeout: 60_000, env: { ...process.env, KUBECONFIG: path.join(dir, 'none') } }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Empty maps, lists and nulls dropped: kubectl sends `resources: {}`, `creationTimestamp: null`, and orch stores what it is sent. */
function prune(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(prune);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    const p = prune(x);
    if (p === null || p === undefined) continue;
    if (typeof p === 'object' && !Array.isArray(p) && Object.keys(p).length === 0) continue;
    out[k] = p;
  }
  return out;
}

const VOLATILE_META = ['namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** The object without what differs by nature between two copies. */
function normalize(o: KubeObject): unknown {
  const c = JSON.parse(JSON.stringify(o)) as KubeObject & { spec?: Record<string, unknown> };
  for (const k of VOLATILE_META) delete (c.metadata as Record<string, unknown>)[k];
  if (c.kind === 'Service' && c.spec) {
    delete c.spec.clusterIP;
    delete c.spec.clusterIPs;
    for (const p of (c.spec.ports ?? []) as { nodePort?: number }[]) delete p.nodePort;
  }
  if (c.kind === 'Namespace' && c.metadata.labels) delete c.metadata.labels['kubernetes.io/metadata.name'];
  return prune(c);
}

async function stored(plural: string, name: string, side: Side, clusterScoped = false): Promise<KubeObject> {
  return client.resource(plural).get(clusterScoped ? name.replaceAll('{side}', SIDES[side]) : name, clusterScoped ? undefined : SIDES[side]);
}

async function expectSameStored(plural: string, name: string, clusterScoped = false): Promise<KubeObject> {
  const [o, k] = [await stored(plural, name, 'orch', clusterScoped), await stored(plural, name, 'kubectl', clusterScoped)];
  const norm = (x: KubeObject) => {
    const n = normalize(x) as KubeObject;
    if (clusterScoped) n.metadata.name = name;
    return n;
  };
  expect(norm(o)).toEqual(norm(k));
  return o;
}

const pod = (name: string, ns: string, labels: Record<string, string> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: ns, labels },
  spec: { containers: [{ name: 'web', image: 'orch.local/web:v1' }] },
});

beforeAll(async () => {
  assertBuilt();
  s = await startTestApiServer({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'h17-cli-verbs-'));
  clients = cliClients(s, dir);
  client = new ApiClient({ server: s.url, token: s.token, ca: s.ca });
  for (const ns of Object.values(SIDES)) {
    await client.namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await client.nodes.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: `${ns}-node`, labels: { pool: 'a' } }, spec: {} } as Node);
  }
}, 60_000);

afterAll(async () => {
  client?.close();
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('create generators store what kubectl create stores', () => {
  test.each([
    ['deployment', ['create', 'deployment', 'web', '--image=orch.local/web:v1', '--replicas=3', '--port=8080'], 'deployments', 'web', 'deployment.apps/web created'],
    ['deployment with two images', ['create', 'deployment', 'two', '--image=orch.local/web:v1', '--image=busybox:1.36'], 'deployments', 'two', 'deployment.apps/two created'],
    ['deployment with a command', ['create', 'deployment', 'cmd', '--image=busybox:1.36', '--', 'sleep', '3600'], 'deployments', 'cmd', 'deployment.apps/cmd created'],
    ['service clusterip', ['create', 'service', 'clusterip', 'cip', '--tcp=80:8080', '--tcp=443'], 'services', 'cip', 'service/cip created'],
    ['headless service', ['create', 'service', 'clusterip', 'headless', '--clusterip=None'], 'services', 'headless', 'service/headless created'],
    ['service nodeport', ['create', 'service', 'nodeport', 'np', '--tcp=80:http'], 'services', 'np', 'service/np created'],
    ['service loadbalancer', ['create', 'service', 'loadbalancer', 'lb', '--tcp=80:8080'], 'services', 'lb', 'service/lb created'],
    ['configmap', ['create', 'configmap', 'cm', '--from-literal=a=1', '--from-literal=b=two words'], 'configmaps', 'cm', 'configmap/cm created'],
    ['secret generic', ['create', 'secret', 'generic', 'sec', '--from-literal=user=admin', '--from-literal=pw=s3cr=t'], 'secrets', 'sec', 'secret/sec created'],
  ])('%s', async (_what, args, plural, name, message) => {
    const r = await both(args);
    expect(r.orch.stdout.trim()).toBe(message);
    expect(r.kubectl.stdout.trim()).toBe(message);
    await expectSameStored(plural, name);
  });

  test('configmap and secret from files, a directory and an env file', async () => {
    const d = path.join(dir, 'data');
    fs.mkdirSync(path.join(d, 'dir'), { recursive: true });
    fs.writeFileSync(path.join(d, 'dir', 'one.txt'), 'first\n');
    fs.writeFileSync(path.join(d, 'dir', 'two.conf'), 'second');
    fs.writeFileSync(path.join(d, 'app.env'), '# comment\nLEVEL=debug\n\nMODE=fast\n');
    fs.writeFileSync(path.join(d, 'bin'), Buffer.from([0xff, 0xfe, 0x00, 0x01]));
    await both(['create', 'configmap', 'files', `--from-file=${path.join(d, 'dir')}`, `--from-file=renamed=${path.join(d, 'app.env')}`, `--from-file=${path.join(d, 'bin')}`]);
    const cm = (await expectSameStored('configmaps', 'files')) as KubeObject & { data: Record<string, string>; binaryData: Record<string, string> };
    expect(Object.keys(cm.data).sort()).toEqual(['one.txt', 'renamed', 'two.conf']);
    expect(cm.binaryData.bin).toBe(Buffer.from([0xff, 0xfe, 0x00, 0x01]).toString('base64'));
    await both(['create', 'secret', 'generic', 'envsec', `--from-env-file=${path.join(d, 'app.env')}`]);
    await expectSameStored('secrets', 'envsec');
  });

  test('namespace', async () => {
    for (const side of ['orch', 'kubectl'] as Side[]) {
      const r = ok(await clients[side](['create', 'namespace', `ns-${SIDES[side]}`]));
      expect(r.stdout.trim()).toBe(`namespace/ns-${SIDES[side]} created`);
    }
    await expectSameStored('namespaces', 'ns-{side}', true);
  });

  test('bad input: the same refusals', async () => {
    const o = await clients.orch(['create', 'service', 'clusterip', 'x', '-n', 'o']);
    expect(o.code).toBe(1);
    expect(o.stderr).toMatch(/at least one tcp port specifier must be provided/);
    const both2 = await clients.orch(['create', 'deployment', 'x', '--image=a', '--image=b', '-n', 'o', '--', 'sleep', '1']);
    expect(both2.stderr).toMatch(/cannot specify multiple --image options and command/);
    const dup = await clients.orch(['create', 'configmap', 'x', '--from-literal=a=1', '--from-literal=a=2', '-n', 'o']);
    expect(dup.stderr).toMatch(/cannot add key "a", another key by that name already exists/);
    expect((await clients.orch(['create', 'configmap', 'x', '--from-file=/nonexistent/zz', '-n', 'o'])).stderr).toMatch(/error reading \/nonexistent\/zz/);
  });
});

describe('run and expose', () => {
  test('run stores the pod kubectl run stores', async () => {
    const r = await both(['run', 'runner', '--image=busybox:1.36', '--port=8080', '--env=A=1', '--env=B=two', '--restart=Never', '--labels=app=r,tier=t', '--', 'sh', '-c', 'echo hi']);
    expect(r.orch.stdout.trim()).toBe('pod/runner created');
    expect(r.kubectl.stdout.trim()).toBe('pod/runner created');
    await expectSameStored('pods', 'runner');
    await both(['run', 'cmd', '--image=busybox:1.36', '--command', '--', 'sleep', '10']);
    await expectSameStored('pods', 'cmd');
  });

  test('expose the created deployment', async () => {
    await both(['expose', 'deployment', 'web', '--port=80', '--target-port=8080']);
    await expectSameStored('services', 'web');
  });
});

describe('label and annotate', () => {
  beforeAll(async () => {
    for (const ns of Object.values(SIDES)) {
      await client.pods.create(pod('p1', ns, { app: 'lab', keep: 'yes' }));
      await client.pods.create(pod('p2', ns, { app: 'lab' }));
    }
  });

  test('set, overwrite, remove; by name, -l and --all', async () => {
    let r = await both(['label', 'pods', 'p1', 'tier=front', 'env=dev']);
    expect(r.orch.stdout).toBe(r.kubectl.stdout);
    expect(r.orch.stdout.trim()).toBe('pod/p1 labeled');
    await expectSameStored('pods', 'p1');

    const refused = await both(['label', 'pods', 'p1', 'tier=back'], { expectCode: 1 });
    expect(refused.orch.stderr).toMatch(/'tier' already has a value \(front\), and --overwrite is false/);
    expect(refused.kubectl.stderr).toMatch(/'tier' already has a value \(front\), and --overwrite is false/);

    r = await both(['label', 'pod/p1', 'tier=back', 'env-', '--overwrite']);
    expect(r.orch.stdout).toBe(r.kubectl.stdout);
    r = await both(['label', 'pods', 'p1', 'env-', 'tier-']);
    expect(r.orch.stdout).toBe(r.kubectl.stdout);
    expect(r.orch.stdout.trim().split('\n')).toEqual(['label "env" not found.', 'pod/p1 unlabeled']);
    await expectSameStored('pods', 'p1');

    r = await both(['label', 'pods', '-l', 'app=lab', 'sel=yes']);
    expect(r.orch.stdout).toBe(r.kubectl.stdout);
    r = await both(['label', 'pods', '--all', 'every=1']);
    expect(r.orch.stdout).toBe(r.kubectl.stdout);
    await expectSameStored('pods', 'p1');
    await expectSameStored('pods', 'p2');
  });

  test('annotate', async () => {
    let r = await both(['annotate', 'pods', 'p1', 'note=hello world', 'owner=team-a']);
    expect(r.orch.stdout).toBe(r.kubectl.stdout);
    expect(r.orch.stdout.trim()).toBe('pod/p1 annotated');
    r = await both(['annotate', 'pods', 'p1', 'note=changed', '--overwrite']);
    expect(r.orch.stdout).toBe(r.kubectl.stdout);
    r = await both(['annotate', 'pods', 'p1', 'owner-']);
    expect(r.orch.stdout).toBe(r.kubectl.stdout);
    await expectSameStored('pods', 'p1');
  });
});

describe('patch', () => {
  test.each([
    ['strategic', ['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"orch.local/web:v2"}]}}}}']],
    ['merge', ['patch', 'deployment', 'web', '--type', 'merge', '-p', '{"spec":{"replicas":5},"metadata":{"labels":{"patched":"merge"}}}']],
    ['json', ['patch', 'deployment/web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":2},{"op":"add","path":"/metadata/annotations","value":{"j":"1"}}]']],
  ])('%s', async (_type, args) => {
    const r = await both(args);
    expect(r.orch.stdout.trim()).toBe('deployment.apps/web patched');
    expect(r.orch.stdout).toBe(r.kubectl.stdout);
    await expectSameStored('deployments', 'web');
  });

  test('a patch that changes nothing, and one from a file', async () => {
    const r = await both(['patch', 'deployment', 'web', '--type', 'merge', '-p', '{"spec":{"replicas":2}}']);
    expect(r.orch.stdout.trim()).toBe('deployment.apps/web patched (no change)');
    expect(r.orch.stdout).toBe(r.kubectl.stdout);
    const file = path.join(dir, 'patch.yaml');
    fs.writeFileSync(file, 'spec:\n  replicas: 4\n');
    await both(['patch', 'deployment', 'web', '--type', 'merge', '--patch-file', file]);
    await expectSameStored('deployments', 'web');
  });
});

describe('nodes: cordon, uncordon, taint', () => {
  test('cordon and uncordon', async () => {
    let r = await both(['cordon', '{node}'], { namespaced: false });
    expect(r.orch.stdout.trim()).toBe('node/o-node cordoned');
    expect(r.kubectl.stdout.trim()).toBe('node/k-node cordoned');
    await expectSameStored('nodes', '{side}-node', true);
    r = await both(['cordon', '{node}'], { namespaced: false });
    expect(r.orch.stdout.trim()).toBe('node/o-node already cordoned');
    expect(r.kubectl.stdout.trim()).toBe('node/k-node already cordoned');
    r = await both(['uncordon', '{node}'], { namespaced: false });
    expect(r.orch.stdout.trim()).toBe('node/o-node uncordoned');
    expect(r.kubectl.stdout.trim()).toBe('node/k-node uncordoned');
    await expectSameStored('nodes', '{side}-node', true);
  });

  test('taint: add, overwrite, remove by key and effect, remove by key', async () => {
    let r = await both(['taint', 'nodes', '{node}', 'dedicated=db:NoSchedule', 'gpu:PreferNoSchedule'], { namespaced: false });
    expect(r.orch.stdout.trim()).toBe('node/o-node tainted');
    expect(r.kubectl.stdout.trim()).toBe('node/k-node tainted');
    await expectSameStored('nodes', '{side}-node', true);
    const refused = await both(['taint', 'nodes', '{node}', 'dedicated=web:NoSchedule'], { namespaced: false, expectCode: 1 });
    expect(refused.orch.stderr).toMatch(/already has dedicated taint\(s\) with same effect\(s\) and --overwrite is false/);
    r = await both(['taint', 'nodes', '{node}', 'dedicated=web:NoSchedule', '--overwrite'], { namespaced: false });
    await expectSameStored('nodes', '{side}-node', true);
    r = await both(['taint', 'nodes', '{node}', 'gpu:PreferNoSchedule-', 'extra=1:NoSchedule'], { namespaced: false });
    expect(r.orch.stdout.trim()).toBe('node/o-node modified');
    expect(r.kubectl.stdout.trim()).toBe('node/k-node modified');
    r = await both(['taint', 'nodes', '{node}', 'dedicated-', 'extra-'], { namespaced: false });
    expect(r.orch.stdout.trim()).toBe('node/o-node untainted');
    await expectSameStored('nodes', '{side}-node', true);
    const missing = await both(['taint', 'nodes', '{node}', 'nope-'], { namespaced: false, expectCode: 1 });
    expect(missing.orch.stderr).toMatch(/taint "nope" not found/);
    expect(missing.kubectl.stderr).toMatch(/taint "nope" not found/);
  });
});

describe('wait', () => {
  test('condition, jsonpath and delete, with a timeout that fails', async () => {
    for (const ns of Object.values(SIDES)) await client.pods.create(pod('w1', ns, { app: 'wait' }));
    const timedOut = await both(['wait', 'pod/w1', '--for=condition=Ready', '--timeout=1s'], { expectCode: 1 });
    expect(timedOut.orch.stderr).toMatch(/timed out waiting for the condition on pods\/w1/);
    expect(timedOut.kubectl.stderr).toMatch(/timed out waiting for the condition on pods\/w1/);

    const ready = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] };
    const pending = Object.values(SIDES).map(async (ns) => {
      await new Promise((r) => setTimeout(r, 1500));
      await client.pods.patchStatus('w1', ns, { status: ready });
    });
    const r = await both(['wait', 'pods', '-l', 'app=wait', '--for=condition=Ready', '--timeout=30s']);
    await Promise.all(pending);
    expect(r.orch.stdout.trim()).toBe('pod/w1 condition met');
    expect(r.orch.stdout).toBe(r.kubectl.stdout);
    const jp = await both(['wait', 'pod/w1', '--for=jsonpath={.status.phase}=Running', '--timeout=5s']);
    expect(jp.orch.stdout).toBe(jp.kubectl.stdout);
    const notReady = await both(['wait', 'pod/w1', '--for=condition=Ready=false', '--timeout=1s'], { expectCode: 1 });
    expect(notReady.orch.stderr).toMatch(/timed out/);

    // Each tool waits while its pod is deleted under it (a pod already gone: nothing printed by either).
    const del = {} as Record<Side, RunResult>;
    for (const side of ['orch', 'kubectl'] as Side[]) {
      const waiting = clients[side](['wait', 'pod/w1', '--for=delete', '--timeout=30s', '-n', SIDES[side]]);
      // Time for the tool to start and read the pod (a slow start only makes this test fail, never pass wrongly).
      await new Promise((r) => setTimeout(r, 4000));
      await client.pods.delete('w1', SIDES[side], { gracePeriodSeconds: 0 });
      del[side] = ok(await waiting);
    }
    expect(del.orch.stdout.trim()).toBe('pod/w1 condition met');
    expect(del.orch.stdout).toBe(del.kubectl.stdout);
    const gone = await both(['wait', 'pod/w1', '--for=delete', '--timeout=5s']);
    expect(gone.orch.stdout).toBe(gone.kubectl.stdout);
  });
});

describe('edit with a scripted editor', () => {
  test('a change is saved, no change is cancelled, an invalid change reopens with the error', async () => {
    const editor = path.join(dir, 'editor.sh');
    fs.writeFileSync(editor, '#!/bin/sh\nsed -i "s/^  replicas: .*/  replicas: 7/" "$1"\n', { mode: 0o755 });
    process.env.KUBE_EDITOR = editor;
    try {
      const r = await both(['edit', 'deployment', 'web']);
      expect(r.orch.stdout.trim()).toBe('deployment.apps/web edited');
      expect(r.kubectl.stdout.trim()).toBe('deployment.apps/web edited');
      await expectSameStored('deployments', 'web');

      fs.writeFileSync(editor, '#!/bin/sh\ntrue\n', { mode: 0o755 });
      const same = await both(['edit', 'deployment', 'web']);
      expect(same.orch.stdout.trim()).toBe('Edit cancelled, no changes made.');

      // An invalid value: the editor sees the error the second time and gives up (saves it unchanged).
      const log = path.join(dir, 'edit-log');
      fs.writeFileSync(editor, `#!/bin/sh\ncat "$1" >> ${log}\nsed -i "s/^  replicas: .*/  replicas: -1/" "$1"\n`, { mode: 0o755 });
      const bad = await clients.orch(['edit', 'deployment', 'web', '-n', 'o']);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/Edit cancelled, no valid changes were saved/);
      const seen = fs.readFileSync(log, 'utf8');
      expect(seen).toMatch(/# deployments "web" was not valid:\n# \* spec\.replicas: .*greater than or equal to 0/);
      expect((await client.deployments.get('web', 'o')).spec.replicas).toBe(7);
    } finally {
      delete process.env.KUBE_EDITOR;
    }
  });
});

describe('diff', () => {
  test('no difference: exit 0 and nothing printed; a difference: exit 1 and the same diff as kubectl', async () => {
    const manifest = (ns: string, value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: difftest\n  namespace: ${ns}\ndata:\n  key: ${value}\n`;
    for (const [side, ns] of Object.entries(SIDES)) {
      fs.writeFileSync(path.join(dir, `diff-${side}.yaml`), manifest(ns, 'one'));
      ok(await clients[side as Side](['apply', '-f', path.join(dir, `diff-${side}.yaml`)]));
    }
    for (const side of ['orch', 'kubectl'] as Side[]) {
      const same = await clients[side](['diff', '-f', path.join(dir, `diff-${side}.yaml`)]);
      expect([side, same.code, same.stdout]).toEqual([side, 0, '']);
      fs.writeFileSync(path.join(dir, `diff-${side}.yaml`), manifest(SIDES[side], 'two'));
    }
    const [o, k] = [await clients.orch(['diff', '-f', path.join(dir, 'diff-orch.yaml')]), await clients.kubectl(['diff', '-f', path.join(dir, 'diff-kubectl.yaml')])];
    expect(o.code).toBe(1);
    expect(k.code).toBe(1);
    const changes = (out: string) => out.split('\n').filter((l) => /^[-+] /.test(l) || /^[-+]\s+\w/.test(l)).filter((l) => !/resourceVersion|generation|last-applied|namespace/.test(l));
    expect(changes(o.stdout)).toEqual(changes(k.stdout));
    expect(changes(o.stdout)).toEqual(['-  key: one', '+  key: two']);
    const bad = await clients.orch(['diff', '-f', path.join(dir, 'missing.yaml')]);
    expect(bad.code).toBe(2);
  });
});

describe('delete', () => {
  test('-l and --all, waiting by default', async () => {
    for (const ns of Object.values(SIDES)) {
      for (const n of ['d1', 'd2', 'd3']) await client.configmaps.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: ns, labels: { del: n === 'd3' ? 'no' : 'yes' } } } as KubeObject as never);
    }
    let r = await both(['delete', 'configmaps', '-l', 'del=yes']);
    expect(r.orch.stdout).toBe(r.kubectl.stdout);
    expect(r.orch.stdout.trim().split('\n')).toEqual(['configmap "d1" deleted', 'configmap "d2" deleted']);
    r = await both(['delete', 'pods', '--all']);
    expect(r.orch.stdout).toBe(r.kubectl.stdout);
    expect((await client.pods.list({ namespace: 'o' })).items).toEqual([]);
    const none = await both(['delete', 'pods', '--all']);
    expect(none.orch.stderr.trim()).toBe(none.kubectl.stderr.trim());
  });
});
