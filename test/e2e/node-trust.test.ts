// A node credential must not reach the administrator's (or any API) credential through
// the pod log proxy. On a real `orch up` cluster (two agents on this host, real Docker):
// node 1, with its own token, rewrites its Node's status to point the apiserver at a
// listener the test controls, and an administrator asks for logs of a pod on node 1.
// Before the fix the apiserver presented the admin token to whatever answered there.
// Then the normal paths: `orch logs` and `kubectl logs` through the real agents.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../api/types.js';
import { homePaths } from '../../cli/up/home.js';
import { readClusterState } from '../../cli/up/cluster-state.js';
import { ApiClient } from '../../client/rest-client.js';
import { assertBuilt, runOrch, type RunResult } from '../helpers/orch-cli.js';
import { freePort, freePortRange } from '../helpers/ports.js';
import { eventually } from '../helpers/eventually.js';
import { E2E_POD_RANGES } from '../helpers/pod-ranges.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-trust-e2e-'));
const paths = homePaths(home);
const prefix = `trust-${process.pid}`;
const [n1, n2] = [`${prefix}-1`, `${prefix}-2`];
let env: NodeJS.ProcessEnv;
let server = '';
let ca = '';
let admin: ApiClient;
let node1: ApiClient;
const POD = 'talker';

const orch = (args: string[], timeoutMs?: number) => runOrch(args, { env, timeoutMs });
const ok = (r: RunResult) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
};

/** The value of `--flag` in the command line `orch up` started a component with. */
function flagOf(component: string, flag: string): string {
  const c = readClusterState(paths.clusterState)!.components.find((x) => x.name === component)!;
  const i = c.command.indexOf(flag);
  if (i < 0) throw new Error(`${component} was started without ${flag}`);
  return c.command[i + 1]!;
}

/** What a listener on a node saw: every request's Authorization header and the client's certificate. */
interface Seen {
  authorization?: string;
  clientCN?: string;
}

async function listener(cert: string, key: string): Promise<{ port: number; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const srv = https.createServer({ cert, key, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate();
    seen.push({ authorization: req.headers.authorization, clientCN: peer?.subject?.CN as string | undefined });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('served by the node\'s listener\n');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  return { port, seen, close: () => new Promise((r) => srv.close(() => r())) };
}

/** Node 1 (with its own token) points its agent endpoint somewhere else. */
async function redirectNode1(port: number): Promise<void> {
  const cur = await node1.nodes.get(n1);
  await node1.nodes.updateStatus({ ...cur, status: { ...cur.status, addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } });
}

/** The admin's log request as `orch logs` makes it (status and body). */
async function adminLogs(): Promise<{ status: number; body: string }> {
  const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
    https
      .get(`${server}/api/v1/namespaces/default/pods/${POD}/log`, { ca, headers: { authorization: `Bearer ${fs.readFileSync(paths.tokenFile('admin'), 'utf8').trim()}` } }, resolve)
      .on('error', reject);
  });
  let body = '';
  for await (const c of res) body += c;
  return { status: res.statusCode ?? 0, body };
}

/** Does the API accept this Authorization header for anything? */
async function apiAccepts(authorization: string): Promise<boolean> {
  const code = await new Promise<number>((resolve, reject) => {
    https.get(`${server}/api/v1/namespaces`, { ca, headers: { authorization } }, (r) => {
      r.resume();
      resolve(r.statusCode ?? 0);
    }).on('error', reject);
  });
  return code !== 401;
}

