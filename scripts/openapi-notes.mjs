#!/usr/bin/env node
// Writes api/schema/upstream-notes.ts: what orch's OpenAPI takes from upstream's Go types
// (k8s.io/api and k8s.io/apimachinery v0.32.9, Apache-2.0) for the messages orch has a
// protobuf schema of: the first sentence of each type's and field's doc comment, the
// field markers that become OpenAPI extensions (+listType, +listMapKey, +mapType,
// +structType, the patchStrategy/patchMergeKey struct tags) and which fields are required
// (no +optional and no omitempty, as openapi-gen decides).
//
//   git clone --branch v0.32.9 https://github.com/kubernetes/api k8s-api
//   git clone --branch v0.32.9 https://github.com/kubernetes/apimachinery k8s-apimachinery
//   node scripts/openapi-notes.mjs k8s-api k8s-apimachinery > api/schema/upstream-notes.ts
//
// Run it again after adding messages to apiserver/protobuf/schema/ (a new kind) so the new
// types get their notes; orch's own wording goes in api/schema/orch-notes.ts, never here.

import fs from 'node:fs';
import path from 'node:path';

const [apiDir, machineryDir] = process.argv.slice(2);
if (!apiDir || !machineryDir) {
  console.error('usage: node scripts/openapi-notes.mjs <k8s.io/api dir> <k8s.io/apimachinery dir>');
  process.exit(2);
}

/** Go source file → the OpenAPI name prefix of its types. */
const SOURCES = [
  [path.join(apiDir, 'core/v1/types.go'), 'io.k8s.api.core.v1', 'k8s.io.api.core.v1'],
  [path.join(apiDir, 'apps/v1/types.go'), 'io.k8s.api.apps.v1', 'k8s.io.api.apps.v1'],
  [path.join(apiDir, 'autoscaling/v1/types.go'), 'io.k8s.api.autoscaling.v1', 'k8s.io.api.autoscaling.v1'],
  [path.join(apiDir, 'autoscaling/v2/types.go'), 'io.k8s.api.autoscaling.v2', 'k8s.io.api.autoscaling.v2'],
  [path.join(apiDir, 'coordination/v1/types.go'), 'io.k8s.api.coordination.v1', 'k8s.io.api.coordination.v1'],
  [path.join(apiDir, 'discovery/v1/types.go'), 'io.k8s.api.discovery.v1', 'k8s.io.api.discovery.v1'],
  [path.join(apiDir, 'policy/v1/types.go'), 'io.k8s.api.policy.v1', 'k8s.io.api.policy.v1'],
  [path.join(apiDir, 'rbac/v1/types.go'), 'io.k8s.api.rbac.v1', 'k8s.io.api.rbac.v1'],
  [path.join(apiDir, 'storage/v1/types.go'), 'io.k8s.api.storage.v1', 'k8s.io.api.storage.v1'],
  [path.join(machineryDir, 'pkg/apis/meta/v1/types.go'), 'io.k8s.apimachinery.pkg.apis.meta.v1', 'k8s.io.apimachinery.pkg.apis.meta.v1'],
  [path.join(machineryDir, 'pkg/apis/meta/v1/time.go'), 'io.k8s.apimachinery.pkg.apis.meta.v1', 'k8s.io.apimachinery.pkg.apis.meta.v1'],
  [path.join(machineryDir, 'pkg/apis/meta/v1/micro_time.go'), 'io.k8s.apimachinery.pkg.apis.meta.v1', 'k8s.io.apimachinery.pkg.apis.meta.v1'],
  [path.join(machineryDir, 'pkg/util/intstr/intstr.go'), 'io.k8s.apimachinery.pkg.util.intstr', 'k8s.io.apimachinery.pkg.util.intstr'],
  [path.join(machineryDir, 'pkg/api/resource/quantity.go'), 'io.k8s.apimachinery.pkg.api.resource', 'k8s.io.apimachinery.pkg.api.resource'],
];

/** Types orch's OpenAPI needs that have no protobuf message of orch's (lists, Status). */
const EXTRA = new Set([
  'io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Status',
  'io.k8s.apimachinery.pkg.apis.meta.v1.StatusDetails',
  'io.k8s.apimachinery.pkg.apis.meta.v1.StatusCause',
  'io.k8s.apimachinery.pkg.apis.meta.v1.TypeMeta',
]);
/** Whole packages kept for kinds being added next to this (policy/v1 PodDisruptionBudget). */
const WHOLE_PACKAGES = ['io.k8s.api.policy.v1'];

const SCHEMA_DIR = new URL('../apiserver/protobuf/schema/', import.meta.url);

