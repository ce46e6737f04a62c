// `orch exec`, `orch attach` and `orch cp` (the built binary, as a user runs it) against a
// real apiserver, scheduler and agent with real Docker containers (pod-streams-cluster.ts).

import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Pod } from '../../api/types.js';
import type { CliContext } from '../../cli/context.js';
import { runAttach } from '../../cli/streams/run-attach.js';
import { assertBuilt, ORCH_ENTRY, runOrch, type RunResult } from '../helpers/orch-cli.js';
import { podManifest } from './agent-helpers.js';
import { startStreamsCluster, type StreamsCluster } from './pod-streams-cluster.js';

let cluster: StreamsCluster;
const orch = (verb: string, args: string[], input?: string | Buffer) =>
  runOrch([verb, ...cluster.cli.orchArgs, ...args], { env: { ORCH_HOME: cluster.root }, input: input as string | undefined, timeoutMs: 60_000 });
const ok = (r: RunResult) => {
  if (r.code !== 0) throw new Error(`exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  return r;
};

beforeAll(async () => {
  assertBuilt();
  cluster = await startStreamsCluster('h17-exec-cli');
  await cluster.runningPod(podManifest('shell', cluster.node));
  await cluster.runningPod(
    podManifest('reader', cluster.node, {
      restartPolicy: 'Never',
      containers: [{ name: 'main', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', stdin: true, stdinOnce: true, command: ['sh', '-c', 'while read l; do echo "got $l"; done; echo bye'] }],
    }),
  );
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
});

describe('orch exec', () => {
  it('prints the output; the exit code is the command\'s', async () => {
    expect(ok(await orch('exec', ['shell', '--', 'echo', 'hi'])).stdout).toBe('hi\n');
    const r = await orch('exec', ['shell', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('-i: stdin reaches the command, and its end ends it', async () => {
    const input = 'x'.repeat(100_000) + '\n';
    expect(ok(await orch('exec', ['-i', 'shell', '--', 'wc', '-c'], input)).stdout.trim()).toBe('100001');
  });

  it('-it under a pseudo-terminal: the terminal size reaches the remote terminal, keystrokes the shell', async () => {
    const line = `stty rows 37 cols 111; exec ${process.execPath} ${ORCH_ENTRY} exec ${cluster.cli.orchArgs.map((a) => `'${a}'`).join(' ')} -it shell -- sh`;
    const r = await new Promise<RunResult>((resolve) => {
      const child = spawn('script', ['-qec', line, '/dev/null'], { env: { ...process.env, ORCH_HOME: cluster.root } });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const keys = ['stty size\r', 'exit 4\r'];
      const type = () => keys.length && (child.stdin.write(keys.shift()!), setTimeout(type, 400));
      setTimeout(type, 1500);
      const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
      child.on('close', (code) => (clearTimeout(timer), resolve({ code: code ?? 1, stdout, stderr: '' })));
    });
    expect(r.stdout).toContain('37 111');
    expect(r.code).toBe(4);
  });

  it('-it: a window size change (SIGWINCH) reaches the remote terminal', async () => {
    // The pty is resized from inside the session 3 s in; the kernel signals orch (SIGWINCH).
    const line = `stty rows 37 cols 111; (sleep 3; stty rows 50 cols 150 </dev/tty) & exec ${process.execPath} ${ORCH_ENTRY} exec ${cluster.cli.orchArgs.map((a) => `'${a}'`).join(' ')} -it shell -- sh`;
    const r = await new Promise<RunResult>((resolve) => {
      const child = spawn('script', ['-qec', line, '/dev/null'], { env: { ...process.env, ORCH_HOME: cluster.root } });
      let stdout = '';
      child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
      const keys = ['stty size\r', 'exit 0\r'];
      const type = () => keys.length && (child.stdin.write(keys.shift()!), setTimeout(type, 400));
      setTimeout(type, 5000);
      const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
      child.on('close', (code) => (clearTimeout(timer), resolve({ code: code ?? 1, stdout, stderr: '' })));
    });
    expect(r.stdout).toContain('50 150');
    expect(r.code).toBe(0);
  });

  it('a container the pod does not have: a clear error, exit 1', async () => {
    const r = await orch('exec', ['-c', 'nope', 'shell', '--', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('container nope is not valid for pod shell');
  });
});

describe('orch attach', () => {
  it('-i: stdin to the container process, its output back; ends with the process', async () => {
    const r = ok(await orch('attach', ['-i', 'reader'], 'one\ntwo\n'));
    expect(r.stdout).toContain('got one\ngot two\nbye\n');
  });
});

describe('orch cp', () => {
  it('a file both ways', async () => {
    const data = crypto.randomBytes(500_000);
    const src = path.join(cluster.root, 'in.bin');
    fs.writeFileSync(src, data);
    ok(await orch('cp', [src, 'shell:/tmp/in.bin']));
    expect(ok(await orch('exec', ['shell', '--', 'md5sum', '/tmp/in.bin'])).stdout.split(' ')[0]).toBe(crypto.createHash('md5').update(data).digest('hex'));
    const back = path.join(cluster.root, 'back.bin');
    ok(await orch('cp', ['default/shell:/tmp/in.bin', back]));
    expect(fs.readFileSync(back).equals(data)).toBe(true);
  });

  it('a directory both ways, and into an existing directory', async () => {
    const dir = path.join(cluster.root, 'tree');
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'a.txt'), 'alpha\n');
    fs.writeFileSync(path.join(dir, 'sub', 'b.txt'), 'beta\n');
    ok(await orch('cp', [dir, 'shell:/tmp/tree']));
    expect(ok(await orch('exec', ['shell', '--', 'cat', '/tmp/tree/a.txt', '/tmp/tree/sub/b.txt'])).stdout).toBe('alpha\nbeta\n');
    ok(await orch('cp', [path.join(dir, 'a.txt'), 'shell:/tmp/tree/sub']));
    expect(ok(await orch('exec', ['shell', '--', 'cat', '/tmp/tree/sub/a.txt'])).stdout).toBe('alpha\n');
    const back = path.join(cluster.root, 'tree-back');
    ok(await orch('cp', ['shell:/tmp/tree', back]));
    expect(fs.readFileSync(path.join(back, 'sub', 'b.txt'), 'utf8')).toBe('beta\n');
    expect(fs.readFileSync(path.join(back, 'sub', 'a.txt'), 'utf8')).toBe('alpha\n');
  });

  it('a remote path that does not exist: tar\'s error, exit 1', async () => {
    const r = await orch('cp', ['shell:/no/such/file', path.join(cluster.root, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('No such file');
  });
});

describe("orch run's attach half (cli/streams/run-attach.ts, plugged into orch run)", () => {
  it('prepare sets stdin/stdinOnce/tty; attach follows the output, returns the exit code, --rm deletes the pod', async () => {
    const pod: Pod = podManifest('runner', cluster.node, {
      restartPolicy: 'Never',
      containers: [{ name: 'runner', image: 'orch.local/busybox:latest', imagePullPolicy: 'IfNotPresent', command: ['sh', '-c', 'sleep 2; echo from-run; exit 3'] }],
    });
    runAttach.prepare(pod, { stdin: true, tty: true });
    expect(pod.spec.containers[0]).toMatchObject({ stdin: true, stdinOnce: true, tty: true });
    delete pod.spec.containers[0]!.stdin;
    delete pod.spec.containers[0]!.stdinOnce;
    delete pod.spec.containers[0]!.tty;
    const created = await cluster.admin.pods.create(pod);
    const errs: string[] = [];
    const ctx: CliContext = { client: cluster.admin, namespace: 'default', allNamespaces: false, out: () => undefined, err: (t) => void errs.push(t), color: false, isTTY: false };
    let printed = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((printed += chunk.toString()), true));
    let code: number;
    try {
      code = await runAttach.attach(ctx, created, { attach: true, rm: true, restart: 'Never' });
    } finally {
      spy.mockRestore();
    }
    expect(printed).toContain('from-run\n');
    expect(code).toBe(3);
    expect(errs.join('\n')).toContain('pod "runner" deleted');
    expect(errs.join('\n')).not.toContain('falling back');
  }, 90_000);
});
