// `npm run bench -- <name> [args]`: compiles (tsconfig.bench.json → dist-bench/), then runs dist-bench/bench/run.js <name>.
// Adding a bench is one line in BENCHES (a file bench/<name>.ts exporting `bench`).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cleanup } from './lib/cleanup.js';
import type { Bench, BenchContext } from './lib/types.js';

const BENCHES: Record<string, { description: string; load: () => Promise<Bench> }> = {
  apiserver: { description: 'creates/s, list of 10,000 pods, watch latency with 100 watchers, RSS — vs raw etcd', load: async () => (await import('./apiserver.js')).bench },
  scheduler: { description: 'pods bound/s and scheduler RSS with 1,000 and 5,000 hollow nodes, 10,000 pending pods', load: async () => (await import('./scheduler.js')).bench },
  agent: { description: 'pods → running vs docker run, docker kill → replacement, agent RSS with 100 pods', load: async () => (await import('./agent.js')).bench },
  'agent-grace': { description: 'pods ignoring SIGTERM (30 s grace): ReplicaSet 30 → 5, delete 30 and start a new pod meanwhile; --baseline-agent PATH compares builds', load: async () => (await import('./agent-grace.js')).bench },
  hardening: { description: 'admin and Lease latency during a slow-upload flood by one node, RSS with 200 stalled watches — vs the idle server', load: async () => (await import('./hardening.js')).bench },
  network: { description: 'host link vs pod → pod (vxlan, host-gw) throughput and RTT, 30 pods with sandboxes vs docker run, node join → traffic (root; multi-host harness)', load: async () => (await import('./network.js')).bench },
  dns: { description: 'cluster DNS (proxy/dns): queries/s and A+AAAA lookup p99 with 1,000 concurrent clients, 5-second stalls — vs a bare dns-packet responder', load: async () => (await import('./dns.js')).bench },
  'services-traffic': { description: 'Services on 3 hosts: ClusterIP vs pod IP throughput and latency, pod Ready → reachable via its Service from every host (root, harness)', load: async () => (await import('./services-traffic.js')).bench },
  'services-sync': { description: 'service proxy: iptables full sync and one-change sync at 1,000 and 10,000 services × 2 endpoints, proxy RSS (root)', load: async () => (await import('./services-sync.js')).bench },
  probes: { description: 'agent CPU with 100 pods probed over HTTP every 1 s (one probe each, then readiness + liveness) vs the same pods without probes, one run', load: async () => (await import('./probes.js')).bench },
  jobs: { description: 'Job of 100 completions, parallelism 10, short containers vs 100 docker run ten at a time; CronJob firing accuracy (scheduled time → pod created) p50/p99', load: async () => (await import('./jobs.js')).bench },
  controller: { description: 'Deployment of 30 to available and a rolling update vs 30 docker run; node-failure recovery; controller-manager RSS at 10,000 pods', load: async () => (await import('./controller.js')).bench },
  exec: { description: 'kubectl exec POD -- true round trip p50/p90 (apiserver → agent → docker exec) vs docker exec, 30 interleaved runs', load: async () => (await import('./exec.js')).bench },
  'log-memory': { description: 'agent RSS while a 1 GB container log is read from its log endpoint (with and without follow) by a slow reader, vs the idle agent; --baseline-agent PATH compares builds', load: async () => (await import('./log-memory.js')).bench },
  'port-forward': { description: 'throughput of a 200 MB download through kubectl port-forward (WebSocket and plain SPDY) and orch port-forward vs curl to the pod IP', load: async () => (await import('./port-forward.js')).bench },
  authz: { description: 'authorization decision p50/p99 with 1,000 roles and 1,000 bindings, allowed and denied, vs AlwaysAllow (in-process)', load: async () => (await import('./authz.js')).bench },
  'secure-writes': { description: 'creates/s of ConfigMaps and Secrets with encryption at rest + audit log on vs off (alternating rounds; --rbac adds RBAC once it exists)', load: async () => (await import('./secure-writes.js')).bench },
  'pod-start-engine': { description: 'a pod start in the Docker engine alone: sandbox + app container (orch order, overlapped, default bridge, bounded) vs docker run, N at once', load: async () => (await import('./pod-start-engine.js')).bench },
  e2e: { description: 'one `orch apply` of 30 replicas traced hop by hop (ORCH_TRACE): the waterfall from CLI start to every status written, waiting vs working', load: async () => (await import('./e2e.js')).bench },
  daemonset: { description: 'a DaemonSet on 1,000 hollow nodes: created → all pods created and bound (target < 30 s), vs the same pods created directly', load: async () => (await import('./daemonset.js')).bench },
  statefulset: { description: 'a StatefulSet of 10 with a local-path claim each → all Ready, OrderedReady vs Parallel, beside a Deployment of 10 in the same run (load average printed)', load: async () => (await import('./statefulset.js')).bench },
  storage: { description: 'local-path claim created → bound → mounted (pod running) p50/p99, beside a pod without a claim in the same run', load: async () => (await import('./storage.js')).bench },
  hpa: { description: 'load starts → first scale-up decision and → new pods Running, p50 over 5 runs (orch 5 s sync vs Kubernetes 15 s)', load: async () => (await import('./hpa.js')).bench },
  metrics: { description: 'agent CPU collecting metrics of 100 containers (vs off), GET PodMetrics of 10,000 pods, orch top pods -A with 1,000 pods (vs kubectl top)', load: async () => (await import('./metrics.js')).bench },
  crd: { description: 'creates/s of a custom resource with a structural schema vs a ConfigMap of the same size, one apiserver, alternating rounds', load: async () => (await import('./crd.js')).bench },
  webhooks: { description: 'ConfigMap create p50/p99 with one validating admission webhook (local HTTPS, answers at once) vs none, alternating rounds; the added p50', load: async () => (await import('./webhooks.js')).bench },
  ha: { description: 'HA control plane (root, harness): creates/s through HAProxy + 2 apiservers vs 1 apiserver on the same 3-member etcd; etcd leader SIGKILL -> first write p50 of 10; apiserver SIGKILL -> 20 watchers resumed', load: async () => (await import('./ha.js')).bench },
  rollout: { description: 'rolling update of 6 under traffic from 3 hosts, termination protocol on vs off (failed requests by kind, duration); readiness off → endpoint removed everywhere p99 (root, harness)', load: async () => (await import('./rollout.js')).bench },
};

