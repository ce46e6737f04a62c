// HorizontalPodAutoscaler against a real apiserver + etcd: autoscaling/v2 stored with
// Kubernetes' defaults, autoscaling/v1 served as a converted view (round trips both ways,
// v1 writes keep what v1 cannot say), bad input as 422 naming the field, the kubectl
// table, a protobuf v1 body (what `kubectl autoscale` sends), and kubectl itself.

import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { encodeMessage, protobufBody } from '../helpers/k8s-protobuf.js';
import { cliClients, type Clients } from '../helpers/kubectl.js';

let s: TestApiServer;
let dir: string;
let cli: Clients;
const NS = 'default';
const V2 = `/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers`;
const V1 = `/apis/autoscaling/v1/namespaces/${NS}/horizontalpodautoscalers`;

beforeAll(async () => {
  s = await startTestApiServer({ tls: true });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-hpa-api-'));
  cli = cliClients(s, dir);
});
afterAll(async () => {
  await s?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** One request over HTTPS (kubectl needs TLS to send its token), trusting the test CA. */
function req(method: string, p: string, body?: unknown, opts: { contentType?: string; rawBody?: Buffer; accept?: string } = {}): Promise<{ status: number; body: any }> {
  const payload = opts.rawBody ?? (body === undefined ? undefined : JSON.stringify(body));
  const headers: Record<string, string> = { Authorization: `Bearer ${s.token}`, ...(opts.accept ? { Accept: opts.accept } : {}) };
  if (payload !== undefined) headers['Content-Type'] = opts.contentType ?? 'application/json';
  return new Promise((resolve, reject) => {
    const rq = https.request(`${s.url}${p}`, { method, ca: s.ca, headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    rq.on('error', reject);
    rq.end(payload);
  });
}
const target = (name: string) => ({ apiVersion: 'apps/v1', kind: 'Deployment', name });
const v2 = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name }, spec: { scaleTargetRef: target('web'), maxReplicas: 5, ...spec } });

describe('discovery', () => {
  test('autoscaling serves v2 (preferred) and v1, with the status subresource and short name hpa', async () => {
    const group = (await req('GET', '/apis/autoscaling')).body;
    expect(group.preferredVersion.version).toBe('v2');
    expect(group.versions.map((v: { version: string }) => v.version)).toEqual(['v2', 'v1']);
    for (const v of ['v1', 'v2']) {
      const list = (await req('GET', `/apis/autoscaling/${v}`)).body;
      expect(list.resources).toContainEqual(expect.objectContaining({ name: 'horizontalpodautoscalers', kind: 'HorizontalPodAutoscaler', shortNames: ['hpa'], namespaced: true }));
      expect(list.resources).toContainEqual(expect.objectContaining({ name: 'horizontalpodautoscalers/status' }));
    }
  });
});

describe('autoscaling/v2', () => {
  test('create fills in Kubernetes defaults: minReplicas 1, 80% CPU, behavior rules; status starts empty', async () => {
    const res = await req('POST', V2, v2('defaults', { behavior: { scaleDown: { stabilizationWindowSeconds: 30 } } }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.spec.minReplicas).toBe(1);
    expect(res.body.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    expect(res.body.spec.behavior.scaleUp).toEqual({ stabilizationWindowSeconds: 0, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 4, periodSeconds: 15 }, { type: 'Percent', value: 100, periodSeconds: 15 }] });
    expect(res.body.spec.behavior.scaleDown).toEqual({ stabilizationWindowSeconds: 30, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] });
    expect(res.body.status).toEqual({ desiredReplicas: 0 });
  });

  test.each([
    ['minReplicas > maxReplicas', { minReplicas: 6 }, 'spec.maxReplicas', 'must be greater than or equal to `minReplicas`'],
    ['minReplicas 0', { minReplicas: 0 }, 'spec.minReplicas', 'must be greater than or equal to 1'],
    ['no maxReplicas', { maxReplicas: undefined }, 'spec.maxReplicas', 'Required value'],
    ['no scale target name', { scaleTargetRef: { kind: 'Deployment' } }, 'spec.scaleTargetRef.name', 'Required value'],
    ['unknown metric type', { metrics: [{ type: 'Magic' }] }, 'spec.metrics[0].type', 'Unsupported value: "Magic"'],
    ['a type orch does not implement', { metrics: [{ type: 'External', external: { metric: { name: 'q' }, target: { type: 'Value', value: '1' } } }] }, 'spec.metrics[0].type', 'not implemented by orch'],
    ['a resource without a target', { metrics: [{ type: 'Resource', resource: { name: 'cpu' } }] }, 'spec.metrics[0].resource.target', 'Required value'],
    ['Utilization without a value', { metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization' } } }] }, 'spec.metrics[0].resource.target.averageUtilization', 'Required value'],
    ['a resource orch does not measure', { metrics: [{ type: 'Resource', resource: { name: 'gpu', target: { type: 'AverageValue', averageValue: '1' } } }] }, 'spec.metrics[0].resource.name', 'Unsupported value'],
    ['a zero average value', { metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '0' } } }] }, 'spec.metrics[0].resource.target.averageValue', 'must be positive'],
    ['an unknown select policy', { behavior: { scaleUp: { selectPolicy: 'Fastest' } } }, 'spec.behavior.scaleUp.selectPolicy', 'Unsupported value'],
    ['a period over 30 minutes', { behavior: { scaleDown: { policies: [{ type: 'Pods', value: 1, periodSeconds: 1801 }] } } }, 'spec.behavior.scaleDown.policies[0].periodSeconds', 'between 1 and 1800'],
    ['a stabilization window over an hour', { behavior: { scaleDown: { stabilizationWindowSeconds: 3601 } } }, 'spec.behavior.scaleDown.stabilizationWindowSeconds', 'between 0 and 3600'],
  ])('%s is a 422 naming the field', async (_what, spec, field, message) => {
    const res = await req('POST', V2, v2('bad', spec as Record<string, unknown>));
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.reason).toBe('Invalid');
    expect(res.body.details.causes).toContainEqual(expect.objectContaining({ field, message: expect.stringContaining(message) }));
  });

  test('a target that does not exist is accepted (the autoscaler reports it in a condition, as Kubernetes)', async () => {
    const res = await req('POST', V2, v2('ghost', { scaleTargetRef: target('no-such-deployment') }));
    expect(res.status, JSON.stringify(res.body)).toBe(201);
  });

  test('the main endpoint ignores status; /status writes only status', async () => {
    const created = (await req('POST', V2, v2('st', {}))).body;
    created.status = { currentReplicas: 3, desiredReplicas: 4 };
    created.spec.maxReplicas = 7;
    const main = (await req('PUT', `${V2}/st`, created)).body;
    expect(main.spec.maxReplicas).toBe(7);
    expect(main.status).toEqual({ desiredReplicas: 0 });
    main.status = { currentReplicas: 3, desiredReplicas: 4 };
    main.spec.maxReplicas = 9;
    const st = await req('PUT', `${V2}/st/status`, main);
    expect(st.status, JSON.stringify(st.body)).toBe(200);
    expect(st.body.status).toEqual({ currentReplicas: 3, desiredReplicas: 4 });
    expect(st.body.spec.maxReplicas).toBe(7);
  });
});

