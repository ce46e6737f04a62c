import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Clock } from '../foundation/clock.js';
import { reloadingTokenFile } from './token-file.js';

let dir: string;
let file: string;
let now = 1_000_000;
const clock: Clock = { now: () => now, sleep: async () => {} };

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-token-file-'));
  file = path.join(dir, 'tokens.csv');
  fs.writeFileSync(file, 'tok-a,alice,,"g1"\n');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('reloadingTokenFile', () => {
  test('fails at start on a missing or broken file', () => {
    expect(() => reloadingTokenFile(path.join(dir, 'nope.csv'), { clock })).toThrow();
    fs.writeFileSync(file, '"broken\n');
    expect(() => reloadingTokenFile(file, { clock })).toThrow(/line 1/);
  });

  test('picks up appended and removed tokens, checking at most once per interval', () => {
    const auth = reloadingTokenFile(file, { clock, checkIntervalMs: 1000 });
    expect(auth.authenticate('tok-a')?.name).toBe('alice');
    fs.appendFileSync(file, 'tok-b,bob,system:nodes\n');
    // Inside the interval the file is not looked at.
    now += 500;
    expect(auth.authenticate('tok-b')).toBeUndefined();
    now += 500;
    expect(auth.authenticate('tok-b')).toEqual({ name: 'bob', groups: ['system:nodes'] });
    fs.writeFileSync(file, 'tok-b,bob,system:nodes\n');
    now += 1000;
    expect(auth.authenticate('tok-a')).toBeUndefined();
    expect(auth.authenticate('tok-b')?.name).toBe('bob');
  });

  test('a broken or missing file keeps the previous tokens; a fixed one is loaded', () => {
    const auth = reloadingTokenFile(file, { clock });
    fs.writeFileSync(file, 'tok-a,alice\n"tok-c,carol\n');
    expect(auth.reload()).toBe(false);
    expect(auth.authenticate('tok-a')?.name).toBe('alice');
    fs.rmSync(file);
    expect(auth.reload()).toBe(false);
    expect(auth.authenticate('tok-a')?.name).toBe('alice');
    fs.writeFileSync(file, 'tok-c,carol\n');
    expect(auth.reload()).toBe(true);
    expect(auth.authenticate('tok-a')).toBeUndefined();
    expect(auth.authenticate('tok-c')?.name).toBe('carol');
  });
});
