// kubectl v1.32's generator commands send protobuf bodies (its typed clients); orch must
// store from them exactly what it stores from the same object sent as JSON
// (`--dry-run=client -o json | kubectl create -f -`). DeleteOptions sent as protobuf
// (kubectl drain's DELETE) are honoured, and bodies that do not decode are 4xx Statuses.

import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { encodeMessage, protobufBody } from '../helpers/k8s-protobuf.js';

const PROTOBUF = 'application/vnd.kubernetes.protobuf';
const META = 'k8s.io.apimachinery.pkg.apis.meta.v1';

let s: TestApiServer;
let dir: string;
let c: Clients;

beforeAll(async () => {
  s = await startTestApiServer({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-kubectl-pb-'));
  c = cliClients(s, dir);
  for (const ns of ['pb', 'js']) expect((await createFromStdin(['create', '-f', '-'], nsManifest(ns))).code).toBe(0);
});
afterAll(async () => {
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const nsManifest = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

/** kubectl reading `-` from a file (the CLI helper has no stdin): the JSON path. */
function createFromStdin(args: string[], stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const f = path.join(dir, `stdin-${Math.random().toString(36).slice(2)}.json`);
  fs.writeFileSync(f, stdin);
  return c.kubectl(args.map((a) => (a === '-' ? f : a)));
}

/** One request to the test server over HTTPS (trusting its CA), any body and content type. */
function request(method: string, urlPath: string, body?: Buffer | string, contentType = PROTOBUF): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${s.url}${urlPath}`, {
      method,
      ca: s.ca,
      // An explicit length: node sends a DELETE body neither chunked nor with a length otherwise.
      headers: { Authorization: `Bearer ${s.token}`, ...(body !== undefined ? { 'Content-Type': contentType, 'Content-Length': String(Buffer.byteLength(body)) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What orch decides per object (uid, times, allocations) removed, so two creations compare. */
function comparable(obj: any): any {
  const o = structuredClone(obj);
  for (const k of ['namespace', 'uid', 'resourceVersion', 'creationTimestamp', 'managedFields']) delete o.metadata[k];
  if (o.kind === 'Namespace') {
    delete o.metadata.name;
    delete o.metadata.labels?.['kubernetes.io/metadata.name'];
  }
  if (o.kind === 'Service') {
    delete o.spec.clusterIP;
    delete o.spec.clusterIPs;
    for (const p of o.spec.ports ?? []) delete p.nodePort;
  }
  return o;
}

describe('kubectl create generators send protobuf and store what the JSON path stores', () => {
  test.each([
    ['configmap', ['configmap', 'c1', '--from-literal=a=b', '--from-literal=empty='], 'configmap', 'c1'],
    ['secret generic', ['secret', 'generic', 's1', '--from-literal=a=b', '--from-file=bin=BINARY'], 'secret', 's1'],
    ['deployment', ['deployment', 'd1', '--image=orch.local/web:latest', '--replicas=3', '--port=8080'], 'deployment', 'd1'],
    ['service clusterip', ['service', 'clusterip', 'svc1', '--tcp=80:8080', '--tcp=443:https'], 'service', 'svc1'],
    ['service nodeport', ['service', 'nodeport', 'svc2', '--tcp=80:8080'], 'service', 'svc2'],
  ])('%s', { timeout: 60_000 }, async (_name, args, kind, name) => {
    // -v=8 shows the request headers: proof the body really went as protobuf.
    fs.writeFileSync(path.join(dir, 'binary'), Buffer.from([0xff, 0x00, 0x78]));
    args = args.map((a) => a.replace('BINARY', path.join(dir, 'binary')));
    const pb = await c.kubectl(['-n', 'pb', 'create', ...args, '-v=8']);
    expect(pb.code, pb.stderr.slice(-2000)).toBe(0);
    expect(pb.stderr).toContain(`Content-Type: ${PROTOBUF}`);
    const manifest = await c.kubectl(['-n', 'js', 'create', ...args, '--dry-run=client', '-o', 'json']);
    expect(manifest.code, manifest.stderr).toBe(0);
    const js = await createFromStdin(['-n', 'js', 'create', '-f', '-'], manifest.stdout);
    expect(js.code, js.stderr).toBe(0);
    const fromPb = JSON.parse((await c.kubectl(['-n', 'pb', 'get', kind, name, '-o', 'json'])).stdout);
    const fromJs = JSON.parse((await c.kubectl(['-n', 'js', 'get', kind, name, '-o', 'json'])).stdout);
    expect(comparable(fromPb)).toEqual(comparable(fromJs));
    if (kind === 'deployment') expect(fromPb.spec.replicas).toBe(3);
    if (kind === 'secret') expect(Buffer.from(fromPb.data.bin, 'base64')).toEqual(Buffer.from([0xff, 0x00, 0x78]));
    if (name === 'svc2') expect(fromPb.spec.ports[0].nodePort).toBeGreaterThan(0);
  });

  test('deployment --replicas=0 keeps 0 (a pointer field: zero is a value, not "unset" → 1)', async () => {
    const r = await c.kubectl(['-n', 'pb', 'create', 'deployment', 'd0', '--image=x', '--replicas=0']);
    expect(r.code, r.stderr).toBe(0);
    expect((await c.kubectl(['-n', 'pb', 'get', 'deployment', 'd0', '-o', 'jsonpath={.spec.replicas}'])).stdout).toBe('0');
  });

  test('namespace', async () => {
    const pb = await c.kubectl(['create', 'namespace', 'pb-ns', '-v=8']);
    expect(pb.code, pb.stderr.slice(-2000)).toBe(0);
    expect(pb.stderr).toContain(`Content-Type: ${PROTOBUF}`);
    const manifest = await c.kubectl(['create', 'namespace', 'js-ns', '--dry-run=client', '-o', 'json']);
    expect((await createFromStdin(['create', '-f', '-'], manifest.stdout)).code).toBe(0);
    const get = async (n: string) => JSON.parse((await c.kubectl(['get', 'namespace', n, '-o', 'json'])).stdout);
    const [fromPb, fromJs] = [await get('pb-ns'), await get('js-ns')];
    expect(fromPb.status.phase).toBe('Active');
    expect(comparable(fromPb)).toEqual(comparable(fromJs));
  });
});

describe('DeleteOptions as protobuf', () => {
  const pod = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'pb' }, spec: { containers: [{ name: 'c', image: 'orch.local/web:latest' }] } });

  /** A pod bound to node `node` through a protobuf Binding (what the scheduler could send). */
  async function boundPod(name: string, node: string): Promise<void> {
    expect((await createFromStdin(['create', '-f', '-'], pod(name))).code).toBe(0);
    const binding = encodeMessage('k8s.io.api.core.v1.Binding', { metadata: { name }, target: { kind: 'Node', name: node } });
    const res = await request('POST', `/api/v1/namespaces/pb/pods/${name}/binding`, protobufBody('v1', 'Binding', binding));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  }

  test('gracePeriodSeconds and propagationPolicy from a protobuf body are honoured', async () => {
    await boundPod('graceful', 'node-a');
    const del = encodeMessage(`${META}.DeleteOptions`, { gracePeriodSeconds: 7 });
    let res = await request('DELETE', '/api/v1/namespaces/pb/pods/graceful', protobufBody('v1', 'DeleteOptions', del));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.metadata.deletionGracePeriodSeconds).toBe(7); // not the pod's 30

    const orphan = encodeMessage(`${META}.DeleteOptions`, { propagationPolicy: 'Orphan' });
    res = await request('DELETE', '/apis/apps/v1/namespaces/pb/deployments/d1', protobufBody('apps/v1', 'DeleteOptions', orphan));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const d = await request('GET', '/apis/apps/v1/namespaces/pb/deployments/d1');
    expect(d.body.metadata.finalizers).toEqual(['orphan']);
    expect(d.body.metadata.deletionTimestamp).toBeDefined();
  });

  test('kubectl drain --disable-eviction --grace-period=0 deletes the node\'s pods at once (its DELETE carries a protobuf DeleteOptions)', { timeout: 60_000 }, async () => {
    const node = JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'drain-me' }, spec: {} });
    expect((await createFromStdin(['create', '-f', '-'], node)).code).toBe(0);
    await boundPod('victim', 'drain-me');
    // --disable-eviction: a DELETE, whose DeleteOptions go as protobuf (an eviction is
    // sent as JSON by kubectl v1.32; test/e2e/apiserver-eviction.test.ts covers both).
    const r = await c.kubectl(['drain', 'drain-me', '--force', '--disable-eviction', '--grace-period=0', '--timeout=20s', '-v=8']);
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stderr).toMatch(/DELETE \S+\/pods\/victim\S*\n[^]*?Content-Type: application\/vnd\.kubernetes\.protobuf/);
    // Without gracePeriodSeconds 0 the pod would wait 30 s for an agent that does not exist.
    expect((await c.kubectl(['-n', 'pb', 'get', 'pod', 'victim'])).stderr).toContain('NotFound');
    expect(JSON.parse((await c.kubectl(['get', 'node', 'drain-me', '-o', 'json'])).stdout).spec.unschedulable).toBe(true);
  });
});

describe('protobuf bodies that cannot be used are 4xx Statuses', () => {
  const cm = (name: string) => encodeMessage('k8s.io.api.core.v1.ConfigMap', { metadata: { name }, data: { a: 'b' } });

  test.each([
    ['no k8s prefix', () => Buffer.from('{"kind":"ConfigMap"}'), '/api/v1/namespaces/pb/configmaps', 400, /4-byte prefix/],
    ['truncated', () => protobufBody('v1', 'ConfigMap', cm('t1')).subarray(0, 30), '/api/v1/namespaces/pb/configmaps', 400, /truncated/],
    ['a kind without schema', () => protobufBody('networking.k8s.io/v1', 'NetworkPolicy', new Uint8Array()), '/api/v1/namespaces/pb/configmaps', 415, /no protobuf schema for networking.k8s.io\/v1 NetworkPolicy/],
    ['a kind that does not match the URL', () => protobufBody('v1', 'ConfigMap', cm('t2')), '/api/v1/namespaces/pb/pods', 400, /kind in the data \(ConfigMap\) does not match the expected kind \(Pod\)/],
    ['larger than the body limit', () => protobufBody('v1', 'ConfigMap', encodeMessage('k8s.io.api.core.v1.ConfigMap', { metadata: { name: 'big' }, data: { a: 'x'.repeat(3.5 * 1024 * 1024) } })), '/api/v1/namespaces/pb/configmaps', 413, /too large/i],
  ])('%s', async (_name, body, url, code, says) => {
    const res = await request('POST', url, body());
    expect(res.status).toBe(code);
    expect(res.body.kind).toBe('Status');
    expect(res.body.message).toMatch(says);
  });

  test('a protobuf PATCH is 415 (patches are JSON)', async () => {
    const res = await request('PATCH', '/api/v1/namespaces/pb/configmaps/c1', protobufBody('v1', 'ConfigMap', cm('c1')));
    expect(res.status).toBe(415);
  });
});
