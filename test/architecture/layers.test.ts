// The layering rule, checked on every import of every .ts file (docs/architecture.md):
//
//   api ← foundation ← client ← components (apiserver, scheduler, controller, agent) ← cli
//
// api/ imports only api/; foundation/ api/ and itself; client/ api/, foundation/ and
// itself; a component those three and itself, never another component or cli/; cli/
// anything shipped. Shipped code (what tsconfig.build.json compiles into dist/) never
// imports a test helper (testing/ folders, test/, bench/, *.test.ts), so dist/ holds no
// test code. Tests, testing/ folders, test/ and bench/ may import anything.
// Two libraries have one home each: etcd3 apiserver/storage/, dockerode the agent's
// Docker runtime. And a test that needs etcd, Docker or the built binary says so in its
// name (*.integration.test.ts), so `npm run test:unit` can leave it out.

import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const COMPONENTS = ['apiserver', 'scheduler', 'controller', 'agent', 'proxy'];
const SHIPPED_TOP = ['api', 'foundation', 'client', ...COMPONENTS, 'cli'];
const ALLOWED: Record<string, string[]> = {
  api: ['api'],
  foundation: ['api', 'foundation'],
  client: ['api', 'foundation', 'client'],
  ...Object.fromEntries(COMPONENTS.map((c) => [c, ['api', 'foundation', 'client', c]])),
  cli: SHIPPED_TOP,
};
/** Bare module → the only places (path prefixes) that may import it. */
const LIBRARY_HOMES: Record<string, string[]> = {
  etcd3: ['apiserver/storage/'],
  dockerode: ['agent/runtime/docker-runtime.ts', 'agent/runtime/docker-load.ts'],
};

export interface ImportRef {
  /** Repository-relative path of the importing file. */
  file: string;
  line: number;
  specifier: string;
  /** Repository-relative target for relative imports; undefined for packages. */
  target?: string;
}

const rel = (abs: string) => path.relative(ROOT, abs).split(path.sep).join('/');
const top = (file: string) => file.split('/')[0]!;

/** Test code: may import anything and is never shipped. */
export function isTestCode(file: string): boolean {
  return file.endsWith('.test.ts') || /(^|\/)testing\//.test(file) || ['test', 'bench'].includes(top(file));
}

export function importsOf(file: string, text = fs.readFileSync(path.join(ROOT, file), 'utf8')): ImportRef[] {
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map(({ fileName, pos }) => {
    const line = text.slice(0, pos).split('\n').length;
    if (!fileName.startsWith('.')) return { file, line, specifier: fileName };
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), fileName)).replace(/\.js$/, '.ts');
    return { file, line, specifier: fileName, target };
  });
}

/** Why this import breaks the rules, or undefined. */
export function violation(ref: ImportRef): string | undefined {
  if (isTestCode(ref.file)) return undefined;
  const from = top(ref.file);
  if (ref.target === undefined) {
    const pkg = ref.specifier.startsWith('@') ? ref.specifier.split('/').slice(0, 2).join('/') : ref.specifier.split('/')[0]!;
    const homes = LIBRARY_HOMES[pkg];
    if (homes && !homes.some((h) => ref.file.startsWith(h))) return `${pkg} may only be imported by ${homes.join(', ')}`;
    return undefined;
  }
  if (isTestCode(ref.target)) return `shipped code imports test code (${ref.target}); test helpers must not end up in dist/`;
  const to = top(ref.target);
  const allowed = ALLOWED[from];
  if (!allowed) return `${ref.file} is not in a known layer (${SHIPPED_TOP.join(', ')}): add it to the layering rule`;
  if (!allowed.includes(to)) return `${from}/ may import only ${allowed.join(', ')}, not ${to}/`;
  return undefined;
}