describe('autoscaling/v1 (converted)', () => {
  test('a v1 create is stored as v2 and reads back the same in v1', async () => {
    const res = await req('POST', V1, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'one' }, spec: { scaleTargetRef: target('web'), minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 50 } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.apiVersion).toBe('autoscaling/v1');
    expect(res.body.spec).toEqual({ scaleTargetRef: target('web'), minReplicas: 2, maxReplicas: 10, targetCPUUtilizationPercentage: 50 });
    const asV2 = (await req('GET', `${V2}/one`)).body;
    expect(asV2.apiVersion).toBe('autoscaling/v2');
    expect(asV2.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }]);
    const list = (await req('GET', V1)).body;
    expect(list.kind).toBe('HorizontalPodAutoscalerList');
    expect(list.apiVersion).toBe('autoscaling/v1');
    expect(list.items.find((i: any) => i.metadata.name === 'one').spec.targetCPUUtilizationPercentage).toBe(50);
  });

  test('a v2 object reads in v1 with its CPU target and status; a v1 write keeps its other metrics and behavior', async () => {
    const created = (
      await req(
        'POST',
        V2,
        v2('two', {
          metrics: [
            { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
            { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } },
          ],
          behavior: { scaleDown: { stabilizationWindowSeconds: 10 } },
        }),
      )
    ).body;
    created.status = { currentReplicas: 2, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '50Mi' } } }, { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 90, averageValue: '90m' } } }] };
    expect((await req('PUT', `${V2}/two/status`, created)).status).toBe(200);
    const one = (await req('GET', `${V1}/two`)).body;
    expect(one.spec.targetCPUUtilizationPercentage).toBe(60);
    expect(one.spec.metrics).toBeUndefined();
    expect(one.status).toMatchObject({ currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 90 });
    one.spec.targetCPUUtilizationPercentage = 70;
    one.spec.maxReplicas = 8;
    const put = await req('PUT', `${V1}/two`, one);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect(put.body.spec.targetCPUUtilizationPercentage).toBe(70);
    const after = (await req('GET', `${V2}/two`)).body;
    expect(after.spec.maxReplicas).toBe(8);
    expect(after.spec.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
      { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } },
    ]);
    expect(after.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(10);
    // A stale resourceVersion is the client's precondition: 409, not retried.
    expect((await req('PUT', `${V1}/two`, one)).status).toBe(409);
  });

  test('a v1 merge patch changes the target', async () => {
    await req('POST', V1, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'patched' }, spec: { scaleTargetRef: target('web'), maxReplicas: 3 } });
    const res = await req('PATCH', `${V1}/patched`, { spec: { targetCPUUtilizationPercentage: 40 } }, { contentType: 'application/merge-patch+json' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.spec.targetCPUUtilizationPercentage).toBe(40);
    expect((await req('GET', `${V2}/patched`)).body.spec.metrics[0].resource.target.averageUtilization).toBe(40);
  });

  test('v1 bad input names the v1 field; a v2 body on the v1 URL is a 400', async () => {
    const bad = await req('POST', V1, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'bad1' }, spec: { scaleTargetRef: target('web'), maxReplicas: 3, targetCPUUtilizationPercentage: 0 } });
    expect(bad.status).toBe(422);
    expect(bad.body.details.causes).toContainEqual(expect.objectContaining({ field: 'spec.targetCPUUtilizationPercentage' }));
    const minMax = await req('POST', V1, { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: { name: 'bad2' }, spec: { scaleTargetRef: target('web'), minReplicas: 4, maxReplicas: 3 } });
    expect(minMax.status).toBe(422);
    expect(minMax.body.details.causes).toContainEqual(expect.objectContaining({ field: 'spec.maxReplicas' }));
    const wrong = await req('POST', V1, v2('bad3', {}));
    expect(wrong.status).toBe(400);
  });

  test('a v1 watch streams v1 objects of v2 writes', async () => {
    const created = await req('POST', V2, v2('watched', {}));
    const rv = created.body.metadata.resourceVersion;
    const events = await new Promise<any[]>((resolve, reject) => {
      const rq = https.request(`${s.url}${V1}?watch=true&resourceVersion=${rv}&timeoutSeconds=5`, { ca: s.ca, headers: { Authorization: `Bearer ${s.token}` } }, (res) => {
        let text = '';
        res.on('data', (c) => {
          text += c;
          if (text.includes('\n')) {
            rq.destroy();
            resolve(text.trim().split('\n').map((l) => JSON.parse(l)));
          }
        });
        res.on('end', () => resolve(text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l))));
      });
      rq.on('error', reject);
      rq.end();
      setTimeout(() => void req('PATCH', `${V2}/watched`, { spec: { maxReplicas: 9 } }, { contentType: 'application/merge-patch+json' }), 300);
    });
    expect(events[0]).toMatchObject({ type: 'MODIFIED', object: { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', spec: { maxReplicas: 9, targetCPUUtilizationPercentage: 80 } } });
  });

  test('a protobuf v1 body (kubectl autoscale) is stored', async () => {
    const raw = encodeMessage('k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler', { metadata: { name: 'pb' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 30 } });
    const res = await req('POST', V1, undefined, { rawBody: protobufBody('autoscaling/v1', 'HorizontalPodAutoscaler', raw), contentType: 'application/vnd.kubernetes.protobuf' });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.spec).toEqual({ scaleTargetRef: target('web'), minReplicas: 2, maxReplicas: 4, targetCPUUtilizationPercentage: 30 });
  });
});

