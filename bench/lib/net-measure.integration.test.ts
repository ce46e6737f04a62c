// The parsers of bench/network against the real tools' output on loopback: Debian's iperf3
// (installed by .ci/run) and busybox ping, as the bench and its pods run them.

import { spawn } from 'node:child_process';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { exec } from '../../test/cluster/sh.js';
import { PING_MARK, parseIperf3, parsePingRtts, parsePodClientLog, rttSummary } from './net-measure.js';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('bench/network measurements', () => {
  it('reads the received rate of a real iperf3 run and the error of a refused one', async () => {
    const port = await freePort();
    const server = spawn('iperf3', ['-s', '-1', '-B', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    try {
      let out = '';
      for (let i = 0; i < 20; i++) {
        out = (await exec('iperf3', ['-c', '127.0.0.1', '-p', String(port), '-t', '1', '-J'])).stdout;
        if (!out.includes('"error"')) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(parseIperf3(out)).toBeGreaterThan(1e6);
    } finally {
      server.kill('SIGKILL');
    }
    const refused = await exec('iperf3', ['-c', '127.0.0.1', '-p', String(await freePort()), '-t', '1', '-J']);
    expect(() => parseIperf3(refused.stdout)).toThrow(/^iperf3: unable to connect/);
    expect(() => parseIperf3('')).toThrow(/no JSON report: \(nothing\)/);
  });

  it('takes one round-trip time per echo of busybox ping and refuses a mostly unanswered run', async () => {
    const out = (await exec('busybox', ['ping', '-c', '20', '-i', '0.01', '127.0.0.1'])).stdout;
    const rtts = parsePingRtts(out);
    expect(rtts).toHaveLength(20);
    expect(rtts.every((us) => us > 0 && us < 1_000_000)).toBe(true);
    expect(rttSummary(out, 20).n).toBe(20);
    expect(() => rttSummary(out, 40)).toThrow(/20\/40 echoes answered/);
  });

  it('splits a client pod log into the iperf3 report and the ping section', () => {
    const report = JSON.stringify({ end: { sum_received: { bits_per_second: 2.5e9 } } });
    const ping = Array.from({ length: 200 }, (_, i) => `64 bytes from 10.244.1.2: seq=${i} ttl=63 time=0.1${i % 10} ms`).join('\n');
    const f = parsePodClientLog(`${report}\n${PING_MARK}\n${ping}\n`);
    expect(f.bps).toBe(2.5e9);
    expect(f.rtt.n).toBe(200);
    expect(f.rtt.p50).toBeCloseTo(140, 6);
    expect(() => parsePodClientLog('iperf3: error - unable to connect')).toThrow(/no ping section/);
  });
});
