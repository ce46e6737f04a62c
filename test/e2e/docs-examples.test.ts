// Every runnable example in docs/*.md, run against a real cluster, so the docs stay true.
// The cluster is the one a reader gets: `orch up` (real etcd, apiserver over HTTPS,
// scheduler, controller manager, an agent on the real Docker engine) in a temporary
// $ORCH_HOME, on free ports. Each ```sh block runs in its own bash with `-e -o pipefail`,
// with `orch` on PATH (a wrapper around dist/cli/main.js), ORCH_HOME, ORCH_API and
// ORCH_ETCD set, from the repository root; it must exit 0 and its output must match the
// <!-- expect: /.../ --> comments before it. Marker conventions: test/helpers/docs-examples.ts.

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractExamples, relativeLinks, type DocExample } from '../helpers/docs-examples.js';
import { assertBuilt, ORCH_ENTRY, runOrch } from '../helpers/orch-cli.js';
import { freePort } from '../helpers/ports.js';
import { E2E_POD_RANGES } from '../helpers/pod-ranges.js';

/** In this order: later files rely on what earlier ones created (cli.md applies `web`). */
const DOCS = ['cli.md', 'api.md', 'operations.md', 'troubleshooting.md', 'architecture.md', 'agent.md', 'README.md'];
const docsDir = path.resolve('docs');

const home = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-docs-e2e-'));
const bin = path.join(home, 'bin');
const nodeName = `docs-e2e-${process.pid}`;
let env: NodeJS.ProcessEnv = {};

/** A free port P whose neighbour P+1 is free too (etcd's peer port). */
async function freePortPair(): Promise<number> {
  for (;;) {
    const p = await freePort();
    if (p < 65535 && (await portIsFree(p + 1))) return p;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

function runBash(script: string, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { cwd: process.cwd(), env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const timer = setTimeout(() => {
      // The whole process group: a backgrounded `curl -N` must not outlive its block.
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
      reject(new Error(`example timed out after ${timeoutMs} ms; output so far:\n${output}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output });
    });
  });
}

const examples: DocExample[] = DOCS.filter((f) => fs.existsSync(path.join(docsDir, f))).flatMap((f) =>
  extractExamples(`docs/${f}`, fs.readFileSync(path.join(docsDir, f), 'utf8')),
);

describe('docs structure', () => {
  it('has every page the docs index promises, each with runnable examples', () => {
    for (const f of ['README.md', 'architecture.md', 'api.md', 'cli.md', 'operations.md', 'troubleshooting.md']) {
      expect(fs.existsSync(path.join(docsDir, f)), `docs/${f}`).toBe(true);
    }
    for (const f of ['api.md', 'cli.md', 'operations.md', 'troubleshooting.md']) {
      expect(examples.filter((e) => e.file === `docs/${f}` && e.kind === 'run').length, `runnable examples in docs/${f}`).toBeGreaterThan(2);
    }
  });

  it('links only to files that exist', () => {
    const missing: string[] = [];
    for (const f of fs.readdirSync(docsDir).filter((n) => n.endsWith('.md'))) {
      for (const link of relativeLinks(fs.readFileSync(path.join(docsDir, f), 'utf8'))) {
        if (link && !fs.existsSync(path.resolve(docsDir, link))) missing.push(`docs/${f} → ${link}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('parses the marker conventions', () => {
    const md = ['<!-- expect: /a+b/i -->', '```sh', 'echo AAB', '```', '```sh untested', 'orch up', '```', '```text', 'x', '```', '```sh setup', 'X=1', '```'].join('\n');
    const ex = extractExamples('t.md', md);
    expect(ex.map((e) => [e.kind, e.line, e.code])).toEqual([['run', 2, 'echo AAB'], ['untested', 5, 'orch up'], ['setup', 11, 'X=1']]);
    expect(ex[0].expects[0].test('xaAbx')).toBe(true);
    expect(() => extractExamples('t.md', '<!-- expect: /x/ -->\nprose\n```sh\necho\n```')).toThrow(/not followed/);
    expect(() => extractExamples('t.md', '```sh\necho')).toThrow(/unterminated/);
  });
});

describe('docs examples on a real cluster', () => {
  beforeAll(async () => {
    assertBuilt();
    execFileSync('bash', ['scripts/build-test-images.sh'], { stdio: 'inherit' });
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(path.join(bin, 'orch'), `#!/bin/sh\nexec "${process.execPath}" "${ORCH_ENTRY}" "$@"\n`, { mode: 0o755 });
    const base = { ...process.env };
    for (const k of ['ORCH_CONFIG', 'ORCH_SERVER', 'ORCH_TOKEN', 'KUBECONFIG']) delete base[k];
    // Free ports can be taken by someone else before `orch up` binds them (other tests run
    // beside this one), and etcd's peer port is the client port + 1: pick again and retry
    // when `orch up` reports a port in use; any other failure is fatal at once.
    for (let attempt = 1; ; attempt++) {
      const [apiPort, etcdPort, agentPort] = [await freePort(), await freePortPair(), await freePort()];
      env = {
        ...base,
        ORCH_HOME: home,
        ORCH_API: `https://127.0.0.1:${apiPort}`,
        ORCH_ETCD: `http://127.0.0.1:${etcdPort}`,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        NO_COLOR: '1',
      };
      const up = await runOrch(['up', '--api-port', String(apiPort), '--etcd-port', String(etcdPort), '--agent-port', String(agentPort), '--node-name', nodeName, '--cluster-cidr', E2E_POD_RANGES.docsExamples], { env, timeoutMs: 180_000 });
      if (up.code === 0) break;
      if (attempt >= 3 || !/is already in use/.test(up.stderr + up.stdout)) throw new Error(`orch up failed (exit ${up.code})\n${up.stdout}\n${up.stderr}`);
    }
  }, 240_000);

  afterAll(async () => {
    await runOrch(['down', '--purge'], { env, timeoutMs: 120_000 }).catch(() => undefined);
    // Whatever a failed example left behind on this node.
    const ids = execFileSync('docker', ['ps', '-aq', '--filter', `label=orch.io/node=${nodeName}`], { encoding: 'utf8' }).split('\n').filter(Boolean);
    if (ids.length) execFileSync('docker', ['rm', '-f', ...ids]);
    fs.rmSync(home, { recursive: true, force: true });
  }, 180_000);

  const setups = new Map<string, string[]>();
  for (const ex of examples) {
    if (ex.kind === 'untested') continue;
    const prior = [...(setups.get(ex.file) ?? [])];
    if (ex.kind === 'setup') setups.set(ex.file, [...prior, ex.code]);
    it(`${ex.file}:${ex.line}${ex.kind === 'setup' ? ' (setup)' : ''}`, async () => {
      const { code, output } = await runBash([...prior, ex.code].join('\n'), 170_000);
      if (code !== 0) throw new Error(`exit ${code}\n--- example ---\n${ex.code}\n--- output ---\n${output}`);
      for (const re of ex.expects) {
        if (!re.test(output)) throw new Error(`output does not match ${re}\n--- example ---\n${ex.code}\n--- output ---\n${output}`);
      }
    }, 180_000);
  }
});
