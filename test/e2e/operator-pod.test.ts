// The example operator as a pod on a real `orch up` cluster (real etcd, apiserver,
// scheduler, controller manager, agent, service proxy, Docker), deployed with its own
// manifests (examples/operator/deploy/: CRD, Namespace, ServiceAccount, ClusterRole and
// binding, Deployment) and image (scripts/build-webapp-operator-image.sh). It configures
// @kubernetes/client-node from inside the pod alone (service account token, CA, the
// `kubernetes` ClusterIP), converges a WebApp to Running pods behind a Service that
// answers, repairs a deleted Deployment, and deleting the WebApp lets the controller
// manager's garbage collector remove everything it made.

import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { homePaths } from '../../cli/up/home.js';
import type { Deployment, Pod } from '../../api/types.js';
import { ApiClient } from '../../client/rest-client.js';
import { assertBuilt, runOrch, type RunResult } from '../helpers/orch-cli.js';
import { freePort, freePortRange } from '../helpers/ports.js';
import { eventually } from '../helpers/eventually.js';
import { E2E_POD_RANGES } from '../helpers/pod-ranges.js';
import { removeNodeLeftovers } from '../helpers/node-leftovers.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-operator-pod-e2e-'));
const paths = homePaths(home);
const NODE = `operator-${process.pid}`;
const DEPLOY = path.resolve('examples/operator/deploy');
const OP_NS = 'webapp-operator';
const SA = `system:serviceaccount:${OP_NS}:webapp-operator`;
let env: NodeJS.ProcessEnv;
let admin: ApiClient;

const orch = (args: string[], timeoutMs?: number) => runOrch(args, { env, timeoutMs });
const ok = (r: RunResult) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r.stdout;
};

