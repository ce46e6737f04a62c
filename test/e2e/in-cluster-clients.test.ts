// In-cluster clients on a real `orch up` cluster (real etcd, apiserver, controller
// manager, agent, service proxy, Docker): a pod running the real kubectl binary
// (orch.local/kubectl) with no kubeconfig and no flags uses what orch gives every pod:
// KUBERNETES_SERVICE_HOST/PORT (the `kubernetes` ClusterIP, routed by the proxy to the
// apiserver), the projected token, ca.crt and namespace under
// /var/run/secrets/kubernetes.io/serviceaccount. It lists the pods of its namespace as
// its service account, and so does @kubernetes/client-node 1.x configured by
// loadFromCluster() alone (orch.local/kube-client); the Role bound to it allows `list pods`
// and nothing else, so `kubectl get secrets` is Forbidden and the client gets 403.

import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homePaths } from '../../cli/up/home.js';
import { ApiClient } from '../../client/rest-client.js';
import { assertBuilt, runOrch, type RunResult } from '../helpers/orch-cli.js';
import { freePort, freePortRange } from '../helpers/ports.js';
import { eventually } from '../helpers/eventually.js';
import { E2E_POD_RANGES } from '../helpers/pod-ranges.js';
import { removeNodeLeftovers } from '../helpers/node-leftovers.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-incluster-e2e-'));
const paths = homePaths(home);
const NODE = `incluster-${process.pid}`;
const NS = 'incluster';
const POD = 'client';
const NODE_POD = 'node-client';
let env: NodeJS.ProcessEnv;
let admin: ApiClient;

const orch = (args: string[], timeoutMs?: number) => runOrch(args, { env, timeoutMs });
const ok = (r: RunResult) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
};

/** kubectl as the administrator (the kubeconfig orch up wrote). */
function kubectl(args: string[], input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', ['--request-timeout=30s', ...args], { env: { ...process.env, KUBECONFIG: paths.kubeconfig }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

/**
 * kubectl inside the pod: in-cluster configuration only (no kubeconfig, no flags: kubectl
 * ignores the in-cluster configuration once any connection flag, even --request-timeout, is given).
 */
const inPod = (...args: string[]) => kubectl(['exec', '-n', NS, POD, '--', 'kubectl', ...args]);

beforeAll(async () => {
  assertBuilt();
  execFileSync('bash', ['scripts/build-test-images.sh'], { stdio: 'inherit' });
  execFileSync('bash', ['scripts/build-kube-client-image.sh'], { stdio: 'inherit' });
  env = { ORCH_HOME: home };
  const [apiPort, etcdPort, agentPort] = [await freePort(), await freePortRange(2), await freePortRange(1)];
  ok(await orch(['up', '--api-port', String(apiPort), '--etcd-port', String(etcdPort), '--agent-port', String(agentPort), '--node-name', NODE, '--cluster-cidr', E2E_POD_RANGES.inClusterClients], 180_000));
  const server = `https://127.0.0.1:${apiPort}`;
  admin = new ApiClient({ server, ca: fs.readFileSync(paths.caCert, 'utf8'), token: fs.readFileSync(paths.tokenFile('admin'), 'utf8').trim() });
  ok(await kubectl(['create', 'namespace', NS]));
  // The controller manager gives the namespace its default ServiceAccount and kube-root-ca.crt.
  await eventually('default service account', () => admin.resource('serviceaccounts').get('default', NS), 30_000);
  await eventually('kube-root-ca.crt', () => admin.configmaps.get('kube-root-ca.crt', NS), 30_000);
  ok(await kubectl(['create', 'serviceaccount', 'lister', '-n', NS]));
  // What the pods' service account may do: list (get, watch) pods in its namespace, nothing else.
  ok(await kubectl(['create', 'role', 'pod-reader', '-n', NS, '--verb', 'get,list,watch', '--resource', 'pods']));
  ok(await kubectl(['create', 'rolebinding', 'lister-reads-pods', '-n', NS, '--role', 'pod-reader', '--serviceaccount', `${NS}:lister`]));
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD, namespace: NS },
    spec: {
      serviceAccountName: 'lister',
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'main', image: 'orch.local/kubectl:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'] }],
    },
  };
  ok(await kubectl(['apply', '-f', '-'], JSON.stringify(pod)));
  const nodePod = { ...pod, metadata: { name: NODE_POD, namespace: NS }, spec: { ...pod.spec, containers: [{ ...pod.spec.containers[0], image: 'orch.local/kube-client:latest' }] } };
  ok(await kubectl(['apply', '-f', '-'], JSON.stringify(nodePod)));
  for (const name of [POD, NODE_POD]) await eventually(`pod ${name} to run`, async () => ((await admin.pods.get(name, NS)).status?.phase === 'Running' ? true : undefined), 90_000);
}, 300_000);

