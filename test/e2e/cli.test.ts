// The user's path through orch, on a real cluster: `orch up` (real etcd, apiserver over
// HTTPS, scheduler, controller manager, agent on the real Docker engine), then apply,
// get, logs, scale, set image, rollout status/undo, delete, down; and bad manifests.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { ORCH_ENTRY, assertBuilt, runOrch, type RunResult } from '../helpers/orch-cli.js';
import { eventually } from '../helpers/eventually.js';
import { freePort, freePortRange } from '../helpers/ports.js';
import { E2E_POD_RANGES } from '../helpers/pod-ranges.js';
import { removeNodeLeftovers } from '../helpers/node-leftovers.js';

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-cli-e2e-'));
let env: NodeJS.ProcessEnv;
/** The node names `orch up --nodes 2` chose (read back from the API after start). */
let nodes: string[] = [];
const orch = (args: string[], timeoutMs?: number) => runOrch(args, { env, timeoutMs });
const ok = (r: RunResult) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
};

function dockerIds(filter: string): string[] {
  return execFileSync('docker', ['ps', '-q', '--filter', filter], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

beforeAll(async () => {
  assertBuilt();
  execFileSync('bash', ['scripts/build-test-images.sh'], { stdio: 'inherit' });
  execFileSync('docker', ['tag', 'orch.local/web:latest', 'orch.local/web:v2']);
  const apiPort = await freePort();
  const etcdPort = await freePortRange(2);
  const agentPort = await freePortRange(2);
  env = { ORCH_HOME: home, ORCH_E2E_API_PORT: String(apiPort), ORCH_E2E_ETCD_PORT: String(etcdPort), ORCH_E2E_AGENT_PORT: String(agentPort), ORCH_E2E_NODE: `cli-e2e-${process.pid}` };
}, 120_000);

afterAll(async () => {
  await runOrch(['down', '--purge'], { env, timeoutMs: 120_000 }).catch(() => undefined);
  // Anything left behind by a failed test: containers and pod networks of this cluster's nodes.
  removeNodeLeftovers([`${env.ORCH_E2E_NODE}-1`, `${env.ORCH_E2E_NODE}-2`]);
  fs.rmSync(home, { recursive: true, force: true });
}, 180_000);

describe('orch CLI on a real cluster', () => {
  it('starts a cluster with orch up and reports it as running', async () => {
    const r = ok(await orch(['up', '--api-port', env.ORCH_E2E_API_PORT!, '--etcd-port', env.ORCH_E2E_ETCD_PORT!, '--agent-port', env.ORCH_E2E_AGENT_PORT!, '--node-name', env.ORCH_E2E_NODE!, '--nodes', '2', '--cluster-cidr', E2E_POD_RANGES.cli], 180_000));
    expect(r.stdout).toMatch(/orch cluster is up: API at https:\/\/127\.0\.0\.1:\d+/);
    // No registry here: the agents get the locally built sandbox image, and orch up says so.
    expect(r.stdout).toContain('Pod sandboxes use orch.local/pause:3.10 (registry.k8s.io/pause:3.10 is not present locally)');
    expect(fs.existsSync(path.join(home, 'kubeconfig'))).toBe(true);
    const again = ok(await orch(['up', '--api-port', env.ORCH_E2E_API_PORT!]));
    expect(again.stdout).toMatch(/already running/);
    const status = ok(await orch(['status']));
    expect(status.stdout).toMatch(/apiserver\s+\d+\s+running/);
    expect(status.stdout).toMatch(/Ready/);
    nodes = ok(await orch(['get', 'nodes', '-o', 'name'])).stdout.trim().split('\n').map((l) => l.replace(/^node\//, ''));
    expect(nodes.sort()).toEqual([`${env.ORCH_E2E_NODE}-1`, `${env.ORCH_E2E_NODE}-2`]);
  }, 200_000);

  it('kubectl accepts the written kubeconfig', () => {
    const out = execFileSync('kubectl', ['get', 'nodes', '--request-timeout=20s'], { env: { ...process.env, KUBECONFIG: path.join(home, 'kubeconfig') }, encoding: 'utf8' });
    expect(out).toMatch(/Ready/);
  });

  it('applies the example with --wait and shows 3 running pods', async () => {
    const r = ok(await orch(['apply', '-f', 'docs/examples/web.yaml', '--wait', '--timeout', '120s'], 150_000));
    expect(r.stdout).toMatch(/deployment\.apps\/web created/);
    expect(r.stdout).toMatch(/web: 3\/3 ready, 3\/3 updated, 3\/3 available — rolled out/);
    const again = ok(await orch(['apply', '-f', 'docs/examples/web.yaml']));
    expect(again.stdout).toMatch(/deployment\.apps\/web unchanged/);
    const pods = ok(await orch(['get', 'pods', '-l', 'app=web', '-o', 'wide']));
    const running = pods.stdout.split('\n').filter((l) => /\s1\/1\s+Running\s/.test(l));
    expect(running).toHaveLength(3);
    // The scheduler spreads the replicas of one Deployment over both nodes.
    for (const n of nodes) expect(running.some((l) => l.trimEnd().endsWith(n))).toBe(true);
  }, 180_000);

  it('checks a manifest on the server without storing it (--dry-run=server)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-dry-'));
    const f = path.join(dir, 'cm.yaml');
    fs.writeFileSync(f, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\ndata:\n  a: "1"\n');
    const r = ok(await orch(['apply', '-f', f, '--dry-run=server']));
    expect(r.stdout).toMatch(/configmap\/dry created \(server dry run\)/);
    const get = await orch(['get', 'configmap', 'dry']);
    expect(get.code).toBe(1);
    expect(get.stderr).toMatch(/NotFound/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('streams changes with get -w', async () => {
    const child = spawn(process.execPath, [ORCH_ENTRY, 'get', 'deploy', 'web', '-w'], { env: { ...process.env, ...env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually('the first table', async () => (/web\s+3\/3/.test(out) ? true : undefined), 20_000);
      ok(await orch(['scale', 'deploy/web', '--replicas', '4']));
      await eventually('a line for the scaled deployment', async () => (/web\s+\d\/4/.test(out) ? true : undefined), 30_000);
    } finally {
      child.kill('SIGTERM');
    }
    ok(await orch(['scale', 'deploy/web', '--replicas', '3']));
  }, 60_000);

  it('prints container output with orch logs', async () => {
    // The previous test scaled 4 → 3, and the extra pod may still be listed (being deleted,
    // or not yet chosen by the ReplicaSet). Its container stops within a second (the image
    // traps TERM): a request to it leaves its line in logs that vanish with it, and its pod
    // IP may then answer for another container on this shared engine. So only the pods that
    // stay are asked, each of them (they are spread over both nodes, so both agents' log
    // servers are read through the apiserver).
    type PodItem = { metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string }; status?: { phase?: string; podIP?: string } };
    const pods = await eventually('3 running web pods, none being deleted', async () => {
      const items = (JSON.parse(ok(await orch(['get', 'pods', '-l', 'app=web', '-o', 'json'])).stdout) as { items: PodItem[] }).items;
      const live = items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === 'Running' && p.status.podIP);
      return items.length === 3 && live.length === 3 ? live : undefined;
    }, 60_000, 500); // each check runs the CLI: no faster than the old fixed 500 ms
    // busybox httpd -v logs each request: make one per pod so every container has output.
    for (const p of pods) {
      await eventually(`${p.metadata.name} to answer HTTP`, async () => ((await fetch(`http://${p.status!.podIP}:8080/`)).ok ? true : undefined), 30_000);
    }
    const line = /GET \/ |response/;
    for (const p of pods) {
      const logs = await eventually(`a request line in the logs of ${p.metadata.name} (node ${p.spec.nodeName})`, async () => {
        // ok() throws with the exit code and stderr, and so does a log without the line:
        // a timeout then says what the last attempt printed.
        const r = ok(await orch(['logs', p.metadata.name, '--tail', '50']));
        if (line.test(r.stdout)) return r.stdout;
        throw new Error(`no request line yet; stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
      }, 30_000, 500);
      expect(logs).toMatch(line);
    }
    // The workload form prints the output of one of the Deployment's pods, all of which
    // have served a request by now.
    expect(ok(await orch(['logs', 'deploy/web', '--tail', '50'])).stdout).toMatch(line);
  }, 120_000);

  it('scales to 5, rolls a new image through, and rolls it back', async () => {
    ok(await orch(['scale', 'deploy/web', '--replicas', '5']));
    ok(await orch(['rollout', 'status', 'deploy/web', '--timeout', '120s'], 150_000));
    expect(ok(await orch(['get', 'deploy', 'web'])).stdout).toMatch(/web\s+5\/5\s+5\s+5\s/);

    ok(await orch(['set', 'image', 'deploy/web', 'web=orch.local/web:v2']));
    const st = ok(await orch(['rollout', 'status', 'deploy/web', '--timeout', '150s'], 180_000));
    expect(st.stdout).toMatch(/successfully rolled out/);
    const wide = ok(await orch(['get', 'deploy', 'web', '-o', 'wide']));
    expect(wide.stdout).toMatch(/orch\.local\/web:v2/);
    const history = ok(await orch(['rollout', 'history', 'deploy/web']));
    expect(history.stdout).toMatch(/^1\s+/m);
    expect(history.stdout).toMatch(/^2\s+/m);

    ok(await orch(['rollout', 'undo', 'deploy/web']));
    ok(await orch(['rollout', 'status', 'deploy/web', '--timeout', '150s'], 180_000));
    const back = ok(await orch(['get', 'deploy', 'web', '-o', 'json']));
    expect((JSON.parse(back.stdout) as { spec: { template: { spec: { containers: { image: string }[] } } } }).spec.template.spec.containers[0].image).toBe('orch.local/web:latest');
  }, 600_000);

  it('rejects bad manifests with the file, field and line, and a non-zero exit', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-bad-'));
    const badYaml = path.join(dir, 'broken.yaml');
    fs.writeFileSync(badYaml, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: [oops\n');
    const r1 = await orch(['apply', '-f', badYaml]);
    expect(r1.code).toBe(1);
    expect(r1.stderr).toMatch(/broken\.yaml, document 1, line \d+: invalid YAML/);

    const badField = path.join(dir, 'replicas.yaml');
    fs.writeFileSync(badField, fs.readFileSync('docs/examples/web.yaml', 'utf8').replace('replicas: 3', 'replicas: -2').replace('name: web\n  labels', 'name: bad-web\n  labels'));
    const r2 = await orch(['apply', '-f', badField]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/replicas\.yaml, document 1, line 13: spec\.replicas: /);
    expect(r2.stdout).not.toMatch(/created/);

    const unknownKind = path.join(dir, 'kind.yaml');
    fs.writeFileSync(unknownKind, 'apiVersion: v1\nkind: Gizmo\nmetadata:\n  name: g\n');
    const r3 = await orch(['apply', '-f', unknownKind]);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/kind\.yaml, document 1, line 2: kind: no resource of kind "Gizmo"/);

    const r4 = await orch(['get', 'gizmos']);
    expect(r4.code).toBe(1);
    expect(r4.stderr).toMatch(/doesn't have a resource type "gizmos"/);
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('runs its components under their RBAC roles without a single refusal', () => {
    // The scheduler and controller manager are system:kube-scheduler and
    // system:kube-controller-manager (no system:masters): a 403 in their logs is a missing rule.
    const tokens = fs.readFileSync(path.join(home, 'pki', 'tokens.csv'), 'utf8');
    expect(tokens).toMatch(/,system:kube-scheduler,[^,]*,""/);
    expect(tokens).toMatch(/,system:kube-controller-manager,[^,]*,""/);
    const logs = fs.readdirSync(path.join(home, 'logs')).filter((f) => f.endsWith('.log'));
    expect(logs.some((f) => f.startsWith('scheduler')) && logs.some((f) => f.startsWith('controller-manager'))).toBe(true);
    for (const f of logs) expect(fs.readFileSync(path.join(home, 'logs', f), 'utf8'), f).not.toMatch(/is forbidden|"code":403|Forbidden/);
  });

  it('deletes the deployment and its containers, then stops the cluster', async () => {
    ok(await orch(['delete', 'deploy', 'web', '--wait']));
    await eventually('the web containers to be removed', async () => (nodes.every((n) => dockerIds(`label=orch.io/node=${n}`).length === 0) ? true : undefined), 90_000, 500);
    const down = ok(await orch(['down']));
    expect(down.stdout).toMatch(/Cluster stopped/);
    const status = await orch(['status']);
    expect(status.code).toBe(1);
  }, 180_000);
});
