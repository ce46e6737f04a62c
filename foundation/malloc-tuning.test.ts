import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MALLOC_TUNING_ENV } from './malloc-tuning.js';

// The compose demo and the systemd unit cannot import the constant: they must carry the same values.
describe('malloc tuning of the proxy', () => {
  const repo = path.resolve(import.meta.dirname, '..');
  it('orch-proxy.service and both compose proxies start with the same three settings', () => {
    const unit = fs.readFileSync(path.join(repo, 'deploy/systemd/orch-proxy.service'), 'utf8');
    const compose = fs.readFileSync(path.join(repo, 'deploy/docker-compose.yml'), 'utf8');
    for (const [k, v] of Object.entries(MALLOC_TUNING_ENV)) {
      expect(unit).toMatch(new RegExp(`^Environment=.*\\b${k}=${v}\\b`, 'm'));
      expect(compose.match(new RegExp(`^      ${k}: "${v}"$`, 'gm')), k).toHaveLength(2);
    }
  });
});
