// docs/multi-host.md and deploy/README.md must show only real commands: every `orch ...`
// line in their code blocks uses flags the real CLI has, and every install-agent.sh /
// issue-agent-cert.mjs line uses flags those scripts accept.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '..');
const orchMain = path.join(repo, 'dist/cli/main.js');

/** Shell lines of the fenced code blocks, with `\` continuations joined and comments cut. */
function codeLines(file: string): string[] {
  const text = fs.readFileSync(path.join(repo, file), 'utf8');
  const blocks = [...text.matchAll(/```(?:sh)?\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks
    .flatMap((b) => b.replace(/\\\n\s*/g, '').split('\n'))
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
}

const helpCache = new Map<string, { ok: boolean; text: string }>();
function help(args: string[]) {
  const key = args.join(' ');
  if (!helpCache.has(key)) {
    const r = spawnSync(process.execPath, [orchMain, ...args, '--help'], { encoding: 'utf8' });
    helpCache.set(key, { ok: r.status === 0, text: r.stdout });
  }
  return helpCache.get(key)!;
}
const flagsOf = (text: string) => new Set(text.match(/--[a-z][a-z-]*/g) ?? []);

/** The `orch` invocations of a line (also after `;`, `&&`, `$(`). */
function orchCommands(line: string): string[][] {
  // deploy/README.md writes `$O` for `node dist/cli/main.js`.
  return [...line.matchAll(/(?:^|[;&|(]\s*)(?:orch|\$O) ([^;&|)]*)/g)].map((m) => m[1].trim().split(/\s+/));
}

function unknownFlags(words: string[]): string[] {
  if (words[0].startsWith('-')) {
    const root = flagsOf(help([]).text);
    return words.filter((w) => w.startsWith('--') && !root.has(w.split('=')[0]));
  }
  const path_: string[] = [words[0]];
  const top = help(path_);
  expect(top.ok, `orch ${words[0]} is not a command`).toBe(true);
  const known = flagsOf(top.text);
  for (const w of words.slice(1)) {
    if (w.startsWith('-')) continue;
    const sub = help([...path_, w]);
    // A word is a subcommand when its own help differs (a positional argument repeats the parent's).
    if (sub.ok && sub.text !== top.text && new RegExp(`^  ${w}\\b`, 'm').test(top.text)) {
      path_.push(w);
      for (const f of flagsOf(sub.text)) known.add(f);
    }
  }
  return words.filter((w) => w.startsWith('--')).map((w) => w.split('=')[0]).filter((f) => !known.has(f));
}

describe.each(['docs/multi-host.md', 'deploy/README.md'])('%s shows real commands', (file) => {
  const lines = codeLines(file);

  it('every orch command uses existing subcommands and flags', () => {
    const cmds = lines.flatMap(orchCommands);
    expect(cmds.length).toBeGreaterThan(2);
    for (const words of cmds) expect(unknownFlags(words), `orch ${words.join(' ')}`).toEqual([]);
  });

  it('every install-agent.sh and issue-agent-cert.mjs line uses flags the script accepts', () => {
    const scripts: Record<string, string> = {
      'install-agent.sh': fs.readFileSync(path.join(repo, 'deploy/install-agent.sh'), 'utf8'),
      'issue-agent-cert.mjs': fs.readFileSync(path.join(repo, 'deploy/issue-agent-cert.mjs'), 'utf8'),
    };
    for (const line of lines) {
      for (const [name, source] of Object.entries(scripts)) {
        if (!line.includes(name)) continue;
        for (const f of line.match(/\s--[a-z][a-z-]*/g) ?? []) {
          const flag = f.trim();
          // install-agent.sh: a case branch; issue-agent-cert.mjs: a parseArgs option.
          const accepted = source.includes(`    ${flag})`) || source.includes(`'${flag.slice(2)}':`) || source.includes(`    ${flag.slice(2)}:`);
          expect(accepted, `${flag} in: ${line}`).toBe(true);
        }
      }
    }
  });
});
