// The output of a `docker exec` (probes, hooks): the hijacked stream demultiplexed and kept
// up to a limit, given up on after a timeout.

import type { Duplex } from 'node:stream';
import { DockerDemux } from './demux.js';

/** Reads a hijacked exec stream to its end (or timeoutMs), keeping the first `limit` bytes. */
export function collectOutput(raw: Duplex, limit: number, timeoutMs: number): Promise<{ output: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (timedOut: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      raw.destroy();
      resolve({ output: Buffer.concat(chunks).toString('utf8'), timedOut });
    };
    const timer = setTimeout(() => finish(true), timeoutMs);
    const out = raw.pipe(new DockerDemux());
    out.on('data', (c: Buffer) => {
      if (size >= limit) return;
      const part = c.subarray(0, limit - size);
      chunks.push(part);
      size += part.length;
    });
    out.on('end', () => finish(false));
    raw.on('close', () => setImmediate(() => finish(false)));
    raw.on('error', () => finish(false));
  });
}
