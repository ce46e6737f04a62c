// The cgroup v1 and v2 readers on fixture trees (agent/stats/fixtures: the files as the
// kernel writes them), the node's /proc figures, and the sampler's rates between samples.

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../foundation/logger.js';
import { CgroupReader, detectCgroupVersion, parseNode, parseV1, parseV2, statValue } from './cgroup-stats.js';
import { ResourceSampler } from './resource-sampler.js';
import type { ContainerInfo } from '../runtime/types.js';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const ID = 'abc123';

describe('cgroup parsers', () => {
  test('v1: cpuacct.usage in ns; working set = usage - total_inactive_file', () => {
    expect(detectCgroupVersion(path.join(FIX, 'v1'))).toBe(1);
    const r = new CgroupReader(path.join(FIX, 'v1'), path.join(FIX, 'proc'));
    expect(r.container(ID)).toEqual({ cpuNs: 8123456789, usageBytes: 52428800, workingSetBytes: 52428800 - 10485760 });
    expect(r.container('missing')).toBeUndefined();
  });

  test('v2 (systemd driver: system.slice/docker-<id>.scope): usage_usec, memory.current, inactive_file', () => {
    expect(detectCgroupVersion(path.join(FIX, 'v2'))).toBe(2);
    const r = new CgroupReader(path.join(FIX, 'v2'), path.join(FIX, 'proc'));
    expect(r.version).toBe(2);
    expect(r.container(ID)).toEqual({ cpuNs: 4500123000, usageBytes: 73400320, workingSetBytes: 73400320 - 16777216 });
  });

  test('the node from /proc/stat (busy jiffies at USER_HZ 100) and /proc/meminfo', () => {
    const r = new CgroupReader(path.join(FIX, 'v1'), path.join(FIX, 'proc'));
    const busy = 1517393 + 100 + 342735 + 50 + 11654 + 836;
    const usage = (24683664 - 20907524) * 1024;
    expect(r.node()).toEqual({ cpuNs: busy * 1e7, usageBytes: usage, workingSetBytes: usage - 203964 * 1024 });
  });

  test('bad files are errors, a working set never goes below 0', () => {
    expect(() => parseV1('x', '1', '')).toThrow(/cpuacct.usage/);
    expect(() => parseV2('user_usec 1', '1', '')).toThrow(/usage_usec/);
    expect(() => parseNode('intr 1', '')).toThrow(/cpu line/);
    expect(parseV1('1', '100', 'total_inactive_file 500').workingSetBytes).toBe(0);
    expect(statValue('a 1\nab 2\n', 'ab')).toBe(2);
  });
});

describe('resource sampler', () => {
  test('CPU is the rate between two samples; pause containers and unsampled pods are left out', async () => {
    const root = fs.mkdtempSync('/tmp/orch-cg-');
    const dir = path.join(root, 'cpuacct/docker/c1');
    const mem = path.join(root, 'memory/docker/c1');
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(mem, { recursive: true });
    fs.writeFileSync(path.join(mem, 'memory.usage_in_bytes'), '2048000');
    fs.writeFileSync(path.join(mem, 'memory.stat'), 'total_inactive_file 0\n');
    let now = 1_000_000;
    const containers: ContainerInfo[] = [
      { id: 'c1', name: 'x', state: 'running', image: 'i', imageId: 'i', labels: { 'orch.io/pod-uid': 'u1', 'orch.io/namespace': 'ns', 'orch.io/pod': 'p', 'orch.io/container': 'main', 'orch.io/node': 'n' } },
      { id: 'pause', name: 'y', state: 'running', image: 'i', imageId: 'i', labels: { 'orch.io/pod-uid': 'u1', 'orch.io/container': 'POD', 'orch.io/node': 'n' } },
    ];
    const sampler = new ResourceSampler({
      runtime: { listContainers: async () => containers },
      reader: new CgroupReader(root, path.join(FIX, 'proc'), 1),
      nodeName: 'n',
      clock: { now: () => now, sleep: async () => {} },
      logger: silentLogger(),
      pods: () => [{ metadata: { uid: 'u1', name: 'p', namespace: 'ns', labels: { app: 'a' } } } as never],
    });
    fs.writeFileSync(path.join(dir, 'cpuacct.usage'), '1000000000');
    await sampler.tick();
    expect(sampler.summary()).toBeUndefined();
    now += 5000;
    // 2.5 s of CPU in 5 s: half a core.
    fs.writeFileSync(path.join(dir, 'cpuacct.usage'), '3500000000');
    await sampler.tick();
    const s = sampler.summary()!;
    expect(s.windowSeconds).toBe(5);
    expect(s.pods).toEqual([
      {
        podRef: { name: 'p', namespace: 'ns', uid: 'u1' },
        labels: { app: 'a' },
        containers: [{ name: 'main', cpu: expect.objectContaining({ usageNanoCores: 500_000_000, usageCoreNanoSeconds: 3.5e9 }), memory: expect.objectContaining({ workingSetBytes: 2048000 }) }],
      },
    ]);
    // The fixture /proc did not change: the node used no CPU in between.
    expect(s.node.cpu.usageNanoCores).toBe(0);
    fs.rmSync(root, { recursive: true, force: true });
  });
});
