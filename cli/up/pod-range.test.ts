import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chooseClusterCidr, clusterCidrFor, hostNetworks } from './pod-range.js';

describe('orch up: the pod range', () => {
  const dirs: string[] = [];
  const file = () => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), 'pod-range-'));
    dirs.push(d);
    return path.join(d, 'cluster-cidr');
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('takes 10.244.0.0/16 when nothing overlaps it, else the next free /16', () => {
    expect(chooseClusterCidr(['172.17.0.0/16', '192.168.1.0/24', 'fd00::/64'])).toBe('10.244.0.0/16');
    // Another local cluster's node network, and a host address inside 10.245/16.
    expect(chooseClusterCidr(['10.244.3.0/24', '10.245.0.7/16'])).toBe('10.246.0.0/16');
    // A host on 10.0.0.0/8 covers every candidate.
    expect(chooseClusterCidr(['10.0.0.0/8'])).toBeUndefined();
  });

  it('keeps the first choice for the cluster\'s life, even when its own networks now overlap it', async () => {
    const f = file();
    expect(await clusterCidrFor(f, undefined, async () => ['10.244.0.0/24'])).toEqual({ cidr: '10.245.0.0/16', note: expect.stringContaining('Pod range 10.245.0.0/16 (10.244.0.0/16 overlaps') });
    expect(fs.readFileSync(f, 'utf8')).toBe('10.245.0.0/16\n');
    expect(await clusterCidrFor(f, undefined, async () => ['10.245.0.0/24'])).toEqual({ cidr: '10.245.0.0/16' });
  });

  it('a given range is used and kept; a different one later is refused with what to do', async () => {
    const f = file();
    expect(await clusterCidrFor(f, '10.77.0.0/16,fd00:77::/56', async () => [])).toEqual({ cidr: '10.77.0.0/16,fd00:77::/56' });
    await expect(clusterCidrFor(f, '10.78.0.0/16', async () => [])).rejects.toThrow(/^--cluster-cidr 10.78.0.0\/16: this cluster's pod range is 10.77.0.0\/16,fd00:77::\/56 .*Start a new cluster \(another ORCH_HOME\)/);
    expect(await clusterCidrFor(f, '10.77.0.0/16,fd00:77::/56', async () => [])).toEqual({ cidr: '10.77.0.0/16,fd00:77::/56' });
  });

  it('a malformed range names the flag and writes nothing', async () => {
    const f = file();
    await expect(clusterCidrFor(f, '10.77.0.0/33', async () => [])).rejects.toThrow(/^--cluster-cidr: "10.77.0.0\/33" /);
    expect(fs.existsSync(f)).toBe(false);
  });

  it('no free range: says to choose one', async () => {
    await expect(clusterCidrFor(file(), undefined, async () => ['10.0.0.0/8'])).rejects.toThrow(/no free pod range .* choose one with --cluster-cidr/);
  });

  it("this host's addresses come as networks, without loopback", () => {
    expect(hostNetworks().length).toBeGreaterThan(0);
    for (const c of hostNetworks()) {
      expect(c).toMatch(/\/\d+$/);
      expect(c.startsWith('127.')).toBe(false);
    }
  });
});