/** Message names per protobuf package, read from orch's proto text. */
function protoMessages() {
  const out = new Set();
  for (const f of fs.readdirSync(SCHEMA_DIR)) {
    const text = fs.readFileSync(new URL(f, SCHEMA_DIR), 'utf8');
    let pkg = '';
    for (const line of text.split('\n')) {
      const p = /^package ([\w.]+);/.exec(line);
      if (p) pkg = p[1];
      const m = /^message (\w+) \{/.exec(line);
      if (m) out.add(`${pkg}.${m[1]}`);
    }
  }
  return out;
}

/** The first sentence of a doc comment (two when the first is short), without markers. */
function summary(lines) {
  const text = lines
    .filter((l) => !l.startsWith('+') && !/^TODO/.test(l) && !l.startsWith('---'))
    .join(' ')
    .replace(/(More info:\s*)?https?:\/\/\S+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  if (!text) return '';
  const sentences = text.split(/(?<=[.!?])\s+(?=[A-Z`"(])/);
  let out = '';
  for (const s of sentences) {
    const next = `${out} ${s}`.trim();
    if (out && (out.length >= 60 || next.length > 320)) break;
    out = next;
  }
  if (out.length > 320) out = `${out.slice(0, 317).replace(/\s+\S*$/, '')}...`;
  return out;
}

function markers(lines) {
  const m = {};
  for (const l of lines) {
    const r = /^\+([\w-]+)(?:=(.*))?$/.exec(l);
    if (!r) continue;
    if (r[1] === 'listMapKey') (m.listMapKey ??= []).push(r[2]);
    else m[r[1]] = r[2] ?? true;
  }
  return m;
}

function tag(tags, key) {
  const r = new RegExp(`${key}:"([^"]*)"`).exec(tags);
  return r ? r[1] : undefined;
}

function parseFile(file, prefix) {
  const types = {};
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  let comment = [];
  let current = null;
  for (const raw of lines) {
    const line = raw.trim();
    if (line.startsWith('//')) {
      comment.push(line.replace(/^\/\/\s?/, ''));
      continue;
    }
    if (!current) {
      const t = /^type (\w+) (struct \{|\w|map|\[)/.exec(line);
      if (t) {
        const mk = markers(comment);
        const name = `${prefix}.${t[1]}`;
        types[name] = { d: summary(comment), f: {} };
        const mapType = mk.structType ?? mk.mapType;
        if (mapType) types[name].mapType = mapType;
        if (line.endsWith('struct {')) current = types[name];
      }
      comment = [];
      continue;
    }
    if (line === '}') {
      current = null;
      comment = [];
      continue;
    }
    const f = /^(\w+)?\s*[^`]*`([^`]*)`/.exec(line);
    if (f) {
      const json = tag(f[2], 'json');
      if (json !== undefined && !json.startsWith(',') && json !== '-') {
        const [jsonName, ...opts] = json.split(',');
        const mk = markers(comment);
        const note = { d: summary(comment) };
        if (mk.listType) note.listType = mk.listType;
        if (mk.listMapKey) note.listMapKeys = mk.listMapKey;
        const mapType = mk.mapType ?? mk.structType;
        if (mapType) note.mapType = mapType;
        const ps = tag(f[2], 'patchStrategy');
        if (ps) note.patchStrategy = ps;
        const pk = tag(f[2], 'patchMergeKey');
        if (pk) note.patchMergeKey = pk;
        if (!mk.optional && !opts.includes('omitempty')) note.required = true;
        current.f[jsonName] = note;
      }
    }
    if (line !== '') comment = [];
  }
  return types;
}

const wanted = protoMessages();
const out = {};
for (const [file, prefix, protoPkg] of SOURCES) {
  for (const [name, t] of Object.entries(parseFile(file, prefix))) {
    const short = name.slice(prefix.length + 1);
    // A kind's list type (PodList) has no message of orch's: kept when the kind is.
    const listOf = short.endsWith('List') ? `${protoPkg}.${short.slice(0, -4)}` : '';
    if (wanted.has(`${protoPkg}.${short}`) || wanted.has(listOf) || EXTRA.has(name) || WHOLE_PACKAGES.includes(prefix)) out[name] = t;
  }
}

const body = Object.keys(out)
  .sort()
  .map((k) => `  ${JSON.stringify(k)}: ${JSON.stringify(out[k])},`)
  .join('\n');
process.stdout.write(`// GENERATED by scripts/openapi-notes.mjs from k8s.io/api and k8s.io/apimachinery v0.32.9
// (Apache-2.0): the first sentence of upstream's doc comments and the markers that become
// OpenAPI extensions. Do not edit by hand: orch's own notes are in orch-notes.ts.

import type { UpstreamNotes } from './notes.js';

export const UPSTREAM_NOTES: UpstreamNotes = {
${body}
};
`);
