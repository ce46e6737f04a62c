// Extract the runnable examples from the markdown in docs/, so a test can run them.
//
// Conventions (written down in docs/README.md):
//   ```sh            a command block the docs test runs (exit code must be 0)
//   ```sh setup      run too, and prepended to every later block of the same file
//                    (variables a reader sets once, e.g. API=..., TOKEN=...)
//   ```sh untested   shown to readers, not run (starts/stops the cluster, needs VMs, ...)
//   <!-- expect: /regex/flags -->   on the lines right before a block: its combined
//                    stdout+stderr must match (several allowed)
// Any other fence language (text, json, yaml, ts, ...) is never run.

export interface DocExample {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  kind: 'run' | 'setup' | 'untested';
  code: string;
  expects: RegExp[];
}

const FENCE = /^```(\S*)\s*(.*)$/;
const EXPECT = /^<!--\s*expect:\s*\/(.*)\/([a-z]*)\s*-->\s*$/;

export function extractExamples(file: string, markdown: string): DocExample[] {
  const lines = markdown.split('\n');
  const out: DocExample[] = [];
  let pendingExpects: RegExp[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const expect = EXPECT.exec(line);
    if (expect) {
      pendingExpects.push(new RegExp(expect[1], expect[2]));
      continue;
    }
    const fence = FENCE.exec(line);
    if (!fence) {
      // An expect comment belongs to the block right after it; prose in between drops it
      // (and is reported, so a misplaced expectation cannot silently stop checking).
      if (line.trim() !== '' && pendingExpects.length) throw new Error(`${file}:${i + 1}: expect comment not followed by a sh block`);
      continue;
    }
    const lang = fence[1];
    const info = fence[2].split(/\s+/).filter(Boolean);
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`${file}:${start + 1}: unterminated code fence`);
    if (lang === 'sh' || lang === 'bash' || lang === 'shell') {
      const kind = info.includes('untested') ? 'untested' : info.includes('setup') ? 'setup' : 'run';
      if (kind === 'untested' && pendingExpects.length) throw new Error(`${file}:${start + 1}: expectations on an untested block`);
      out.push({ file, line: start + 1, kind, code: body.join('\n'), expects: pendingExpects });
    } else if (pendingExpects.length) {
      throw new Error(`${file}:${start + 1}: expect comment before a non-sh block`);
    }
    pendingExpects = [];
  }
  if (pendingExpects.length) throw new Error(`${file}: expect comment at the end of the file`);
  return out;
}

/** Relative markdown links ([text](path) or [text](path#anchor)) of a document. */
export function relativeLinks(markdown: string): string[] {
  const links: string[] = [];
  for (const m of markdown.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1];
    if (/^[a-z]+:/i.test(target) || target.startsWith('#')) continue;
    links.push(target.split('#')[0]);
  }
  return links;
}
