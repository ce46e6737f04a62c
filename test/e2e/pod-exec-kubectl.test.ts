// kubectl v1.32 exec, attach, cp and run -i against a real apiserver (etcd) whose pods run
// on a real agent (in this process) with real Docker containers: every byte goes kubectl →
// apiserver (pods/{name}/exec, a raw pipe) → the agent's endpoint → docker exec/attach and
// back. Also @kubernetes/client-node 1.4.0's Exec and Attach, and the refusals.

import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Attach, Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Pod } from '../../api/types.js';
import type { ApiClient } from '../../client/rest-client.js';
import type { TestApiServer } from '../helpers/apiserver.js';
import type { Clients } from '../helpers/kubectl.js';
import type { RunResult } from '../helpers/orch-cli.js';
import { podManifest, waitFor } from './agent-helpers.js';
import { startStreamsCluster, type StreamsCluster } from './pod-streams-cluster.js';

let cluster: StreamsCluster;
let NODE: string;
let api: TestApiServer;
let admin: ApiClient;
let root: string;
let cli: Clients;
const runningPod = (p: Pod) => cluster.runningPod(p);

/** kubectl with stdin fed (and an optional timeout), as a user pipes into it. */
function kubectl(args: string[], input?: string | Buffer, timeoutMs = 60_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', [...cli.kubectlArgs, ...args], { timeout: timeoutMs, encoding: 'buffer', maxBuffer: 64 << 20, env: { ...process.env, KUBECONFIG: path.join(root, 'none') } }, (err, stdout, stderr) => {
      const killed = err && (err as { killed?: boolean }).killed ? `[killed after ${timeoutMs} ms]\n` : '';
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: stdout.toString(), stderr: killed + stderr.toString() });
    });
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}

