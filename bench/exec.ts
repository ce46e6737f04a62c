// `npm run bench -- exec`: the round trip of `kubectl exec POD -- true` (kubectl v1.32 →
// apiserver pods/{name}/exec → the agent's endpoint → docker exec, WebSocket
// v5.channel.k8s.io end to end) against `docker exec CONTAINER true` on the same container,
// interleaved run by run so both see the same machine load. Each figure is one whole CLI
// invocation, process start included, as a user waits for it. Target: p50 ratio ≤ 1.5.
// The apiserver (+ etcd) runs in this process (HTTPS: kubectl sends tokens only over TLS);
// the agent is its own OS process. Options: --runs N (default 30); --trace prints one
// kubectl run's request log (-v=9); --baseline-agent PATH (another build's
// dist/agent/main.js) adds a second node with that agent and times kubectl exec into its pod
// in the same interleaved loop (the apiserver is this build's for both).
// Also timed in the same loop, to show the floor under the target: `kubectl get pod` (the
// same kubectl start, TLS and GET of the pod that exec begins with) and the engine's exec
// alone through its API (create, start attached until the process ends, inspect for the
// exit code: what the agent asks of Docker, without any CLI). Their sum is what kubectl exec
// would take if orch's apiserver and agent cost nothing.

import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Pod } from '../api/types.js';
import { ApiClient } from '../client/rest-client.js';
import { formatTokenLine } from '../foundation/token-file.js';
import { startTestApiServer } from '../test/helpers/apiserver.js';
import { TEST_PAUSE_IMAGE } from '../test/helpers/images.js';
import { dockerApi, IMAGE, requireImage, startAgentProcess } from './lib/docker.js';
import { summarize } from './lib/stats.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

function timed(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    execFile(cmd, args, { env: env ? { ...process.env, ...env } : process.env, timeout: 30_000 }, (err, _out, stderr) =>
      err ? reject(new Error(`${cmd} ${args.slice(-4).join(' ')}: ${stderr || err.message}`)) : resolve(performance.now() - t0),
    );
  });
}

/** One `true` through the engine API alone (no CLI): exec create, start attached, inspect. */
async function engineExec(containerId: string): Promise<number> {
  const t0 = performance.now();
  const created = await dockerApi('POST', `/containers/${containerId}/exec`, { Cmd: ['true'], AttachStdout: true, AttachStderr: true });
  if (created.status !== 201) throw new Error(`exec create: ${created.status} ${created.body}`);
  const { Id } = JSON.parse(created.body) as { Id: string };
  // Not detached: Docker answers with the raw stream and closes it when the process ends.
  const started = await dockerApi('POST', `/exec/${Id}/start`, { Detach: false, Tty: false });
  if (started.status !== 200) throw new Error(`exec start: ${started.status} ${started.body}`);
  const inspect = JSON.parse((await dockerApi('GET', `/exec/${Id}/json`)).body) as { ExitCode: number | null };
  if (inspect.ExitCode !== 0) throw new Error(`exec of true exited ${inspect.ExitCode}`);
  return performance.now() - t0;
}

