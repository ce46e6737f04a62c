import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serviceCidrFor, serviceCidrForPodRange } from './service-range.js';

const tmpFile = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'orch-svc-range-')), 'service-cidr');

describe('the Service range of an orch up cluster', () => {
  it('follows the pod range, so clusters with distinct pod ranges get distinct Service ranges', () => {
    expect(serviceCidrForPodRange('10.244.0.0/16')).toBe('10.96.0.0/16');
    expect(serviceCidrForPodRange('10.254.0.0/16')).toBe('10.106.0.0/16');
    expect(serviceCidrForPodRange('10.231.0.0/16,fd00:10:231::/56')).toBe('10.83.0.0/16');
    const ranges = Array.from({ length: 28 }, (_, i) => serviceCidrForPodRange(`10.${228 + i}.0.0/16`));
    expect(new Set(ranges).size).toBe(28);
    expect(serviceCidrForPodRange('192.168.0.0/16')).toBe('10.96.0.0/12');
  });

  it('is kept for the cluster\'s life: a different --service-cidr later is refused', () => {
    const file = tmpFile();
    expect(serviceCidrFor(file, undefined, '10.245.0.0/16')).toBe('10.97.0.0/16');
    expect(fs.readFileSync(file, 'utf8')).toBe('10.97.0.0/16\n');
    expect(serviceCidrFor(file, undefined, '10.245.0.0/16')).toBe('10.97.0.0/16');
    expect(() => serviceCidrFor(file, '10.100.0.0/16', '10.245.0.0/16')).toThrow(/cannot change/);
  });

  it('refuses a bad or overlapping --service-cidr, naming the flag', () => {
    expect(() => serviceCidrFor(tmpFile(), '10.300.0.0/16', '10.244.0.0/16')).toThrow(/^--service-cidr: "10.300.0.0\/16"/);
    expect(() => serviceCidrFor(tmpFile(), '10.244.128.0/20', '10.244.0.0/16')).toThrow(/overlaps the pod range 10.244.0.0\/16/);
    const file = tmpFile();
    expect(serviceCidrFor(file, '172.31.0.0/16', '10.244.0.0/16')).toBe('172.31.0.0/16');
  });
});