describe('printing', () => {
  test('the table has kubectl\'s columns and TARGETS as kubectl prints them', async () => {
    const created = (await req('POST', V2, v2('tab', { minReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] }))).body;
    const table = async () => (await req('GET', `${V2}/tab`, undefined, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).body;
    let t = await table();
    expect(t.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(['Name', 'Reference', 'Targets', 'MinPods', 'MaxPods', 'Replicas', 'Age']);
    expect(t.rows[0].cells.slice(0, 6)).toEqual(['tab', 'Deployment/web', 'cpu: <unknown>/50%', '2', 5, 0]);
    created.status = { currentReplicas: 3, desiredReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12, averageValue: '12m' } } }] };
    await req('PUT', `${V2}/tab/status`, created);
    t = await table();
    expect(t.rows[0].cells.slice(2, 6)).toEqual(['cpu: 12%/50%', '2', 5, 3]);
  });

  test('kubectl autoscale, get and describe work against orch', async () => {
    const dep = await req('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'kweb' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'kweb' } }, template: { metadata: { labels: { app: 'kweb' } }, spec: { containers: [{ name: 'c', image: 'orch.local/busybox:1' }] } } },
    });
    expect(dep.status, JSON.stringify(dep.body)).toBe(201);
    const auto = await cli.kubectl(['autoscale', 'deployment', 'kweb', '--min=2', '--max=10', '--cpu-percent=50', '-n', NS]);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stdout).toContain('horizontalpodautoscaler.autoscaling/kweb autoscaled');
    const get = await cli.kubectl(['get', 'hpa', 'kweb', '-n', NS]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/NAME\s+REFERENCE\s+TARGETS\s+MINPODS\s+MAXPODS\s+REPLICAS\s+AGE/);
    expect(get.stdout).toMatch(/kweb\s+Deployment\/kweb\s+cpu: <unknown>\/50%\s+2\s+10\s+0/);
    const describe = await cli.kubectl(['describe', 'hpa', 'kweb', '-n', NS]);
    expect(describe.code, describe.stderr).toBe(0);
    expect(describe.stdout).toMatch(/Reference:\s+Deployment\/kweb/);
    expect(describe.stdout).toMatch(/Min replicas:\s+2/);
  });

  test('orch autoscale, get hpa and describe hpa print what kubectl prints', async () => {
    const dep = await req('POST', `/apis/apps/v1/namespaces/${NS}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'oweb' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'oweb' } }, template: { metadata: { labels: { app: 'oweb' } }, spec: { containers: [{ name: 'c', image: 'orch.local/busybox:1' }] } } },
    });
    expect(dep.status, JSON.stringify(dep.body)).toBe(201);
    const auto = await cli.orch(['autoscale', 'deploy/oweb', '--min', '2', '--max', '10', '--cpu-percent', '50']);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stdout).toContain('horizontalpodautoscaler.autoscaling/oweb autoscaled');
    const stored = (await req('GET', `${V2}/oweb`)).body;
    expect(stored.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'oweb' }, minReplicas: 2, maxReplicas: 10 });
    const orchGet = await cli.orch(['get', 'hpa', 'oweb']);
    const kubectlGet = await cli.kubectl(['get', 'hpa', 'oweb', '-n', NS]);
    expect(orchGet.code, orchGet.stderr).toBe(0);
    const cells = (out: string) => out.trim().split('\n').map((l) => l.split(/\s{2,}/).slice(0, 6));
    expect(cells(orchGet.stdout)).toEqual(cells(kubectlGet.stdout));
    const describe = await cli.orch(['describe', 'hpa', 'oweb']);
    expect(describe.code, describe.stderr).toBe(0);
    expect(describe.stdout).toContain('Reference:      Deployment/oweb');
    expect(describe.stdout).toContain('resource cpu on pods  (as a percentage of request):  <unknown> / 50%');
    const bad = await cli.orch(['autoscale', 'deploy/no-such', '--max', '3']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('not found');
  });

  test('kubectl apply of an autoscaling/v1 and an autoscaling/v2 manifest; kubectl get horizontalpodautoscalers.v1.autoscaling', async () => {
    const v1 = path.join(dir, 'v1.yaml');
    fs.writeFileSync(v1, `apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: applied-v1, namespace: ${NS}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 3
  targetCPUUtilizationPercentage: 70
`);
    let r = await cli.kubectl(['apply', '-f', v1]);
    expect(r.code, r.stderr).toBe(0);
    // Applied again with a change: kubectl's three-way patch against the v1 view.
    fs.writeFileSync(v1, fs.readFileSync(v1, 'utf8').replace('maxReplicas: 3', 'maxReplicas: 6'));
    r = await cli.kubectl(['apply', '-f', v1]);
    expect(r.code, r.stderr).toBe(0);
    expect((await req('GET', `${V2}/applied-v1`)).body.spec).toMatchObject({ maxReplicas: 6, metrics: [{ resource: { target: { averageUtilization: 70 } } }] });
    const v2file = path.join(dir, 'v2.yaml');
    fs.writeFileSync(v2file, `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: applied-v2, namespace: ${NS}}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  maxReplicas: 3
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 64Mi}}
  behavior:
    scaleDown: {stabilizationWindowSeconds: 10}
`);
    r = await cli.kubectl(['apply', '-f', v2file]);
    expect(r.code, r.stderr).toBe(0);
    r = await cli.kubectl(['get', 'horizontalpodautoscalers.v1.autoscaling', 'applied-v1', '-n', NS, '-o', 'jsonpath={.apiVersion} {.spec.targetCPUUtilizationPercentage}']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('autoscaling/v1 70');
  });
});
