// `npm run bench -- port-forward [--mb N] [--rounds R]`: throughput of one download of N MB
// (default 200) from a pod's web server, fetched by curl in one run:
//   - direct: curl → the pod IP (the baseline: what the node itself gets);
//   - kubectl port-forward (v1.32, its default: SPDY tunnelled in a WebSocket);
//   - kubectl port-forward with KUBECTL_PORT_FORWARD_WEBSOCKETS=false (plain SPDY);
//   - orch port-forward (WebSocket channel protocol).
// Path of the forwarded bytes: pod → agent (its own process, real Docker) → apiserver (TLS,
// in this process; nothing else heavy runs here) → the port-forward client → curl. The
// figure per way is the median of R rounds (default 3), rounds interleaved so a noisy
// moment hits every way alike. Target: kubectl ≥ 0.5× direct. Each round also prints the
// CPU seconds the agent, the apiserver (this process) and the port-forward client used.

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ApiClient } from '../client/rest-client.js';
import { startTestApiServer } from '../test/helpers/apiserver.js';
import { cliEntry } from './lib/apiserver-process.js';
import { startAgentProcess } from './lib/docker.js';
import { median } from './lib/stats.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';

function argValue(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** curl's download of url: bytes and seconds (its own timing, transfer only). */
function curl(url: string): Promise<{ bytes: number; seconds: number }> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{size_download} %{time_total}', url], { timeout: 600_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`curl ${url}: ${stderr || err.message}`));
      const [bytes, seconds] = stdout.trim().split(' ').map(Number);
      resolve({ bytes: bytes!, seconds: seconds! });
    });
  });
}

/** Starts a port-forward CLI and resolves with its local port once it prints "Forwarding from 127.0.0.1:N". */
function forward(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ proc: ChildProcess; port: number }> {
  const proc = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve({ proc, port: Number(m[1]) });
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`${cmd} exited (${code}):\n${out}`)));
  });
}

/** CPU seconds (user + system) a process has used so far (/proc/<pid>/stat, 100 ticks/s). */
function cpuOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return 0;
  }
}

const ownCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

function stop(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    p.once('exit', () => r());
    p.kill('SIGINT');
  });
}

async function run(ctx: BenchContext): Promise<number> {
  const mb = Number(argValue(ctx.args, '--mb') ?? 200);
  const rounds = Number(argValue(ctx.args, '--rounds') ?? 3);
  const runId = crypto.randomBytes(3).toString('hex');
  const node = `pf-bench-${runId}`;
  const agentToken = crypto.randomBytes(16).toString('hex');

  ctx.say(`port-forward: ${mb} MB downloads, ${rounds} rounds per way`);
  const api = await startTestApiServer({ nodeNames: [node], tls: true, server: { agentClient: { token: agentToken, insecureHttp: true } } });
  ctx.cleanup.add('apiserver', () => api.stop());
  const admin = new ApiClient({ server: api.url, token: api.token, ca: api.ca });
  const tokens = path.join(ctx.workDir, 'agent-tokens.csv');
  fs.writeFileSync(tokens, `${agentToken},apiserver,apiserver,\n`);
  const agent = await startAgentProcess(ctx, admin, { node, token: api.nodeTokens[node]!, apiUrl: api.url, extraArgs: ['--log-server-token-file', tokens, '--ca-file', writeCa(ctx, api.ca!), '--network-backend', 'none'] });

  const script = ['mkdir -p /www', `dd if=/dev/urandom of=/www/big bs=1M count=${mb} 2>/dev/null`, 'httpd -f -p 8080 -h /www &', 'touch /tmp/ready', 'trap "exit 0" TERM', 'wait'].join('\n');
  await admin.pods.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'pf-bench', namespace: 'default' },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'web', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', script], readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1 } }],
    },
  });
  let podIP = '';
  for (const deadline = Date.now() + 120_000; !podIP; ) {
    const p = await admin.pods.get('pf-bench', 'default');
    if (p.status?.containerStatuses?.[0]?.ready) podIP = p.status.podIP ?? '';
    else if (Date.now() > deadline) throw new Error('pod pf-bench not ready within 120 s');
    else await new Promise((r) => setTimeout(r, 300));
  }

  const caFile = writeCa(ctx, api.ca!);
  const kubectlArgs = ['--server', api.url, '--token', api.token, '--certificate-authority', caFile, '--cache-dir', path.join(ctx.workDir, 'kcache'), 'port-forward', '-n', 'default', 'pod/pf-bench', ':8080'];
  const orchArgs = [cliEntry(), 'port-forward', 'pod/pf-bench', ':8080', '--server', api.url, '--token', api.token, '--ca-file', caFile];
  const env = { KUBECONFIG: path.join(ctx.workDir, 'none'), ORCH_HOME: ctx.workDir };
  const ways: { name: string; start?: () => Promise<{ proc: ChildProcess; port: number }> }[] = [
    { name: 'direct (pod IP)' },
    { name: 'kubectl port-forward (WebSocket)', start: () => forward('kubectl', kubectlArgs, env) },
    { name: 'kubectl port-forward (plain SPDY)', start: () => forward('kubectl', kubectlArgs, { ...env, KUBECTL_PORT_FORWARD_WEBSOCKETS: 'false' }) },
    { name: 'orch port-forward', start: () => forward(process.execPath, orchArgs, env) },
  ];
  const results = new Map<string, number[]>();
  for (let r = 0; r < rounds; r++) {
    for (const way of ways) {
      const fwd = await way.start?.();
      try {
        const url = fwd ? `http://127.0.0.1:${fwd.port}/big` : `http://${podIP}:8080/big`;
        const before = { agent: cpuOf(agent.pid), apiserver: ownCpu(), client: cpuOf(fwd?.proc.pid) };
        const got = await curl(url);
        const cpu = `CPU s: agent ${(cpuOf(agent.pid) - before.agent).toFixed(2)}, apiserver ${(ownCpu() - before.apiserver).toFixed(2)}, client ${(cpuOf(fwd?.proc.pid) - before.client).toFixed(2)}`;
        if (got.bytes !== mb * 1024 * 1024) throw new Error(`${way.name}: ${got.bytes} bytes, expected ${mb * 1024 * 1024}`);
        const mbps = mb / got.seconds;
        results.set(way.name, [...(results.get(way.name) ?? []), mbps]);
        ctx.say(`  round ${r + 1} ${way.name}: ${mbps.toFixed(1)} MB/s (${got.seconds.toFixed(2)} s; ${cpu})`);
      } finally {
        if (fwd) await stop(fwd.proc);
      }
    }
  }

  const direct = median(results.get(ways[0]!.name)!);
  const rows: ResultRow[] = ways.slice(1).map((w, i) => ({
    metric: `${w.name}, ${mb} MB`,
    unit: 'MB/s',
    orch: median(results.get(w.name)!),
    baseline: direct,
    target: i === 0 ? direct * 0.5 : undefined,
    direction: 'higher',
    note: i === 0 ? `baseline: curl straight to the pod IP (${direct.toFixed(1)} MB/s, median of ${rounds}); target 0.5x of it` : undefined,
  }));
  ctx.say(renderTable(`port-forward throughput (${mb} MB, curl)`, rows));
  return 0;
}

function writeCa(ctx: BenchContext, ca: string): string {
  const file = path.join(ctx.workDir, 'ca.pem');
  fs.writeFileSync(file, ca);
  return file;
}

export const bench: Bench = { description: 'throughput through kubectl/orch port-forward vs curl to the pod IP', run };
