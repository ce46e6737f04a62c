// The data of `orch create configmap|secret generic`: --from-literal=KEY=VALUE,
// --from-file=[KEY=]PATH (a directory: each regular file in it) and --from-env-file=PATH,
// with kubectl's rules and messages (keys must be valid, duplicates are refused; a file
// that is not UTF-8 goes to binaryData of a ConfigMap).

import fs from 'node:fs';
import path from 'node:path';

export interface DataSources {
  fromLiteral?: string[];
  fromFile?: string[];
  fromEnvFile?: string[];
}

export interface CollectedData {
  /** Text values. */
  data: Record<string, string>;
  /** Values that are not valid UTF-8 (only ConfigMaps keep these apart). */
  binary: Record<string, Buffer>;
}

const KEY = /^[-._a-zA-Z0-9]+$/;

function add(out: CollectedData, key: string, value: string | Buffer): void {
  if (!KEY.test(key) || key.length > 253) throw new Error(`"${key}" is not a valid key name: a valid config key must consist of alphanumeric characters, '-', '_' or '.'`);
  if (key in out.data || key in out.binary) throw new Error(`cannot add key "${key}", another key by that name already exists`);
  if (typeof value === 'string') out.data[key] = value;
  else {
    const text = value.toString('utf8');
    if (Buffer.from(text, 'utf8').equals(value)) out.data[key] = text;
    else out.binary[key] = value;
  }
}

function readFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`error reading ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
  }
}

/** An env file: KEY=VALUE lines; blank lines and # comments skipped; a bare KEY takes the environment's value. */
export function parseEnvFile(text: string, file: string): [string, string][] {
  const out: [string, string][] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\uFEFF/, '').trimStart();
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const key = eq < 0 ? line.trimEnd() : line.slice(0, eq);
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(key)) throw new Error(`${file}, line ${i + 1}: "${key}" is not a valid key name`);
    if (eq < 0) {
      if (process.env[key] !== undefined) out.push([key, process.env[key]!]);
      return;
    }
    out.push([key, line.slice(eq + 1)]);
  });
  return out;
}

export function collectData(src: DataSources): CollectedData {
  const out: CollectedData = { data: {}, binary: {} };
  for (const lit of src.fromLiteral ?? []) {
    const eq = lit.indexOf('=');
    if (eq <= 0) throw new Error(`invalid literal source ${lit}, expected key=value`);
    add(out, lit.slice(0, eq), lit.slice(eq + 1));
  }
  for (const spec of src.fromFile ?? []) {
    const eq = spec.indexOf('=');
    const [key, file] = eq < 0 ? [undefined, spec] : [spec.slice(0, eq), spec.slice(eq + 1)];
    if (key === '') throw new Error(`key names or file paths cannot be empty: ${spec}`);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      throw new Error(`error reading ${file}: no such file or directory`);
    }
    if (stat.isDirectory()) {
      if (key !== undefined) throw new Error(`cannot give a key name for a directory path: ${spec}`);
      for (const entry of fs.readdirSync(file, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
        if (entry.isFile()) add(out, entry.name, readFile(path.join(file, entry.name)));
      }
    } else add(out, key ?? path.basename(file), readFile(file));
  }
  for (const file of src.fromEnvFile ?? []) {
    for (const [k, v] of parseEnvFile(readFile(file).toString('utf8'), file)) add(out, k, v);
  }
  return out;
}
