// `npm run bench -- e2e [--replicas 30] [--runs 1] [--keep]`: where the time of one
// `orch apply` goes, hop by hop, from the CLI's start to the last pod's status.
//
// Starts a one-node cluster with `orch up` (its own ORCH_HOME, ports and node name) with
// ORCH_TRACE set, so every component appends its hop lines (foundation/trace.ts) to one
// file; then `orch apply -f` of a Namespace + Deployment of N `sleep` pods (grace 0),
// waits until Docker runs N app containers of the namespace and every pod's Running
// status is written, and prints the waterfall (bench/lib/waterfall.ts) with the load
// average. Each run uses a fresh namespace, deleted afterwards; `orch down --purge` at
// the end. Needs root, Docker and the test images (scripts/build-test-images.sh).

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { hrNow } from '../foundation/trace.js';
import { freePort, freePortRange } from '../test/helpers/ports.js';
import { cliEntry } from './lib/apiserver-process.js';
import { dockerApi, IMAGE, requireImage } from './lib/docker.js';
import type { Bench, BenchContext } from './lib/types.js';
import { buildWaterfall, parseTrace, renderWaterfall } from './lib/waterfall.js';

const run = promisify(execFile);

function flag(args: string[], name: string, dflt: number): number {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`${name} wants a positive integer, got ${JSON.stringify(args[i + 1])}`);
  return v;
}

const manifest = (ns: string, replicas: number) => `apiVersion: v1
kind: Namespace
metadata: {name: ${ns}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: e2e, namespace: ${ns}}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: e2e}}
  template:
    metadata: {labels: {app: e2e}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: main
        image: ${IMAGE}
        imagePullPolicy: IfNotPresent
        command: [sleep, "3600"]
`;

async function runningApp(ns: string): Promise<number> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`orch.io/namespace=${ns}`, 'orch.io/container=main'], status: ['running'] }));
  const res = await dockerApi('GET', `/containers/json?filters=${filters}`);
  return (JSON.parse(res.body) as unknown[]).length;
}

const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' ');

async function measure(ctx: BenchContext, env: NodeJS.ProcessEnv, trace: string, ns: string, replicas: number): Promise<void> {
  const file = path.join(ctx.workDir, `${ns}.yaml`);
  fs.writeFileSync(file, manifest(ns, replicas));
  const offset = fs.existsSync(trace) ? fs.statSync(trace).size : 0;
  const t0 = hrNow();
  const apply = run(process.execPath, [cliEntry(), 'apply', '-f', file], { env });
  let dockerAt: number | undefined;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`${ns}: not ${replicas} running containers within 120 s`);
    if ((await runningApp(ns)) >= replicas) {
      dockerAt = hrNow() - t0;
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await apply;
  // Status writes trail the containers: wait for the last one (bounded).
  let lines = parseTrace(fs.readFileSync(trace, 'utf8').slice(offset));
  for (let i = 0; i < 100; i++) {
    const w = buildWaterfall(lines, ns);
    if (w.milestones.find((m) => m.label.startsWith('status written'))?.n === replicas) break;
    await new Promise((r) => setTimeout(r, 100));
    lines = parseTrace(fs.readFileSync(trace, 'utf8').slice(offset));
  }
  const w = buildWaterfall(lines, ns);
  ctx.say(`\n== apply of ${replicas} replicas (${ns}), load average ${load()} ==`);
  ctx.say(renderWaterfall(w));
  ctx.say(`Docker shows ${replicas} running: ${dockerAt.toFixed(0)} ms after the bench spawned the CLI (${(t0 - w.t0).toFixed(0)} ms before the CLI process began)`);
}

export const bench: Bench = {
  description: 'one `orch apply` of 30 replicas traced hop by hop (ORCH_TRACE): the waterfall from CLI start to every status written, waiting vs working',
  async run(ctx) {
    const replicas = flag(ctx.args, '--replicas', 30);
    const runs = flag(ctx.args, '--runs', 1);
    if (ctx.args.includes('--keep')) ctx.keepWorkDir();
    await requireImage();
    const home = path.join(ctx.workDir, 'home');
    const trace = path.join(ctx.workDir, 'trace.ndjson');
    const env = { ...process.env, ORCH_HOME: home, ORCH_TRACE: trace, ORCH_LOG_LEVEL: 'warn' };
    const cli = cliEntry();
    const orch = (args: string[]) => run(process.execPath, [cli, ...args], { env, maxBuffer: 16 << 20 });
    const node = `e2e-${process.pid}`;
    ctx.say(`starting a one-node cluster (orch up, node ${node}, ORCH_HOME ${home}) ...`);
    const [api, etcd, agent] = [await freePort(), await freePortRange(2), await freePortRange(2)];
    ctx.cleanup.add('orch down --purge', async () => void (await orch(['down', '--purge']).catch((err: Error) => ctx.say(`orch down: ${err.message}`))));
    await orch(['up', '--api-port', String(api), '--etcd-port', String(etcd), '--agent-port', String(agent), '--node-name', node, '--log-level', 'warn']);
    for (let i = 0; i < runs; i++) {
      const ns = `e2e-${process.pid}-${i}`;
      await measure(ctx, env, trace, ns, replicas);
      await orch(['delete', 'namespace', ns, '--grace-period', '0']).catch((err: Error) => ctx.say(`delete namespace ${ns}: ${err.message}`));
      for (let k = 0; k < 300 && (await runningApp(ns)) > 0; k++) await new Promise((r) => setTimeout(r, 200));
    }
    return 0;
  },
};
