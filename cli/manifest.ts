// Loading manifests: files, directories or stdin; multi-document YAML or JSON. Every
// object keeps where it came from (file, document index, line), so errors can say
// "web.yaml, document 2, line 14: spec.replicas: must be ≥ 0".

import fs from 'node:fs';
import path from 'node:path';
import YAML, { isMap, isSeq, isScalar, type Document, type Node as YamlNode } from 'yaml';
import type { KubeObject } from '../api/types.js';

export interface ManifestSource {
  file: string;
  /** 1-based document index within the file. */
  document: number;
  /** 1-based line where the document starts. */
  line: number;
}

export interface LoadedObject {
  object: KubeObject;
  source: ManifestSource;
  /** Line of a field path such as "spec.template.spec.containers[0].image" (best effort). */
  lineOf(fieldPath: string): number | undefined;
}

export class ManifestError extends Error {
  constructor(
    readonly source: { file: string; document?: number; line?: number },
    readonly detail: string,
  ) {
    super(`${source.file}${source.document ? `, document ${source.document}` : ''}${source.line ? `, line ${source.line}` : ''}: ${detail}`);
    this.name = 'ManifestError';
  }
}

const MANIFEST_EXT = new Set(['.yaml', '.yml', '.json']);

/** Expand -f arguments: a file, a directory (its .yaml/.yml/.json files, sorted), or '-' for stdin. */
export function expandPaths(paths: string[], recursive = false): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      out.push(p);
      continue;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(p);
    } catch {
      throw new ManifestError({ file: p }, 'no such file or directory');
    }
    if (st.isDirectory()) {
      for (const entry of fs.readdirSync(p).sort()) {
        const full = path.join(p, entry);
        const est = fs.statSync(full);
        if (est.isDirectory()) {
          if (recursive) out.push(...expandPaths([full], true));
        } else if (MANIFEST_EXT.has(path.extname(entry).toLowerCase())) out.push(full);
      }
    } else out.push(p);
  }
  return out;
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Parse "a.b[0].c" into ['a', 'b', 0, 'c']. */
export function parseFieldPath(fieldPath: string): (string | number)[] {
  const parts: (string | number)[] = [];
  for (const m of fieldPath.matchAll(/([^.[\]]+)|\[(\d+)\]|\[([^\]]+)\]/g)) {
    if (m[1] !== undefined) parts.push(m[1]);
    else if (m[2] !== undefined) parts.push(Number(m[2]));
    else if (m[3] !== undefined) parts.push(m[3]);
  }
  return parts;
}

function nodeLine(text: string, doc: Document, fieldPath: string): number | undefined {
  let node: unknown = doc.contents;
  let best: number | undefined = (doc.contents as YamlNode | null)?.range ? lineAt(text, (doc.contents as YamlNode).range![0]) : undefined;
  for (const part of parseFieldPath(fieldPath)) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isScalar(it.key) && String(it.key.value) === String(part));
      if (!pair) break;
      const keyNode = pair.key as YamlNode;
      if (keyNode.range) best = lineAt(text, keyNode.range[0]);
      node = pair.value;
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part] as YamlNode | undefined;
      if (!item) break;
      if (item.range) best = lineAt(text, item.range[0]);
      node = item;
    } else break;
  }
  return best;
}

/** Parse one file's text (YAML stream or JSON). Empty documents are skipped. */
export function parseManifests(text: string, file: string): LoadedObject[] {
  const docs = YAML.parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const out: LoadedObject[] = [];
  // parseAllDocuments returns an EmptyStream (array-like) for empty input.
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, i) => {
    const docIndex = i + 1;
    const contentsRange = (doc.contents as YamlNode | null)?.range;
    const startLine = contentsRange ? lineAt(text, contentsRange[0]) : doc.range ? lineAt(text, doc.range[0]) : 1;
    if (doc.errors.length > 0) {
      const e = doc.errors[0];
      const line = e.linePos?.[0]?.line ?? startLine;
      throw new ManifestError({ file, document: docIndex, line }, `invalid YAML: ${e.message.split('\n')[0]}`);
    }
    const value = doc.toJS({ maxAliasCount: 100 }) as unknown;
    if (value === null || value === undefined) return;
    const items = isListObject(value) ? (value as { items: unknown[] }).items : [value];
    for (const item of items) {
      if (typeof item !== 'object' || item === null || Array.isArray(item)) {
        throw new ManifestError({ file, document: docIndex, line: startLine }, 'a manifest document must be an object with apiVersion, kind and metadata');
      }
      const obj = item as KubeObject;
      const missing = ['apiVersion', 'kind'].filter((f) => typeof (obj as Record<string, unknown>)[f] !== 'string' || !(obj as Record<string, unknown>)[f]);
      if (missing.length) {
        throw new ManifestError({ file, document: docIndex, line: startLine }, `missing required field${missing.length > 1 ? 's' : ''} ${missing.join(' and ')}`);
      }
      if (typeof obj.metadata !== 'object' || obj.metadata === null) {
        throw new ManifestError({ file, document: docIndex, line: startLine }, 'missing required field metadata (with at least metadata.name)');
      }
      out.push({
        object: obj,
        source: { file, document: docIndex, line: startLine },
        lineOf: (fieldPath) => (items.length === 1 ? nodeLine(text, doc, fieldPath) : undefined),
      });
    }
  });
  return out;
}

function isListObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && typeof (v as { kind?: unknown }).kind === 'string' &&
    ((v as { kind: string }).kind === 'List' || (v as { kind: string }).kind.endsWith('List')) && Array.isArray((v as { items?: unknown }).items);
}

/** Load every object from -f arguments. stdin is read synchronously (fd 0). */
export function loadManifests(paths: string[], opts: { recursive?: boolean; readStdin?: () => string } = {}): LoadedObject[] {
  const out: LoadedObject[] = [];
  for (const file of expandPaths(paths, opts.recursive)) {
    const text = file === '-' ? (opts.readStdin ?? (() => fs.readFileSync(0, 'utf8')))() : fs.readFileSync(file, 'utf8');
    out.push(...parseManifests(text, file === '-' ? '<stdin>' : file));
  }
  return out;
}
