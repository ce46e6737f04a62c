// The example operator (examples/operator/) against a real apiserver + etcd and an
// in-process controller manager (Deployment → ReplicaSet → pods, made Ready by the pod
// stand-in; the garbage collector): the CRD applied with kubectl from the operator's own
// manifest, the operator run from the host with a kubeconfig (@kubernetes/client-node),
// then: a WebApp becomes a Deployment and a Service owned by it, its status follows the
// ready pods, replicas follow the WebApp, a deleted or edited Deployment/Service is
// repaired, and deleting the WebApp garbage-collects both (the collector watches custom
// owners through discovery: controller/garbage-collector/custom-owners.ts).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment, Service } from '../../api/types.js';
import { startOperator, type RunningOperator } from '../../examples/operator/src/operator.js';
import type { WebApp } from '../../examples/operator/src/webapp.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';
import { startHarness, waitFor, type Harness } from './controller-helpers.js';

const DEPLOY = path.resolve('examples/operator/deploy');
const [GROUP, VERSION, PLURAL, NS] = ['example.orch.io', 'v1', 'webapps', 'default'];

let h: Harness;
let cli: Clients;
let dir: string;
let operator: RunningOperator;
let custom: k8s.CustomObjectsApi;
const logs: string[] = [];

function kubeConfig(url: string, token: string, ca: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'test', server: url, caData: Buffer.from(ca).toString('base64') }],
    users: [{ name: 'admin', token }],
    contexts: [{ name: 'test', cluster: 'test', user: 'admin' }],
    currentContext: 'test',
  });
  return kc;
}

const ok = (r: { code: number; stdout: string; stderr: string }) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return r.stdout;
};
const getApp = async (name: string) => (await custom.getNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name })) as WebApp;
const getDep = (name: string) => h.client.deployments.get(name, NS).catch(() => undefined) as Promise<Deployment | undefined>;
const getSvc = (name: string) => h.client.services.get(name, NS).catch(() => undefined) as Promise<Service | undefined>;
const webApp = (name: string, spec: WebApp['spec']): WebApp => ({ apiVersion: `${GROUP}/${VERSION}`, kind: 'WebApp', metadata: { name, namespace: NS }, spec });