async function run(ctx: BenchContext): Promise<number> {
  const i = ctx.args.indexOf('--runs');
  const RUNS = i >= 0 ? Number(ctx.args[i + 1]) : 30;
  if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error('--runs takes a whole number');
  await requireImage();
  const trace = ctx.args.includes('--trace');
  // --trace: the agent logs each stream (debug) and its log is kept to compare with kubectl's.
  if (trace) ctx.keepWorkDir();
  const baselineAgent = (() => {
    const j = ctx.args.indexOf('--baseline-agent');
    return j >= 0 ? ctx.args[j + 1] : undefined;
  })();
  const runId = crypto.randomBytes(3).toString('hex');
  const builds = [...(baselineAgent ? [{ name: 'baseline', entry: [process.execPath, path.resolve(baselineAgent)] as string[] | undefined }] : []), { name: 'orch', entry: undefined }];
  const nodes = builds.map((b) => `bench-exec-${runId}-${b.name}`);
  const agentToken = crypto.randomBytes(16).toString('hex');
  const api = await startTestApiServer({ nodeNames: nodes, tls: true, server: { agentClient: { token: agentToken, insecureHttp: true } } });
  ctx.cleanup.add('apiserver', () => api.stop());
  const admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  const tokenFile = path.join(ctx.workDir, 'agent-endpoint-tokens');
  fs.writeFileSync(tokenFile, `${formatTokenLine({ token: agentToken, user: 'orch:apiserver', uid: '', groups: [] })}\n`);
  const ca = path.join(ctx.workDir, 'ca.pem');
  fs.writeFileSync(ca, api.ca ?? '');

  /** One build's agent and its pod; resolves with the pod's container id. */
  const prepare = async (b: (typeof builds)[number], node: string): Promise<string> => {
    const extra = b.entry ? ['--healthz-port', '0', '--pod-infra-container-image', TEST_PAUSE_IMAGE] : [];
    await startAgentProcess(ctx, admin, { apiUrl: api.url, token: api.nodeTokens[node]!, node, entry: b.entry, logName: `agent-${b.name}.log`, extraArgs: [...extra, '--ca-file', ca, '--log-server-token-file', tokenFile, '--network-backend', 'none', ...(trace ? ['--log-level', 'debug'] : [])] });
    const pod: Pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `target-${b.name}`, namespace: 'default' },
      spec: { nodeName: node, terminationGracePeriodSeconds: 0, containers: [{ name: 'main', image: IMAGE, imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }] },
    };
    await admin.pods.create(pod);
    for (const deadline = Date.now() + 60_000; ; ) {
      const p = await admin.pods.get(pod.metadata.name!, 'default');
      const s = p.status?.containerStatuses?.[0];
      if (s?.state?.running && s.containerID) return s.containerID.replace('docker://', '');
      if (Date.now() > deadline) throw new Error('the pod did not run within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const containerIds: string[] = [];
  for (const [i, b] of builds.entries()) containerIds.push(await prepare(b, nodes[i]!));
  const containerId = containerIds[containerIds.length - 1]!;

  const common = ['--server', api.url, '--token', api.token, '--certificate-authority', ca, '--cache-dir', path.join(ctx.workDir, 'kcache')];
  const execArgs = (b: (typeof builds)[number]) => [...common, 'exec', `target-${b.name}`, '--', 'true'];
  const kubectlArgs = execArgs(builds[builds.length - 1]!);
  const env = { KUBECONFIG: path.join(ctx.workDir, 'none') };
  // Warm-up: discovery cache, first TLS handshakes, Docker's first exec.
  for (let k = 0; k < 3; k++) {
    for (const b of builds) await timed('kubectl', execArgs(b), env);
    await timed('docker', ['exec', containerId, 'true']);
  }
  if (trace) {
    // One kubectl run with its request log, to see where the time goes.
    await new Promise<void>((resolve) =>
      execFile('kubectl', ['-v=9', ...kubectlArgs], { env: { ...process.env, ...env } }, (_e, _o, stderr) => {
        ctx.say(stderr);
        resolve();
      }),
    );
  }
  const kube: number[] = [];
  const base: number[] = [];
  const dock: number[] = [];
  // For reference: the same kubectl invocation without the stream (GET of the pod only).
  const getArgs = [...common, 'get', 'pod', 'target-orch', '-o', 'name'];
  const get: number[] = [];
  const engine: number[] = [];
  for (let k = 0; k < RUNS; k++) {
    if (baselineAgent) base.push(await timed('kubectl', execArgs(builds[0]!), env));
    kube.push(await timed('kubectl', kubectlArgs, env));
    dock.push(await timed('docker', ['exec', containerId, 'true']));
    get.push(await timed('kubectl', getArgs, env));
    engine.push(await engineExec(containerId));
  }
  const [ks, ds, gs, es] = [summarize(kube), summarize(dock), summarize(get), summarize(engine)];
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  ctx.say(`kubectl get pod (reference, no stream), ${RUNS} runs: p50 ${gs.p50.toFixed(0)} ms, p90 ${gs.p90.toFixed(0)} ms`);
  ctx.say(`kubectl exec -- true, ${RUNS} runs: p50 ${ks.p50.toFixed(0)} ms, p90 ${ks.p90.toFixed(0)} ms (min ${ks.min.toFixed(0)}, max ${ks.max.toFixed(0)})`);
  if (baselineAgent) {
    const bs = summarize(base);
    ctx.say(`kubectl exec -- true, baseline agent ${baselineAgent}, ${RUNS} runs: p50 ${bs.p50.toFixed(0)} ms, p90 ${bs.p90.toFixed(0)} ms (min ${bs.min.toFixed(0)}, max ${bs.max.toFixed(0)})`);
  }
  ctx.say(`docker exec true, ${RUNS} runs:   p50 ${ds.p50.toFixed(0)} ms, p90 ${ds.p90.toFixed(0)} ms (min ${ds.min.toFixed(0)}, max ${ds.max.toFixed(0)})`);
  ctx.say(`engine exec alone (API: create, start attached, inspect; no CLI), ${RUNS} runs: p50 ${es.p50.toFixed(0)} ms, p90 ${es.p90.toFixed(0)} ms`);
  ctx.say(`load average at the end: ${load}`);
  const floor = gs.p50 + es.p50;
  const rows: ResultRow[] = [
    { metric: 'exec round trip p50', unit: 'ms', orch: ks.p50, baseline: ds.p50, target: ds.p50 * 1.5, direction: 'lower', note: 'target: ≤ 1.5 × docker exec' },
    { metric: 'exec round trip p90', unit: 'ms', orch: ks.p90, baseline: ds.p90, direction: 'lower' },
    { metric: 'floor: kubectl get pod p50 + engine exec p50', unit: 'ms', orch: floor, baseline: ds.p50, target: ds.p50 * 1.5, direction: 'lower', note: `${gs.p50.toFixed(0)} + ${es.p50.toFixed(0)} ms: kubectl exec with an apiserver and agent that cost nothing` },
    { metric: 'what orch adds: kubectl exec p50 − the floor', unit: 'ms', orch: ks.p50 - floor, direction: 'lower' },
  ];
  if (baselineAgent) rows.push({ metric: 'exec p50: this agent vs the baseline agent', unit: 'ms', orch: ks.p50, baseline: summarize(base).p50, direction: 'lower', note: 'same apiserver (this build), interleaved' });
  ctx.say(renderTable('kubectl exec vs docker exec (whole CLI invocations, interleaved)', rows));
  return 0;
}

export const bench: Bench = { description: 'kubectl exec -- true round trip p50/p90 vs docker exec on the same container', run };