function usage(): string {
  const names = Object.keys(BENCHES);
  const width = Math.max(...names.map((n) => n.length));
  return ['usage: npm run bench -- <name> [options]', '', 'benchmarks:', ...names.map((n) => `  ${n.padEnd(width)}  ${BENCHES[n]!.description}`)].join('\n') + '\n';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === '--help' || name === '-h') {
    process.stdout.write(usage());
    return 0;
  }
  const entry = BENCHES[name];
  if (!entry) {
    process.stderr.write(`unknown benchmark ${JSON.stringify(name)}\n\n${usage()}`);
    return 2;
  }

  const cleanup = new Cleanup();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), `orch-bench-${name}-`));
  let keep = false;
  const say = (line: string) => void process.stdout.write(line.endsWith('\n') ? line : line + '\n');
  cleanup.add('work dir', () => (keep ? say(`work dir kept: ${workDir}`) : fs.rmSync(workDir, { recursive: true, force: true })));
  const ctx: BenchContext = { args, say, cleanup, workDir, keepWorkDir: () => void (keep = true) };

  // Ctrl-C or a CI timeout must not leave an etcd or apiserver behind.
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) return;
    interrupted = true;
    say(`\n${sig}: stopping everything the bench started`);
    void cleanup.runAll(say).finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const bench = await entry.load();
    return await bench.run(ctx);
  } catch (err) {
    process.stderr.write(`bench ${name} failed: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  } finally {
    await cleanup.runAll(say);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

const isEntry = (process.argv[1] ?? '').endsWith(`${path.sep}bench${path.sep}run.js`);
if (isEntry) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