beforeAll(async () => {
  assertBuilt();
  execFileSync('bash', ['scripts/build-test-images.sh'], { stdio: 'inherit' });
  env = { ORCH_HOME: home };
  const [apiPort, etcdPort, agentPort] = [await freePort(), await freePortRange(2), await freePortRange(2)];
  ok(await orch(['up', '--api-port', String(apiPort), '--etcd-port', String(etcdPort), '--agent-port', String(agentPort), '--node-name', prefix, '--nodes', '2', '--cluster-cidr', E2E_POD_RANGES.nodeTrust], 180_000));
  server = `https://127.0.0.1:${apiPort}`;
  ca = fs.readFileSync(paths.caCert, 'utf8');
  admin = new ApiClient({ server, ca, token: fs.readFileSync(paths.tokenFile('admin'), 'utf8').trim() });
  node1 = new ApiClient({ server, ca, token: fs.readFileSync(paths.tokenFile(`system:node:${n1}`), 'utf8').trim() });
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD, namespace: 'default' },
    spec: { nodeName: n1, containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo hello from the pod; sleep 3600'] }] },
  };
  await admin.pods.create(pod);
  await eventually('the pod to run', async () => ((await admin.pods.get(POD, 'default')).status?.phase === 'Running' ? true : undefined), 90_000);
}, 240_000);

afterAll(async () => {
  await runOrch(['down', '--purge'], { env, timeoutMs: 120_000 }).catch(() => undefined);
  for (const n of [n1, n2]) {
    const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=orch.io/node=${n}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    if (ids.length) execFileSync('docker', ['rm', '-f', ...ids]);
  }
  fs.rmSync(home, { recursive: true, force: true });
}, 180_000);

describe('a node credential cannot reach API credentials through the log proxy', () => {
  let original: Node['status'];
  beforeAll(async () => {
    original = (await admin.nodes.get(n1)).status;
  });
  afterAll(async () => {
    const cur = await node1.nodes.get(n1);
    await node1.nodes.updateStatus({ ...cur, status: { ...cur.status, addresses: original?.addresses, daemonEndpoints: original?.daemonEndpoints } });
  });

  it('orch logs and kubectl logs work through the real agent', async () => {
    const out = await eventually('the pod output via orch logs', async () => {
      const r = ok(await orch(['logs', POD]));
      return r.stdout.includes('hello from the pod') ? r.stdout : undefined;
    }, 50_000, 300); // each check runs the CLI
    expect(out).toBe('hello from the pod\n');
    const k = execFileSync('kubectl', ['logs', POD, '--request-timeout=20s'], { env: { ...process.env, KUBECONFIG: paths.kubeconfig }, encoding: 'utf8' });
    expect(k).toBe('hello from the pod\n');
  });

  it('a listener with the node\'s own certificate gets the request but no credential usable against the API', async () => {
    // The certificate and key node 1's agent serves with: what a node's host holds.
    const l = await listener(fs.readFileSync(flagOf(`agent-${n1}`, '--log-server-cert'), 'utf8'), fs.readFileSync(flagOf(`agent-${n1}`, '--log-server-key'), 'utf8'));
    try {
      await redirectNode1(l.port);
      const r = await adminLogs();
      expect(l.seen.length).toBeGreaterThan(0);
      for (const s of l.seen) {
        if (s.authorization !== undefined) expect(await apiAccepts(s.authorization), `the listener received ${s.authorization}`).toBe(false);
        // The apiserver authenticated with its own client certificate instead.
        expect(s.clientCN).toBe('orch:apiserver-kubelet-client');
      }
      expect(r.status).toBe(200);
    } finally {
      await l.close();
    }
  });

  it('a listener that cannot present node 1\'s certificate gets nothing; the log request fails with a Status saying why', async () => {
    // A certificate from the same CA, but not node 1's: the apiserver's own serving certificate.
    const l = await listener(fs.readFileSync(paths.apiserverCert, 'utf8'), fs.readFileSync(paths.apiserverKey, 'utf8'));
    try {
      await redirectNode1(l.port);
      const r = await adminLogs();
      expect(l.seen).toEqual([]);
      expect(r.status).toBe(503);
      const status = JSON.parse(r.body);
      expect(status).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
      expect(status.message).toContain(`node "${n1}"`);
      expect(status.message).toMatch(/certificate/);
    } finally {
      await l.close();
    }
  });

  it('a node token cannot redirect another node', async () => {
    const other = await admin.nodes.get(n2);
    await expect(node1.nodes.updateStatus({ ...other, status: { ...other.status, daemonEndpoints: { kubeletEndpoint: { Port: 1 } } } })).rejects.toMatchObject({ code: 403 });
  });
});