function listTs(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...listTs(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const ALL = [...SHIPPED_TOP, 'test', 'bench', 'deploy'].filter((d) => fs.existsSync(path.join(ROOT, d))).flatMap(listTs);

/** The root files of the shipped build, as tsc reads tsconfig.build.json. */
function buildFiles(): string[] {
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, 'tsconfig.build.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => {
      throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    },
  });
  if (!parsed) throw new Error('cannot read tsconfig.build.json');
  return parsed.fileNames.map(rel);
}

const format = (refs: { ref: ImportRef; why: string }[]) => refs.map(({ ref, why }) => `${ref.file}:${ref.line} imports '${ref.specifier}': ${why}`);

describe('layering', () => {
  it('every import runs the right way (api ← foundation ← client ← components ← cli)', () => {
    const bad = ALL.flatMap((file) => importsOf(file).map((ref) => ({ ref, why: violation(ref) }))).filter((x): x is { ref: ImportRef; why: string } => !!x.why);
    expect(format(bad)).toEqual([]);
  });

  it('the shipped build compiles no test code, and all shipped folders', () => {
    const files = buildFiles();
    expect(files.filter(isTestCode)).toEqual([]);
    expect([...new Set(files.map(top))].sort()).toEqual([...SHIPPED_TOP].sort());
    expect(files.filter((f) => !SHIPPED_TOP.includes(top(f)))).toEqual([]);
  });

  it('a test that starts etcd, Docker or the built binary is named *.integration.test.ts (test:unit leaves it out)', () => {
    const needs = /\bstartEtcd\(|\bstartTestApiServer\(|\bnew DockerRuntime\(|dist\/cli\/main\.js|\bORCH_ENTRY\b|\bstartApiServerProcess\(/;
    const misnamed = ALL.filter((f) => f.endsWith('.test.ts') && !f.endsWith('.integration.test.ts') && !/^test\/(e2e|cluster)\//.test(f))
      .filter((f) => needs.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    expect(misnamed).toEqual([]);
  });
});

describe('the checker itself', () => {
  const check = (file: string, text: string) => importsOf(file, text).map(violation).filter(Boolean);

  it('names a component importing another component, the CLI or a test helper', () => {
    expect(check('scheduler/x.ts', "import { a } from '../controller/manager.js';")).toEqual(['scheduler/ may import only api, foundation, client, scheduler, not controller/']);
    expect(check('agent/x.ts', "export { b } from '../cli/main.js';")).toEqual(['agent/ may import only api, foundation, client, agent, not cli/']);
    expect(check('client/x.ts', "const m = await import('../apiserver/pki.js');")).toEqual(['client/ may import only api, foundation, client, not apiserver/']);
    expect(check('foundation/x.ts', "import type { C } from '../client/types.js';")).toEqual(['foundation/ may import only api, foundation, not client/']);
    expect(check('api/x.ts', "import { L } from '../foundation/logger.js';")).toEqual(['api/ may import only api, not foundation/']);
    expect(check('agent/x.ts', "import { FakeRuntime } from './testing/fake-runtime.js';")).toEqual([
      'shipped code imports test code (agent/testing/fake-runtime.ts); test helpers must not end up in dist/',
    ]);
    expect(check('cli/x.ts', "import { startEtcd } from '../test/helpers/etcd.js';")).toEqual([
      'shipped code imports test code (test/helpers/etcd.ts); test helpers must not end up in dist/',
    ]);
    expect(check('controller/x.ts', "import { Etcd3 } from 'etcd3';")).toEqual(['etcd3 may only be imported by apiserver/storage/']);
  });

  it('lets the CLI import anything shipped, and tests and bench anything', () => {
    expect(check('cli/x.ts', "import { a } from '../agent/agent.js';\nimport { b } from '../apiserver/command.js';")).toEqual([]);
    expect(check('controller/x.test.ts', "import { a } from '../apiserver/server.js';\nimport { f } from '../client/testing/fake-client.js';")).toEqual([]);
    expect(check('bench/x.ts', "import { s } from '../test/helpers/apiserver.js';")).toEqual([]);
    expect(check('client/testing/fake-client.ts', "import { f } from '../../foundation/testing/fake-clock.js';")).toEqual([]);
  });
});
