import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfigPath, loadClientConfig, readConfigFile, readTokenFile, setContext, writeConfigFile } from './kubeconfig.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-kubeconfig-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('client config', () => {
  it('round-trips the config file with mode 0600 under $ORCH_HOME', () => {
    const env = { ORCH_HOME: dir };
    const file = defaultConfigPath(env);
    expect(file).toBe(path.join(dir, 'config.json'));
    expect(readConfigFile(file)).toBeUndefined();
    let cfg = setContext(undefined, 'local', { server: 'https://127.0.0.1:6443', token: 't1', ca: PEM });
    cfg = setContext(cfg, 'other', { server: 'https://10.0.0.1:6443', token: 't2' }, false);
    writeConfigFile(cfg, file);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readConfigFile(file)).toEqual(cfg);
    expect(cfg.currentContext).toBe('local');
    expect(loadClientConfig({}, env)).toEqual({ server: 'https://127.0.0.1:6443', token: 't1', ca: PEM });
    expect(loadClientConfig({ context: 'other' }, env)).toEqual({ server: 'https://10.0.0.1:6443', token: 't2' });
    expect(() => loadClientConfig({ context: 'nope' }, env)).toThrow(/context "nope" not found/);
  });

  it('flags win over environment, which wins over the file; CA paths are read', () => {
    const caFile = path.join(dir, 'ca.crt');
    fs.writeFileSync(caFile, PEM);
    const tokenFile = path.join(dir, 'token');
    fs.writeFileSync(tokenFile, '# comment\nabc123,admin,system:masters\n');
    const file = path.join(dir, 'config.json');
    writeConfigFile(setContext(undefined, 'c', { server: 'https://file:1', token: 'ft', ca: 'ca.crt' }), file);
    expect(loadClientConfig({ configPath: file })).toEqual({ server: 'https://file:1', token: 'ft', ca: PEM });
    expect(loadClientConfig({ configPath: file }, { ORCH_SERVER: 'https://env:2', ORCH_TOKEN: 'et' })).toEqual({ server: 'https://env:2', token: 'et' });
    expect(loadClientConfig({ server: 'https://flag:3', tokenFile, caFile, insecure: true, timeoutMs: 5 }, {})).toEqual({
      server: 'https://flag:3',
      token: 'abc123',
      ca: PEM,
      insecureSkipTLSVerify: true,
      timeoutMs: 5,
    });
    expect(readTokenFile(tokenFile)).toBe('abc123');
  });

  it('explains what to do when no server is configured or files are bad', () => {
    expect(() => loadClientConfig({ configPath: path.join(dir, 'missing.json') }, {})).toThrow(/no API server configured: start a local cluster with `orch up`, or pass --server/);
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{nope');
    expect(() => readConfigFile(bad)).toThrow(/not valid JSON/);
    expect(() => readTokenFile(path.join(dir, 'none'))).toThrow(/cannot read token file/);
    expect(() => loadClientConfig({ server: 'https://x:1', caFile: path.join(dir, 'none.crt') }, {})).toThrow(/cannot read CA file/);
  });
});
