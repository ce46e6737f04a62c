// The audit writer: lines arrive in order, the file is rotated by size into numbered
// backups (1 newest) and the oldest beyond maxBackups are removed; a write that fails
// (the directory is gone, as a full disk would) drops and counts, logs, and never throws.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { AuditWriter } from './writer.js';
import { silentLogger } from '../../foundation/logger.js';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-audit-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('AuditWriter', () => {
  test('a burst queued behind a slow write is cut at lines so no file passes the bound', async () => {
    const dir = tmp();
    const file = path.join(dir, 'audit.log');
    const w = new AuditWriter({ path: file, maxSizeBytes: 1000, maxBackups: 10, maxAgeDays: 0, logger: silentLogger() });
    const line = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(80) });
    // All 30 lines (~2.9 KB) queue while the first write runs: one batch three times the bound.
    for (let i = 0; i < 30; i++) w.write(line(i));
    await w.close();
    const files = fs.readdirSync(dir).sort();
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(1000);
    const nums = files
      .sort((a, b) => (b === 'audit.log' ? -1 : a === 'audit.log' ? 1 : Number(b.split('.').pop()) - Number(a.split('.').pop())))
      .flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l).i as number));
    expect(nums).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  test('rotates by size with numbered backups and keeps maxBackups', async () => {
    const dir = tmp();
    const file = path.join(dir, 'audit.log');
    const w = new AuditWriter({ path: file, maxSizeBytes: 1000, maxBackups: 2, maxAgeDays: 0, logger: silentLogger() });
    const line = (i: number) => JSON.stringify({ i, pad: 'x'.repeat(80) });
    for (let i = 0; i < 60; i++) {
      w.write(line(i));
      // Writes queue; let some of them go out one by one so rotation happens between them.
      if (i % 3 === 0) await w.flush();
    }
    await w.close();
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual(['audit.log', 'audit.log.1', 'audit.log.2']);
    for (const f of files) expect(fs.statSync(path.join(dir, f)).size).toBeLessThanOrEqual(1000);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // The newest lines are in audit.log, the ones before in .1, then .2; order preserved.
    const nums = ['audit.log.2', 'audit.log.1', 'audit.log'].flatMap((f) => fs.readFileSync(path.join(dir, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l).i as number));
    expect(nums).toEqual([...nums].sort((a, b) => a - b));
    expect(nums[nums.length - 1]).toBe(59);
    expect(nums.length).toBeLessThan(60); // the oldest backup was removed
    expect(w.written).toBe(60);
    expect(w.dropped).toBe(0);
  });

  test('a full disk (ENOSPC) drops and counts, logs once, and the writer recovers', async () => {
    const dir = tmp();
    const file = path.join(dir, 'audit.log');
    // /dev/full answers every write with ENOSPC, as a full disk does.
    fs.symlinkSync('/dev/full', file);
    const logged: unknown[] = [];
    const logger = { ...silentLogger(), error: (o: unknown) => logged.push(o), child: () => logger } as unknown as ReturnType<typeof silentLogger>;
    const w = new AuditWriter({ path: file, maxSizeBytes: 0, maxBackups: 0, maxAgeDays: 0, logger });
    w.write('{"a":1}');
    await w.flush();
    w.write('{"a":2}');
    await w.flush();
    expect(w.dropped).toBe(2);
    expect(logged).toHaveLength(1); // at most one error line per 10 s
    expect(JSON.stringify(logged[0])).toContain('ENOSPC');
    // Space again: the file is reopened and writing goes on.
    fs.rmSync(file);
    w.write('{"a":3}');
    await w.flush();
    await w.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('{"a":3}\n');
    expect(w.written).toBe(1);
  });

  test('a full queue drops instead of growing', () => {
    const w = new AuditWriter({ path: path.join(tmp(), 'a.log'), maxSizeBytes: 0, maxBackups: 0, maxAgeDays: 0, maxQueuedBytes: 100, logger: silentLogger() });
    for (let i = 0; i < 10; i++) w.write('x'.repeat(40));
    expect(w.dropped).toBeGreaterThan(0);
    return w.close();
  });
});

describe('audit file names and age', () => {
  test('--workers: each worker its own file', async () => {
    const { workerAuditPath } = await import('./flags.js');
    expect(workerAuditPath('/var/log/orch/audit.log', 2)).toBe('/var/log/orch/audit-w2.log');
    expect(workerAuditPath('/var/log/orch/audit', 1)).toBe('/var/log/orch/audit-w1');
    expect(workerAuditPath('-', 3)).toBe('-');
    expect(workerAuditPath('/x/audit.log', undefined)).toBe('/x/audit.log');
  });

  test('rotated files older than maxAgeDays are removed at the next rotation', async () => {
    const dir = tmp();
    const file = path.join(dir, 'audit.log');
    fs.writeFileSync(`${file}.1`, 'old\n');
    fs.writeFileSync(`${file}.2`, 'older\n');
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
    fs.utimesSync(`${file}.2`, tenDaysAgo, tenDaysAgo);
    const w = new AuditWriter({ path: file, maxSizeBytes: 20, maxBackups: 0, maxAgeDays: 5, logger: silentLogger() });
    w.write('{"line":"one--"}');
    await w.flush();
    w.write('{"line":"two--"}');
    await w.close();
    // .1 (fresh) became .2, the old .2 became .3 and was removed for its age.
    expect(fs.readdirSync(dir).sort()).toEqual(['audit.log', 'audit.log.1', 'audit.log.2']);
    expect(fs.readFileSync(`${file}.2`, 'utf8')).toBe('old\n');
    expect(fs.readFileSync(`${file}.1`, 'utf8')).toBe('{"line":"one--"}\n');
    expect(fs.readFileSync(file, 'utf8')).toBe('{"line":"two--"}\n');
  });
});