afterAll(async () => {
  await runOrch(['down', '--purge'], { env, timeoutMs: 120_000 }).catch(() => undefined);
  removeNodeLeftovers([NODE]);
  fs.rmSync(home, { recursive: true, force: true });
}, 180_000);

describe('kubectl inside a pod (in-cluster configuration)', () => {
  it('finds the service account files and the kubernetes Service in its environment', async () => {
    const r = ok(await kubectl(['exec', '-n', NS, POD, '--', 'sh', '-c', 'echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT; cat /var/run/secrets/kubernetes.io/serviceaccount/namespace; echo; ls /var/run/secrets/kubernetes.io/serviceaccount']));
    const svc = await admin.services.get('kubernetes', 'default');
    const [hostPort, ns, ...files] = r.stdout.trim().split('\n');
    expect(hostPort).toBe(`${svc.spec.clusterIP}:443`);
    expect(ns).toBe(NS);
    expect(files.sort()).toEqual(['ca.crt', 'namespace', 'token']);
  });

  it('lists the pods of its namespace as its service account, through the kubernetes ClusterIP', async () => {
    const r = await eventually('kubectl get pods inside the pod', async () => {
      const x = await inPod('get', 'pods', '-o', 'name');
      return x.code === 0 ? x : undefined;
    }, 60_000, 1000);
    expect(r.stdout.trim().split('\n').sort()).toEqual([`pod/${POD}`, `pod/${NODE_POD}`]);
    // Who it is: the token's subject (kubectl auth whoami needs SelfSubjectReview).
    const token = ok(await kubectl(['exec', '-n', NS, POD, '--', 'cat', '/var/run/secrets/kubernetes.io/serviceaccount/token'])).stdout;
    expect(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')).sub).toBe(`system:serviceaccount:${NS}:lister`);
  });
});

describe('kubectl inside a pod: what its Role does not allow', () => {
  it('kubectl get secrets is Forbidden for the service account', async () => {
    const r = await inPod('get', 'secrets');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`User "system:serviceaccount:${NS}:lister" cannot list resource "secrets" in API group "" in the namespace "${NS}"`);
  });
});

describe('@kubernetes/client-node inside a pod (loadFromCluster)', () => {
  it('gets 403 for the Secrets its Role does not allow', async () => {
    const r = ok(await kubectl(['exec', '-n', NS, NODE_POD, '--', 'node', '/app/list.mjs', 'secrets']));
    const answer = JSON.parse(r.stdout.trim());
    expect(answer.ok, r.stdout).toBe(false);
    expect(answer.code).toBe(403);
  });

  it('lists the pods of its namespace', async () => {
    const r = ok(await kubectl(['exec', '-n', NS, NODE_POD, '--', 'node', '/app/list.mjs', 'pods']));
    const answer = JSON.parse(r.stdout.trim());
    expect(answer.ok, r.stdout).toBe(true);
    expect(answer.names.sort()).toEqual([POD, NODE_POD]);
  });
});
