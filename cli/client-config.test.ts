import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readConfigFile, resolveConnection, saveContext } from './client-config.js';

const dirs: string[] = [];
const tmpFile = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-cfg-'));
  dirs.push(d);
  return path.join(d, 'config.json');
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('client config', () => {
  it('saves contexts, switches the current one and keeps the file private', () => {
    const f = tmpFile();
    saveContext({ name: 'a', server: 'https://a:6443', token: 'ta', ca: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n' }, f);
    saveContext({ name: 'b', server: 'https://b:6443', token: 'tb', namespace: 'prod' }, f);
    const cfg = readConfigFile(f);
    expect(cfg!.currentContext).toBe('b');
    expect(Object.keys(cfg!.contexts)).toEqual(['a', 'b']);
    expect(fs.statSync(f).mode & 0o777).toBe(0o600);
    expect(resolveConnection({}, f)).toMatchObject({ config: { server: 'https://b:6443', token: 'tb' }, namespace: 'prod', contextName: 'b' });
    expect(resolveConnection({ context: 'a' }, f)).toMatchObject({ config: { server: 'https://a:6443', token: 'ta', ca: '-----BEGIN CERTIFICATE-----\nX\n-----END CERTIFICATE-----\n' }, namespace: 'default' });
  });

  it('lets flags win and does not mix a flag server with a context token', () => {
    const f = tmpFile();
    saveContext({ name: 'a', server: 'https://a:6443', token: 'ta' }, f);
    const r = resolveConnection({ server: 'http://other:8080', namespace: 'x' }, f);
    expect(r.config.server).toBe('http://other:8080');
    expect(r.config.token).toBeUndefined();
    expect(r.namespace).toBe('x');
  });

  it('says what to do when nothing is configured or a context is unknown', () => {
    const f = tmpFile();
    expect(() => resolveConnection({}, f)).toThrow(/orch up/);
    saveContext({ name: 'a', server: 'https://a:6443' }, f);
    expect(() => resolveConnection({ context: 'zz' }, f)).toThrow(/context "zz" not found/);
  });

  it('reports a corrupt file instead of crashing', () => {
    const f = tmpFile();
    fs.writeFileSync(f, '{oops');
    expect(() => readConfigFile(f)).toThrow(/not valid JSON/);
  });
});