beforeAll(async () => {
  h = await startHarness({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-operator-e2e-'));
  cli = cliClients(h.api, dir);
  ok(await cli.kubectl(['apply', '-f', path.join(DEPLOY, 'crd.yaml')]));
  ok(await cli.kubectl(['wait', '--for=condition=Established', 'crd/webapps.example.orch.io', '--timeout=30s']));
  const kc = kubeConfig(h.api.url, h.api.token, h.api.ca!);
  custom = kc.makeApiClient(k8s.CustomObjectsApi);
  operator = startOperator(kc, { log: (level, msg, fields) => logs.push(JSON.stringify({ level, msg, ...fields })), restartDelayMs: 500 });
  await operator.ready;
}, 120_000);

afterAll(async () => {
  await operator?.stop();
  await h?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the WebApp operator, run from the host', () => {
  it('turns a WebApp applied with kubectl into a Deployment and a Service owned by it, and reports readiness', async () => {
    ok(await cli.kubectl(['apply', '-f', path.join(DEPLOY, 'webapp.yaml')]));
    const app = await getApp('hello');
    await waitFor('Deployment hello', async () => !!(await getDep('hello')));
    const dep = (await getDep('hello'))!;
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.template.spec.containers).toMatchObject([{ name: 'web', image: 'orch.local/web:latest', imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8080 }] }]);
    expect(dep.metadata.ownerReferences).toEqual([{ apiVersion: 'example.orch.io/v1', kind: 'WebApp', name: 'hello', uid: app.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    await waitFor('Service hello', async () => !!(await getSvc('hello')));
    const svc = (await getSvc('hello'))!;
    expect(svc.spec.ports).toMatchObject([{ port: 8080, targetPort: 8080, protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual({ 'app.kubernetes.io/instance': 'hello' });
    expect(svc.metadata.ownerReferences?.[0]?.uid).toBe(app.metadata!.uid);
    // The stand-in makes the pods Ready: the Deployment's readyReplicas reach the WebApp's status.
    await waitFor('WebApp hello Ready', async () => (await getApp('hello')).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false, 60_000);
    const status = (await getApp('hello')).status!;
    expect(status).toMatchObject({ readyReplicas: 2, replicas: 2, observedGeneration: app.metadata!.generation });
    // kubectl shows the CRD's printer columns.
    const table = ok(await cli.kubectl(['get', 'wa', 'hello', '--no-headers']));
    expect(table.trim().split(/\s+/).slice(0, 4)).toEqual(['hello', 'orch.local/web:latest', '2', '2']);
  });

  it('follows a change of replicas (kubectl scale through the scale subresource)', async () => {
    ok(await cli.kubectl(['scale', 'webapp', 'hello', '--replicas=3']));
    await waitFor('Deployment hello at 3', async () => (await getDep('hello'))?.spec.replicas === 3);
    await waitFor('WebApp hello 3 ready', async () => (await getApp('hello')).status?.readyReplicas === 3, 60_000);
    expect((await getApp('hello')).status?.conditions?.[0]).toMatchObject({ type: 'Ready', status: 'True', reason: 'AllReplicasReady' });
  });

  it('recreates a deleted Deployment and undoes an edit of it', async () => {
    const before = (await getDep('hello'))!;
    await h.client.deployments.delete('hello', NS);
    await waitFor('a new Deployment hello', async () => {
      const d = await getDep('hello');
      return !!d && d.metadata.uid !== before.metadata.uid && !d.metadata.deletionTimestamp;
    });
    expect((await getDep('hello'))!.spec.replicas).toBe(3);
    // An edit by hand of a field the WebApp decides is reverted; a label added by hand stays.
    ok(await cli.kubectl(['patch', 'deployment', 'hello', '--type=merge', '-p', '{"metadata":{"labels":{"team":"web"}},"spec":{"replicas":1,"template":{"spec":{"containers":[{"name":"web","image":"orch.local/busybox:latest"}]}}}}']));
    await waitFor('Deployment hello repaired', async () => {
      const d = (await getDep('hello'))!;
      return d.spec.replicas === 3 && d.spec.template.spec.containers[0]!.image === 'orch.local/web:latest';
    });
    expect((await getDep('hello'))!.metadata.labels).toMatchObject({ team: 'web', 'app.kubernetes.io/managed-by': 'webapp-operator' });
  });

  it('recreates a deleted Service and repairs its port', async () => {
    const before = (await getSvc('hello'))!;
    await h.client.services.delete('hello', NS);
    await waitFor('a new Service hello', async () => {
      const s = await getSvc('hello');
      return !!s && s.metadata.uid !== before.metadata.uid;
    });
    ok(await cli.kubectl(['patch', 'service', 'hello', '--type=json', '-p', '[{"op":"replace","path":"/spec/ports/0/port","value":9090}]']));
    await waitFor('Service hello back on 8080', async () => (await getSvc('hello'))?.spec.ports?.[0]?.port === 8080);
  });

  it('a changed image and port reach the Deployment and the Service', async () => {
    // A read-modify-write, retried on 409 as clients do: the operator writes the WebApp's
    // status at the same time, which moves its resourceVersion.
    await waitFor('WebApp replaced', async () => {
      const app = await getApp('hello');
      return custom.replaceNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'hello', body: { ...app, spec: { ...app.spec, image: 'orch.local/health-web:latest', port: 8081 } } }).then(
        () => true,
        (e: { code?: number }) => {
          if (e.code === 409) return false;
          throw e;
        },
      );
    });
    await waitFor('Deployment and Service follow', async () => {
      const [d, s] = [await getDep('hello'), await getSvc('hello')];
      return d?.spec.template.spec.containers[0]?.image === 'orch.local/health-web:latest' && d.spec.template.spec.containers[0]?.ports?.[0]?.containerPort === 8081 && s?.spec.ports?.[0]?.port === 8081;
    });
  });

  it('refuses a WebApp that breaks the schema with a 422 naming the field', async () => {
    const err = await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, body: webApp('bad', { image: 'x', port: 70000 }) }).then(
      () => undefined,
      (e: { code?: number; body?: string }) => e,
    );
    expect(err?.code).toBe(422);
    expect(JSON.parse(err!.body!).details.causes).toEqual([expect.objectContaining({ field: 'spec.port' })]);
  });

  it('leaves a Deployment it does not own alone and says so in the WebApp status', async () => {
    await h.client.deployments.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'taken', namespace: NS },
      spec: { replicas: 1, selector: { matchLabels: { x: 'taken' } }, template: { metadata: { labels: { x: 'taken' } }, spec: { containers: [{ name: 'c', image: 'orch.local/web:latest' }] } } },
    });
    await custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, body: webApp('taken', { image: 'orch.local/web:latest', port: 8080, replicas: 4 }) });
    await waitFor('WebApp taken reports the conflict', async () => (await getApp('taken')).status?.conditions?.[0]?.reason === 'ReconcileFailed');
    expect((await getApp('taken')).status!.conditions![0]!.message).toMatch(/not owned by this WebApp/);
    expect((await getDep('taken'))!.spec.replicas).toBe(1);
    await custom.deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: NS, plural: PLURAL, name: 'taken' });
  });

  it('deleting the WebApp garbage-collects its Deployment and Service (and the pods)', async () => {
    const app = await getApp('hello');
    ok(await cli.kubectl(['delete', 'webapp', 'hello']));
    await waitFor('Deployment and Service hello gone', async () => !(await getDep('hello')) && !(await getSvc('hello')), 60_000);
    await waitFor('pods of hello gone', async () => (await h.client.pods.list({ namespace: NS, labelSelector: 'app.kubernetes.io/instance=hello' })).items.length === 0, 60_000);
    // The Deployment nobody owned is still there.
    expect(await getDep('taken')).toBeDefined();
    expect(app.metadata!.uid).toBeTruthy();
  });
});
