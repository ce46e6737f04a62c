// `npm run bench -- agent-grace [--baseline-agent PATH] [--pods N] [--grace S]`: pods whose
// container ignores SIGTERM (busybox `sleep` as PID 1 does), default 30 s grace, on one node
// with real Docker, the agent as its own process:
//  1. a ReplicaSet of N pods scaled to 5: until the API lists 5 (the others' deletion
//     confirmed by the agent once their containers are gone);
//  2. N pods deleted at once, and a new pod created right after: until the new pod's
//     container starts (Docker's start event), and until the N are gone from the API.
// Kubernetes waits one grace period for both; an agent whose workers wait out grace periods
// needs one per batch of workers, and the new pod waits for a free worker.
// --baseline-agent PATH runs the same scenarios first with another build's agent (e.g.
// dist/agent/main.js of a worktree of main after `npm run build`): both in one table.
// The apiserver and the ReplicaSet controller run in this process.

import crypto from 'node:crypto';
import type { Pod, ReplicaSet } from '../api/types.js';
import { ApiClient } from '../client/rest-client.js';
import { silentLogger } from '../foundation/logger.js';
import { ControllerManager } from '../controller/manager.js';
import { startTestApiServer } from '../test/helpers/apiserver.js';
import { agentEntry, IMAGE, requireImage, startAgentProcess, stopProcess, waitCount, watchStarts } from './lib/docker.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

