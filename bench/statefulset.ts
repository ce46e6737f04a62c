// `npm run bench -- statefulset`: a StatefulSet of 10 (a local-path claim per pod) created →
// all 10 Ready, OrderedReady (one pod at a time, each after the previous is Ready) vs
// Parallel, beside a Deployment of 10 without claims in the same run, each after the
// previous was deleted. Times are from the create to status.readyReplicas == 10 as the API
// reports it (polled every 20 ms). The apiserver (+ etcd), the scheduler and the controller
// manager run in this process; the agent is its own process on the machine's Docker.
// Prints the load average before and after (the machine is shared).

import crypto from 'node:crypto';
import os from 'node:os';
import type { StatefulSet } from '../api/statefulset-types.js';
import type { Deployment, PodTemplateSpec } from '../api/types.js';
import { ApiClient } from '../client/rest-client.js';
import { ControllerManager } from '../controller/manager.js';
import { silentLogger } from '../foundation/logger.js';
import { runScheduler } from '../scheduler/run.js';
import { startTestApiServer } from '../test/helpers/apiserver.js';
import { IMAGE, requireImage, startAgentProcess } from './lib/docker.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

const N = 10;

const until = async <T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 300_000): Promise<T> => {
  for (const deadline = Date.now() + timeoutMs; ; ) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

const load = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

async function run(ctx: BenchContext): Promise<number> {
  await requireImage();
  const node = `bench-sts-${crypto.randomBytes(3).toString('hex')}`;
  const api = await startTestApiServer({ nodeNames: [node] });
  ctx.cleanup.add('apiserver', () => api.stop());
  const admin = new ApiClient({ server: api.url, token: api.token });
  await startAgentProcess(ctx, admin, { apiUrl: api.url, token: api.nodeTokens[node]!, node, extraArgs: ['--network-backend', 'none'] });
  const stopScheduler = new AbortController();
  const scheduler = runScheduler({ client: admin, logger: silentLogger() }, stopScheduler.signal);
  ctx.cleanup.add('scheduler', async () => {
    stopScheduler.abort();
    await scheduler.catch(() => undefined);
  });
  const manager = new ControllerManager({
    client: admin,
    logger: silentLogger(),
    controllers: ['statefulset', 'deployment', 'replicaset', 'garbagecollector', 'persistentvolume-binder', 'pvc-protection', 'pv-protection'],
  });
  await manager.start();
  ctx.cleanup.add('controller manager', () => manager.stop());
  await until('default class', () => admin.resource('storageclasses').get('local-path').catch(() => undefined));
  ctx.say(`load average before: ${load()}`);

  const template = (app: string, claim: boolean): PodTemplateSpec => ({
    metadata: { labels: { app } },
    spec: {
      terminationGracePeriodSeconds: 0,
      containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'], ...(claim ? { volumeMounts: [{ name: 'data', mountPath: '/data' }] } : {}) }],
    },
  });
  const sets = admin.resource<StatefulSet>('statefulsets');
  const deployments = admin.resource<Deployment>('deployments');
  const noPodsLeft = (app: string) => until(`pods of ${app} gone`, async () => ((await admin.pods.list({ namespace: 'default', labelSelector: `app=${app}` })).items.length === 0 ? true : undefined));

  async function deployment(name: string): Promise<number> {
    const t0 = performance.now();
    await deployments.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default' }, spec: { replicas: N, selector: { matchLabels: { app: name } }, template: template(name, false) } });
    const ms = await until(`${name} ready`, async () => ((await deployments.get(name, 'default')).status?.readyReplicas === N ? performance.now() - t0 : undefined));
    await deployments.delete(name, 'default');
    await noPodsLeft(name);
    return ms;
  }
  async function statefulSet(name: string, policy: 'OrderedReady' | 'Parallel'): Promise<number> {
    const t0 = performance.now();
    await sets.create({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name, namespace: 'default' },
      spec: {
        replicas: N,
        serviceName: name,
        podManagementPolicy: policy,
        selector: { matchLabels: { app: name } },
        template: template(name, true),
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Mi' } } } }],
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' },
      },
    });
    const ms = await until(`${name} ready`, async () => ((await sets.get(name, 'default')).status?.readyReplicas === N ? performance.now() - t0 : undefined));
    await sets.delete(name, 'default');
    await noPodsLeft(name);
    return ms;
  }

  // A warm-up Deployment (image lookup, first provisioning); not counted.
  await deployment('warm');
  const dep = await deployment('dep');
  const ordered = await statefulSet('ordered', 'OrderedReady');
  const parallel = await statefulSet('parallel', 'Parallel');
  const after = load();
  ctx.say(`Deployment of ${N} → all Ready: ${(dep / 1000).toFixed(1)} s`);
  ctx.say(`StatefulSet of ${N} (OrderedReady, a claim each) → all Ready: ${(ordered / 1000).toFixed(1)} s`);
  ctx.say(`StatefulSet of ${N} (Parallel, a claim each) → all Ready: ${(parallel / 1000).toFixed(1)} s`);
  ctx.say(`load average after: ${after}`);
  const rows: ResultRow[] = [
    { metric: `StatefulSet ${N} OrderedReady → Ready`, unit: 's', orch: ordered / 1000, baseline: dep / 1000, direction: 'lower', note: `baseline: a Deployment of ${N} in the same run` },
    { metric: `StatefulSet ${N} Parallel → Ready`, unit: 's', orch: parallel / 1000, baseline: dep / 1000, direction: 'lower' },
  ];
  ctx.say(renderTable('StatefulSet of 10 to all Ready vs a Deployment of 10 (same run)', rows));
  return 0;
}

export const bench: Bench = { description: 'StatefulSet of 10 to all Ready, OrderedReady vs Parallel, beside a Deployment of 10', run };