/** kubectl as the administrator (the kubeconfig orch up wrote). */
function kubectl(args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--request-timeout=30s', ...args], { env: { ...process.env, KUBECONFIG: paths.kubeconfig }, timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Waits for `n` Running pods of hello; on a timeout says what the pods and events were. */
async function helloPods(n: number): Promise<void> {
  try {
    await eventually(`${n} Running pods of hello`, async () => ((await running('app.kubernetes.io/instance=hello', 'default')).length === n ? true : undefined), 240_000);
  } catch (err) {
    const pods = await kubectl(['get', 'pods', '-A', '-o', 'wide']);
    const events = await kubectl(['get', 'events', '-n', 'default']);
    throw new Error(`${(err as Error).message}\n${pods.stdout}${pods.stderr}\n${events.stdout}`);
  }
}

const running = async (selector: string, ns: string) =>
  (await admin.pods.list({ namespace: ns, labelSelector: selector })).items.filter((p: Pod) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp);

beforeAll(async () => {
  assertBuilt();
  execFileSync('bash', ['scripts/build-test-images.sh'], { stdio: 'inherit' });
  execFileSync('bash', ['scripts/build-webapp-operator-image.sh'], { stdio: 'inherit' });
  env = { ORCH_HOME: home };
  const [apiPort, etcdPort, agentPort] = [await freePort(), await freePortRange(2), await freePortRange(1)];
  ok(await orch(['up', '--api-port', String(apiPort), '--etcd-port', String(etcdPort), '--agent-port', String(agentPort), '--node-name', NODE, '--cluster-cidr', E2E_POD_RANGES.operatorPod], 180_000));
  admin = new ApiClient({ server: `https://127.0.0.1:${apiPort}`, ca: fs.readFileSync(paths.caCert, 'utf8'), token: fs.readFileSync(paths.tokenFile('admin'), 'utf8').trim() });
  await eventually('default service account', () => admin.resource('serviceaccounts').get('default', 'default'), 30_000);
  ok(await kubectl(['apply', '-f', path.join(DEPLOY, 'crd.yaml')]));
  ok(await kubectl(['wait', '--for=condition=Established', 'crd/webapps.example.orch.io', '--timeout=30s']));
  ok(await kubectl(['apply', '-f', path.join(DEPLOY, 'rbac.yaml')]));
  await eventually('kube-root-ca.crt in the operator namespace', () => admin.configmaps.get('kube-root-ca.crt', OP_NS), 30_000);
  ok(await kubectl(['apply', '-f', path.join(DEPLOY, 'operator.yaml')]));
  await eventually('the operator pod runs', async () => ((await running('app=webapp-operator', OP_NS)).length === 1 ? true : undefined), 120_000);
}, 360_000);

afterAll(async () => {
  await runOrch(['down', '--purge'], { env, timeoutMs: 120_000 }).catch(() => undefined);
  removeNodeLeftovers([NODE]);
  fs.rmSync(home, { recursive: true, force: true });
}, 180_000);

describe('the WebApp operator as a pod with its service account', () => {
  it('holds exactly the rights of its ClusterRole', async () => {
    const can = async (...a: string[]) => (await kubectl(['auth', 'can-i', ...a, `--as=${SA}`])).stdout.trim();
    expect(await can('create', 'deployments', '-n', 'default')).toBe('yes');
    expect(await can('update', 'webapps.example.orch.io', '--subresource=status', '-n', 'default')).toBe('yes');
    expect(await can('create', 'webapps.example.orch.io', '-n', 'default')).toBe('no');
    expect(await can('get', 'secrets', '-n', 'default')).toBe('no');
  });

  it('converges a WebApp to Running pods behind a Service that answers, and reports it', async () => {
    ok(await kubectl(['apply', '-f', path.join(DEPLOY, 'webapp.yaml')]));
    await helloPods(2);
    await eventually('WebApp hello Ready', async () => {
      const r = await kubectl(['get', 'webapp', 'hello', '-o', 'jsonpath={.status.readyReplicas}/{.status.conditions[?(@.type=="Ready")].status}']);
      return r.stdout === '2/True' ? true : undefined;
    }, 60_000);
    const pods = await running('app.kubernetes.io/instance=hello', 'default');
    expect(pods.map((p) => p.spec.containers[0]!.image)).toEqual(['orch.local/web:latest', 'orch.local/web:latest']);
    // The Service the operator made routes to them: from another pod (the operator's) to the ClusterIP.
    const svc = await admin.services.get('hello', 'default');
    const client = (await running('app=webapp-operator', OP_NS))[0]!.metadata.name!;
    let last: RunResult | undefined;
    const answer = await eventually('the Service answers', async () => {
      // (node, not busybox wget: the static busybox's wget crashes in these images.)
      const js = `fetch('http://${svc.spec.clusterIP}:8080/', { signal: AbortSignal.timeout(3000) }).then((r) => r.text()).then((t) => process.stdout.write(t), (e) => { console.error(String(e)); process.exit(1); })`;
      last = await kubectl(['exec', '-n', OP_NS, client, '--', 'node', '-e', js]);
      return last.code === 0 ? last.stdout : undefined;
    }, 90_000, 1000).catch((err: Error) => {
      throw new Error(`${err.message}; last: ${JSON.stringify(last)}`);
    });
    expect(answer).toContain('Hello from orch');
    // It acted as its service account, from inside the cluster (its log names the in-cluster server).
    const logs = ok(await kubectl(['logs', '-n', OP_NS, 'deployment/webapp-operator']));
    expect(logs).toContain(`"server":"https://${(await admin.services.get('kubernetes', 'default')).spec.clusterIP}:443"`);
    expect(logs).toContain('"msg":"creating Deployment","namespace":"default","name":"hello"');
  }, 400_000);

  it('recreates the Deployment when it is deleted', async () => {
    const before = (await admin.deployments.get('hello', 'default')) as Deployment;
    ok(await kubectl(['delete', 'deployment', 'hello', '-n', 'default']));
    await eventually('a new Deployment hello', async () => {
      const d = await admin.deployments.get('hello', 'default').catch(() => undefined);
      return d && d.metadata.uid !== before.metadata.uid && !d.metadata.deletionTimestamp ? true : undefined;
    }, 60_000);
    await helloPods(2);
  }, 320_000);

  it('deleting the WebApp removes its Deployment, Service and pods (the garbage collector)', async () => {
    ok(await kubectl(['delete', 'webapp', 'hello', '-n', 'default']));
    await eventually('hello all gone', async () => {
      const d = await admin.deployments.get('hello', 'default').catch(() => undefined);
      const s = await admin.services.get('hello', 'default').catch(() => undefined);
      const p = (await admin.pods.list({ namespace: 'default', labelSelector: 'app.kubernetes.io/instance=hello' })).items;
      return !d && !s && p.length === 0 ? true : undefined;
    }, 120_000);
  }, 150_000);
});