interface Figures {
  scaleMs: number;
  freshMs: number;
  deleteMs: number;
}

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the API every 100 ms until check() holds; rejects after timeoutMs. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function run(ctx: BenchContext): Promise<number> {
  const N = Number(argValue(ctx.args, '--pods') ?? 30);
  const graceArg = argValue(ctx.args, '--grace');
  const grace = graceArg === undefined ? 30 : Number(graceArg);
  const baselineAgent = argValue(ctx.args, '--baseline-agent');
  const runId = crypto.randomBytes(3).toString('hex');
  await requireImage();

  const nodes = { baseline: `grace-${runId}-base`, orch: `grace-${runId}-orch` };
  const api = await startTestApiServer({ nodeNames: Object.values(nodes) });
  ctx.cleanup.add('apiserver', () => api.stop());
  const admin = new ApiClient({ server: api.url, token: api.token });
  const cm = new ControllerManager({ client: admin, logger: silentLogger(), controllers: ['replicaset'] });
  await cm.start();
  ctx.cleanup.add('replicaset controller', () => cm.stop());

  const podsOf = async (selector: string) => (await admin.pods.list({ namespace: 'default', labelSelector: selector })).items;
  const running = (ps: Pod[]) => ps.filter((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp).length;
  const template = (node: string, labels: Record<string, string>) => ({
    metadata: { labels },
    spec: {
      nodeName: node,
      ...(graceArg === undefined ? {} : { terminationGracePeriodSeconds: grace }),
      containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent' as const, command: ['sleep', '3600'] }],
    },
  });

  const scenario = async (which: 'baseline' | 'orch', entry: string[]): Promise<Figures> => {
    const node = nodes[which];
    ctx.say(`${which}: agent ${entry.at(-1)}`);
    const podOf = (name: string, app: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app } }, spec: template(node, { app }).spec });
    const agent = await startAgentProcess(ctx, admin, { apiUrl: api.url, token: api.nodeTokens[node]!, node, entry, logName: `agent-${which}.log` });

    // 1. ReplicaSet N → 5.
    const app = `rs-${which}`;
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: app, namespace: 'default' },
      spec: { replicas: N, selector: { matchLabels: { app } }, template: template(node, { app }) },
    };
    await admin.replicasets.create(rs);
    await until(`${N} pods of ${app} running`, async () => running(await podsOf(`app=${app}`)) === N, 180_000);
    const s0 = performance.now();
    await admin.replicasets.patch(app, 'default', { spec: { replicas: 5 } }, 'merge');
    await until(`${app} down to 5 pods`, async () => (await podsOf(`app=${app}`)).length === 5, 600_000);
    const scaleMs = performance.now() - s0;
    ctx.say(`${which}: ReplicaSet ${N} → 5 in ${(scaleMs / 1000).toFixed(1)} s`);
    // Out of the way without a grace period (not measured).
    await admin.replicasets.patch(app, 'default', { spec: { replicas: 0 } }, 'merge');
    for (const p of await podsOf(`app=${app}`)) await admin.pods.delete(p.metadata.name!, 'default', { gracePeriodSeconds: 0 }).catch(() => undefined);
    await until(`${app} empty`, async () => (await podsOf(`app=${app}`)).length === 0, 120_000);

    // 2. Delete N pods, create one right after.
    const del = `del-${which}`;
    await Promise.all(Array.from({ length: N }, (_, i) => admin.pods.create(podOf(`${del}-${i}`, del))));
    await until(`${N} pods of ${del} running`, async () => running(await podsOf(`app=${del}`)) === N, 180_000);
    const fresh = `fresh-${which}`;
    let freshStartedAt: number | undefined;
    const stopWatch = watchStarts(`orch.io/pod=${fresh}`, (e) => (freshStartedAt ??= e.at));
    await sleep(200); // the event stream is connected
    const d0 = performance.now();
    await Promise.all(Array.from({ length: N }, (_, i) => admin.pods.delete(`${del}-${i}`, 'default')));
    const f0 = performance.now();
    await admin.pods.create(podOf(fresh, fresh));
    await waitCount(`${fresh} started`, () => (freshStartedAt === undefined ? 0 : 1), 1, 600_000);
    const freshMs = freshStartedAt! - f0;
    stopWatch();
    ctx.say(`${which}: new pod created right after deleting ${N} running in ${(freshMs / 1000).toFixed(1)} s`);
    await until(`${N} pods of ${del} gone`, async () => (await podsOf(`app=${del}`)).length === 0, 600_000);
    const deleteMs = performance.now() - d0;
    ctx.say(`${which}: ${N} pods deleted in ${(deleteMs / 1000).toFixed(1)} s`);
    await admin.pods.delete(fresh, 'default', { gracePeriodSeconds: 0 }).catch(() => undefined);
    await admin.replicasets.delete(app, 'default').catch(() => undefined);
    await stopProcess(agent);
    return { scaleMs, freshMs, deleteMs };
  };

  const base = baselineAgent ? await scenario('baseline', [process.execPath, baselineAgent]) : undefined;
  const orch = await scenario('orch', agentEntry());

  const note = base ? `baseline: the same scenario with ${baselineAgent}` : 'no baseline: pass --baseline-agent PATH (another build of dist/agent/main.js)';
  const rows: ResultRow[] = [
    { metric: `ReplicaSet ${N} → 5`, unit: 's', orch: orch.scaleMs / 1000, baseline: base && base.scaleMs / 1000, target: grace * 1.25, direction: 'lower', note: `${N - 5} pods ignoring SIGTERM, ${grace} s grace; until the API lists 5 pods. Target: one grace period (+25 %). ${note}` },
    { metric: `new pod → running, right after deleting ${N}`, unit: 's', orch: orch.freshMs / 1000, baseline: base && base.freshMs / 1000, target: 2, direction: 'lower', note: 'from its create request to its container start event' },
    { metric: `delete ${N} pods`, unit: 's', orch: orch.deleteMs / 1000, baseline: base && base.deleteMs / 1000, target: grace * 1.25, direction: 'lower', note: 'until the API lists none of them' },
  ];
  ctx.say('');
  ctx.say(renderTable('agent: grace periods (local Docker engine)', rows));
  return 0;
}

export const bench: Bench = {
  description: 'pods ignoring SIGTERM, 30 s grace: ReplicaSet 30 → 5, deleting 30 and a new pod meanwhile (--baseline-agent PATH to compare builds)',
  run,
};
