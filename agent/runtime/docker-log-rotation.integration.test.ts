// Container log rotation (--container-log-max-size / --container-log-max-files) against the
// real engine: a container writing far more than max-size × max-file keeps at most max-file
// files on disk, and its log still reads (the newest lines, in order).

import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../foundation/logger.js';
import { DockerRuntime } from './docker-runtime.js';

const run = promisify(execFile);
const MAX_SIZE = 64 * 1024;
const MAX_FILES = 3;
const rt = new DockerRuntime({ logger: silentLogger(), containerLog: { maxSizeBytes: MAX_SIZE, maxFiles: MAX_FILES } });
const LABELS = { 'orch.test/suite': 'h17-logs-rotation' };
const LINES = 40_000; // ~2.4 MB of log (~3.6 MB on disk as JSON), > 64 Ki × 3

beforeAll(async () => {
  for (const c of await rt.listContainers(LABELS)) await rt.remove(c.id, { force: true });
});
afterAll(async () => {
  for (const c of await rt.listContainers(LABELS)) await rt.remove(c.id, { force: true });
});

describe('container log rotation', () => {
  it('keeps at most max-file files of about max-size each; the newest lines still read', async () => {
    const id = await rt.create({
      name: `h17-logs-rotate-${process.pid}`,
      image: 'orch.local/busybox:latest',
      cmd: ['sh', '-c', `seq -w 1 ${LINES} | sed 's/$/ rotated log line padding padding padding/'`],
      labels: LABELS,
      env: [],
      ports: [],
      binds: [],
      networkMode: 'none',
    });
    await rt.start(id);
    for (let i = 0; i < 600 && (await rt.inspect(id))?.state !== 'exited'; i++) await new Promise((r) => setTimeout(r, 100));
    // The engine sets LogPath once the container has started.
    const { stdout } = await run('docker', ['inspect', '-f', '{{json .HostConfig.LogConfig}}|{{.LogPath}}', id]);
    const [config, logPath] = stdout.trim().split('|') as [string, string];
    expect(JSON.parse(config)).toEqual({ Type: 'json-file', Config: { 'max-file': '3', 'max-size': '65536' } });
    expect(path.isAbsolute(logPath)).toBe(true);
    const dir = path.dirname(logPath);
    const files = fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(logPath)));
    expect(files.length).toBeGreaterThanOrEqual(2);
    expect(files.length).toBeLessThanOrEqual(MAX_FILES);
    // Rotation happens at a line boundary past max-size: a file is at most max-size + one JSON line.
    for (const f of files) expect(fs.statSync(path.join(dir, f)).size).toBeLessThan(MAX_SIZE + 1024);

    let text = '';
    for await (const chunk of await rt.logs(id, {})) text += String(chunk);
    const lines = text.trimEnd().split('\n');
    expect(lines[lines.length - 1]).toBe(`${LINES} rotated log line padding padding padding`);
    expect(lines.length).toBeLessThan(LINES); // the oldest were rotated away
    const first = Number(lines[0]!.split(' ')[0]);
    expect(lines.map((l) => Number(l.split(' ')[0]))).toEqual(Array.from({ length: lines.length }, (_, i) => first + i));
  }, 120_000);
});
