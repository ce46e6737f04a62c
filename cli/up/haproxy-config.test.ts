// The HAProxy configuration orch writes is one HAProxy itself accepts (`haproxy -c`), with
// the health check and the last-resort backups where they belong. haproxy is a CI
// package (.ci/run): a machine without it fails here, loudly.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { haproxyConfig } from './haproxy-config.js';

describe('haproxyConfig', () => {
  const cfg = haproxyConfig({
    bind: '127.0.0.1:16443',
    backends: [{ name: 'api1', address: '127.0.0.1:6441' }, { name: 'api2', address: '127.0.0.1:6442' }],
    caFile: '/etc/orch/pki/ca.crt',
  });

  it('checks /readyz over TLS, verified by the CA, and keeps fallbacks for an all-down pool', () => {
    expect(cfg).toContain('option httpchk GET /readyz');
    expect(cfg).toMatch(/default-server check check-ssl verify required ca-file \/etc\/orch\/pki\/ca\.crt inter 1000 fall 2 rise 1 on-marked-down shutdown-sessions/);
    expect(cfg).toMatch(/^ {4}server api1 127\.0\.0\.1:6441$/m);
    expect(cfg).toMatch(/^ {4}server api2-last-resort 127\.0\.0\.1:6442 backup no-check$/m);
    expect(haproxyConfig({ bind: ':1', backends: [] })).toContain('check-ssl verify none');
  });

  it('is accepted by haproxy -c', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-haproxy-'));
    try {
      const ca = path.join(dir, 'ca.crt');
      // haproxy -c loads the CA file: any certificate will do for the syntax check.
      const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'ca.key'), '-out', ca, '-subj', '/CN=t', '-days', '1'], { encoding: 'utf8' });
      expect(gen.status, gen.stderr).toBe(0);
      const file = path.join(dir, 'haproxy.cfg');
      fs.writeFileSync(file, haproxyConfig({ bind: '127.0.0.1:16443', backends: [{ name: 'api1', address: '127.0.0.1:6441' }], caFile: ca }));
      const r = spawnSync('haproxy', ['-c', '-f', file], { encoding: 'utf8' });
      if (r.error) throw new Error(`haproxy is not installed (Debian package haproxy): ${r.error.message}`);
      expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
