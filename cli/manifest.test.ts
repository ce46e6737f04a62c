import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManifestError, expandPaths, loadManifests, parseFieldPath, parseManifests } from './manifest.js';

const deploy = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: web
          image: orch.local/web:latest
`;

describe('parseManifests', () => {
  it('reads several YAML documents and remembers where each starts', () => {
    const text = `${deploy}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: "1"\n`;
    const objs = parseManifests(text, 'app.yaml');
    expect(objs.map((o) => o.object.kind)).toEqual(['Deployment', 'ConfigMap']);
    expect(objs[0].source).toEqual({ file: 'app.yaml', document: 1, line: 1 });
    expect(objs[1].source.document).toBe(2);
    expect(objs[1].source.line).toBe(13);
  });

  it('finds the line of a nested field path', () => {
    const [obj] = parseManifests(deploy, 'd.yaml');
    expect(obj.lineOf('spec.replicas')).toBe(6);
    expect(obj.lineOf('spec.template.spec.containers[0].image')).toBe(11);
    // A path that does not exist falls back to the deepest existing ancestor.
    expect(obj.lineOf('spec.template.spec.containers[0].ports[0]')).toBe(10);
  });

  it('accepts JSON and List objects', () => {
    const json = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }] });
    const objs = parseManifests(json, 'x.json');
    expect(objs).toHaveLength(1);
    expect(objs[0].object.metadata.name).toBe('a');
  });

  it('skips empty documents', () => {
    expect(parseManifests('---\n---\n', 'e.yaml')).toHaveLength(0);
    expect(parseManifests('', 'e.yaml')).toHaveLength(0);
  });

  it.each([
    ['apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n', /e.yaml, document 1, line \d+: invalid YAML/],
    ['kind: Pod\nmetadata:\n  name: x\n', /document 1, line 1: missing required field apiVersion/],
    ['apiVersion: v1\nmetadata:\n  name: x\n', /missing required field kind/],
    ['apiVersion: v1\nkind: Pod\n', /missing required field metadata/],
    ['- a\n- b\n', /must be an object/],
    ['apiVersion: v1\nkind: Pod\nkind: Pod\nmetadata: {}\n', /invalid YAML/],
    ['apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n---\napiVersion: v1\n  bad: indent\n', /document 2, line \d+: invalid YAML/],
  ])('rejects %j with a located message', (text, re) => {
    expect(() => parseManifests(text, 'e.yaml')).toThrow(ManifestError);
    expect(() => parseManifests(text, 'e.yaml')).toThrow(re);
  });
});

describe('loadManifests', () => {
  it('expands directories to their manifest files in name order and reads stdin', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-manifest-'));
    fs.writeFileSync(path.join(dir, 'b.yaml'), deploy);
    fs.writeFileSync(path.join(dir, 'a.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n' } }));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'ignored');
    expect(expandPaths([dir]).map((p) => path.basename(p))).toEqual(['a.json', 'b.yaml']);
    const objs = loadManifests([dir, '-'], { readStdin: () => 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n' });
    expect(objs.map((o) => `${o.object.kind}/${o.object.metadata.name}@${path.basename(o.source.file)}`)).toEqual([
      'Namespace/n@a.json',
      'Deployment/web@b.yaml',
      'Secret/s@<stdin>',
    ]);
    fs.rmSync(dir, { recursive: true });
  });

  it('names a missing file', () => {
    expect(() => loadManifests(['/nonexistent/x.yaml'])).toThrow(/\/nonexistent\/x.yaml: no such file or directory/);
  });
});

describe('parseFieldPath', () => {
  it('splits dots and indexes', () => {
    expect(parseFieldPath('spec.containers[0].ports[12].name')).toEqual(['spec', 'containers', 0, 'ports', 12, 'name']);
    expect(parseFieldPath('metadata.labels[app.kubernetes.io/name]')).toEqual(['metadata', 'labels', 'app.kubernetes.io/name']);
  });
});
