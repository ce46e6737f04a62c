import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import YAML from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readTokenFile } from '../../foundation/token-file.js';
import { ADMIN_USER, CONTROLLER_MANAGER_USER, initCommand, runInit, SCHEDULER_USER } from './init.js';

let tmp: string;
let dir: string;
let output: string;

async function orch(...args: string[]): Promise<string> {
  output = '';
  const program = new Command('orch').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  program.addCommand(initCommand((t) => (output += t)));
  await program.parseAsync(args, { from: 'user' });
  return output;
}

beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-init-user-'));
  dir = path.join(tmp, 'pki');
  runInit({ dir });
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('orch init user', () => {
  it('adds a token with the groups and writes a kubeconfig (0600) for it', async () => {
    const file = path.join(tmp, 'jane.kubeconfig');
    const out = await orch('init', '--dir', dir, 'user', 'jane', '--group', 'dev', '--group', 'qa', '--namespace', 'team-a', '-o', file, '--server', 'https://10.0.0.1:6443');
    const entry = readTokenFile(path.join(dir, 'tokens.csv')).find((e) => e.user === 'jane')!;
    expect(entry.groups).toEqual(['dev', 'qa']);
    expect(entry.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const kc = YAML.parse(fs.readFileSync(file, 'utf8'));
    expect(kc.clusters[0].cluster.server).toBe('https://10.0.0.1:6443');
    expect(Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString()).toBe(fs.readFileSync(path.join(dir, 'ca.crt'), 'utf8'));
    expect(kc.users).toEqual([{ name: 'jane', user: { token: entry.token } }]);
    expect(kc.contexts[0].context).toEqual({ cluster: 'orch', user: 'jane', namespace: 'team-a' });
    expect(out).toContain('kubectl create rolebinding jane-edit --clusterrole=edit --user=jane -n team-a');
    // The admin and the rest of the file are untouched.
    expect(readTokenFile(path.join(dir, 'tokens.csv')).map((e) => e.user)).toEqual([ADMIN_USER, SCHEDULER_USER, CONTROLLER_MANAGER_USER, 'jane']);
  });

  it('-o - prints the kubeconfig; the server defaults to the local cluster of `orch up`', async () => {
    fs.mkdirSync(path.join(tmp, 'run'));
    fs.writeFileSync(path.join(tmp, 'run', 'cluster.json'), JSON.stringify({ server: 'https://127.0.0.1:7443' }));
    const out = await orch('init', '--dir', dir, 'user', 'bob', '-o', '-');
    expect(YAML.parse(out).clusters[0].cluster.server).toBe('https://127.0.0.1:7443');
  });

  it('refuses system: names, groups under system:, an existing user, plain http and a missing server', async () => {
    const server = ['--server', 'https://10.0.0.1:6443', '-o', '-'];
    await expect(orch('init', '--dir', dir, 'user', 'system:node:x', ...server)).rejects.toThrow(/reserved/);
    await expect(orch('init', '--dir', dir, 'user', 'System:x', ...server)).rejects.toThrow(/reserved/);
    await expect(orch('init', '--dir', dir, 'user', 'eve', '--group', 'system:masters', ...server)).rejects.toThrow(/clusterrolebinding .*cluster-admin/);
    await expect(orch('init', '--dir', dir, 'user', 'admin', ...server)).rejects.toThrow(/already has a token/);
    await expect(orch('init', '--dir', dir, 'user', 'a,b', ...server)).rejects.toThrow(/no commas/);
    await expect(orch('init', '--dir', dir, 'user', 'eve', '--server', 'http://10.0.0.1:8080', '-o', '-')).rejects.toThrow(/https only/);
    await expect(orch('init', '--dir', dir, 'user', 'eve', '-o', '-')).rejects.toThrow(/--server/);
    await expect(orch('init', '--dir', dir, 'user', 'eve', '--namespace', 'Bad_NS', ...server)).rejects.toThrow(/invalid namespace/);
    expect(readTokenFile(path.join(dir, 'tokens.csv')).map((e) => e.user)).not.toContain('eve');
  });
});