/** kubectl under a pseudo-terminal of rows × cols (util-linux `script`), with keystrokes on its stdin. */
function kubectlInPty(args: string[], rows: number, cols: number, keys: string[]): Promise<RunResult> {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const line = `stty rows ${rows} cols ${cols}; exec kubectl ${[...cli.kubectlArgs, ...args].map(quote).join(' ')}`;
  return new Promise((resolve) => {
    const child = spawn('script', ['-qec', line, '/dev/null'], { env: { ...process.env, KUBECONFIG: path.join(root, 'none') } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    // Keys are typed one by one once the remote shell has had time to start (an empty
    // key: wait one more step).
    let i = 0;
    const type = () => {
      if (i < keys.length) child.stdin.write(keys[i++]!);
      if (i < keys.length) setTimeout(type, keys[i - 1] === '' ? 3000 : 300);
    };
    setTimeout(type, 1500);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

const ok = (r: RunResult) => {
  // The first line says why (CI's summary shows only that line).
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
};

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: api.url, caData: Buffer.from(api.ca!).toString('base64') }],
    users: [{ name: 'u', token: api.token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

beforeAll(async () => {
  cluster = await startStreamsCluster('h17-exec');
  ({ node: NODE, api, admin, root, cli } = cluster);
  await runningPod(podManifest('shell', NODE));
  await runningPod(podManifest('two', NODE, { containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sleep', '3600'] }, { name: 'side', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'echo side > /tmp/who; sleep 3600'] }] }));
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('kubectl exec', () => {
  it('runs a command and prints its output', async () => {
    const r = ok(await kubectl(['exec', 'shell', '--', 'echo', 'hi']));
    expect(r.stdout).toBe('hi\n');
  });

  it("carries the exit code through: sh -c 'exit 3' exits 3", async () => {
    const r = await kubectl(['exec', 'shell', '--', 'sh', '-c', 'echo before; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('before\n');
    expect(r.stderr).toContain('command terminated with exit code 3');
  });

  it('-i: piped stdin reaches the command and its end ends the command', async () => {
    const input = Array.from({ length: 2000 }, (_, i) => `line ${i}`).join('\n') + '\n';
    const r = ok(await kubectl(['exec', '-i', 'shell', '--', 'sh', '-c', 'wc -l; echo done'], input));
    expect(r.stdout.trim().split(/\s+/)).toEqual(['2000', 'done']);
  });

  it('-c picks the container', async () => {
    expect(ok(await kubectl(['exec', 'two', '-c', 'side', '--', 'cat', '/tmp/who'])).stdout).toBe('side\n');
  });

  it('-it under a pseudo-terminal: the terminal size arrives, keystrokes reach the shell', async () => {
    const r = await kubectlInPty(['exec', '-it', 'shell', '--', 'sh'], 37, 111, ['stty size\r', 'exit 4\r']);
    expect(r.stdout).toContain('37 111');
    expect(r.code).toBe(4);
  });

  it('a container the pod does not have, and a completed pod: kubectl prints the 400', async () => {
    let r = await kubectl(['exec', 'shell', '-c', 'nope', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('container nope is not valid for pod shell');
    const done = podManifest('finished', NODE, { restartPolicy: 'Never', containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['true'] }] });
    await admin.pods.create(done);
    await waitFor('the pod to succeed', async () => (await admin.pods.get('finished', 'default')).status?.phase === 'Succeeded', 60_000);
    r = await kubectl(['exec', 'finished', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot exec into a container in a completed pod; current phase is Succeeded');
  });

  it('a node identity cannot exec (403)', async () => {
    const url = `${api.url.replace(/^http/, 'ws')}/api/v1/namespaces/default/pods/shell/exec?command=true&stdout=true`;
    const ws = new WebSocket(url, ['v5.channel.k8s.io'], { headers: { Authorization: `Bearer ${api.nodeTokens[NODE]}` }, ca: api.ca });
    const code = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_q, res) => resolve(res.statusCode!));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(code).toBe(403);
  });
});

describe('kubectl cp (tar through exec)', () => {
  it('a file both ways', async () => {
    const src = path.join(root, 'up.bin');
    const data = crypto.randomBytes(300_000);
    fs.writeFileSync(src, data);
    ok(await kubectl(['cp', src, 'default/shell:/tmp/up.bin']));
    expect(ok(await kubectl(['exec', 'shell', '--', 'md5sum', '/tmp/up.bin'])).stdout.split(' ')[0]).toBe(crypto.createHash('md5').update(data).digest('hex'));
    const back = path.join(root, 'down.bin');
    ok(await kubectl(['cp', 'default/shell:/tmp/up.bin', back]));
    expect(fs.readFileSync(back).equals(data)).toBe(true);
  });

  it('a directory both ways', async () => {
    const dir = path.join(root, 'tree');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a.txt'), 'alpha\n');
    fs.writeFileSync(path.join(dir, 'sub', 'b.txt'), 'beta\n');
    ok(await kubectl(['cp', dir, 'default/shell:/tmp/tree']));
    expect(ok(await kubectl(['exec', 'shell', '--', 'cat', '/tmp/tree/a.txt', '/tmp/tree/sub/b.txt'])).stdout).toBe('alpha\nbeta\n');
    const back = path.join(root, 'tree-back');
    ok(await kubectl(['cp', 'default/shell:/tmp/tree', back]));
    expect(fs.readFileSync(path.join(back, 'sub', 'b.txt'), 'utf8')).toBe('beta\n');
    expect(fs.readFileSync(path.join(back, 'a.txt'), 'utf8')).toBe('alpha\n');
  });
});

describe('kubectl attach and run -i', () => {
  it('attach -i: stdin reaches the container main process, its output comes back, and the stream ends with it', async () => {
    await runningPod(
      podManifest('reader', NODE, {
        restartPolicy: 'Never',
        containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', stdin: true, stdinOnce: true, command: ['sh', '-c', 'while read l; do echo "got $l"; done; echo bye'] }],
      }),
    );
    const r = ok(await kubectl(['attach', '-i', 'reader'], 'one\ntwo\n'));
    expect(r.stdout).toContain('got one\ngot two\nbye\n');
  });

  // IfNotPresent: kubectl's default for :latest is Always, and no registry is reachable here (the pull fails).
  it("run -i --rm --restart=Never -- sh -c 'echo hi' prints the output and removes the pod", async () => {
    const r = ok(await kubectl(['run', '-i', '--rm', '--restart=Never', '--image=orch.local/busybox:latest', '--image-pull-policy=IfNotPresent', 'h17-run', '--', 'sh', '-c', 'echo hi'], '', 120_000));
    expect(r.stdout).toContain('hi\n');
    await waitFor('the pod to be removed', async () => !(await admin.pods.list({ namespace: 'default' })).items.some((p) => p.metadata.name === 'h17-run'), 60_000);
  }, 180_000);

  it('run -i: stdin reaches the process (attached before it reads)', async () => {
    const r = ok(await kubectl(['run', '-i', '--rm', '--restart=Never', '--image=orch.local/busybox:latest', '--image-pull-policy=IfNotPresent', 'h17-run-cat', '--', 'sh', '-c', 'read l; echo "read: $l"'], 'typed line\n', 120_000));
    expect(r.stdout).toContain('read: typed line\n');
    expect(r.stderr).not.toContain('falling back to streaming logs');
  }, 180_000);
});

describe('kubectl run -it', () => {
  // kubectl sends the size + 1, then the size (to make the remote side redraw): the last one must win.
  it('a shell with a terminal of the local size; the exit code comes back', async () => {
    const r = await kubectlInPty(['run', '-it', '--rm', '--restart=Never', '--image=orch.local/busybox:latest', '--image-pull-policy=IfNotPresent', 'h17-run-tty', '--', 'sh'], 29, 97, ['', 'stty size\r', 'exit 5\r']);
    expect(r.stdout).toContain('29 97');
    expect(r.code).toBe(5);
  }, 120_000);
});

describe('@kubernetes/client-node 1.4.0', () => {
  it('Exec: output, stderr and the exit status', async () => {
    const out = new PassThrough();
    const err = new PassThrough();
    let stdout = '';
    let stderr = '';
    out.on('data', (c: Buffer) => (stdout += c));
    err.on('data', (c: Buffer) => (stderr += c));
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kubeConfig()).exec('default', 'shell', 'main', ['sh', '-c', 'echo out; echo err >&2; exit 2'], out, err, null, false, resolve).catch(reject);
    });
    expect(stdout).toBe('out\n');
    expect(stderr).toBe('err\n');
    expect(status).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '2' }] } });
  });

  it('Attach: stdin in, output out', async () => {
    await runningPod(
      podManifest('attached', NODE, {
        containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', stdin: true, command: ['sh', '-c', 'while read l; do echo "echo: $l"; done'] }],
      }),
    );
    const out = new PassThrough();
    let stdout = '';
    out.on('data', (c: Buffer) => (stdout += c));
    const stdin = new PassThrough();
    const ws = await new Attach(kubeConfig()).attach('default', 'attached', 'main', out, null, stdin, false);
    stdin.write('ping\n');
    await waitFor('the echo', () => stdout.includes('echo: ping\n'), 20_000);
    ws.close();
  });
});
