// The two network figures bench/network takes, the same way on the host link and between
// pods: iperf3 TCP throughput (Debian's iperf3, `-J` report) and round-trip times from
// busybox `ping -c N -i 0.01` (one line per echo, so percentiles, not just the average).
// On the host link both tools run inside the harness host namespaces (nsenter --net); in
// pods they run from the orch.local/iperf3 image, which carries the same two binaries.

import { spawn } from 'node:child_process';
import { summarize, type Summary } from './stats.js';
import { netnsPath } from '../../test/cluster/network.js';
import { exec } from '../../test/cluster/sh.js';

export const IPERF_PORT = 5201;
export const PING_COUNT = 200;
export const IPERF_SECONDS = 5;

/** Throughput received by the server side of an `iperf3 -J` client run (bits/s). */
export function parseIperf3(json: string): number {
  let report: { error?: string; end?: { sum_received?: { bits_per_second?: number } } };
  try {
    report = JSON.parse(json) as typeof report;
  } catch {
    throw new Error(`iperf3 printed no JSON report: ${json.trim().slice(0, 300) || '(nothing)'}`);
  }
  if (report.error) throw new Error(`iperf3: ${report.error}`);
  const bps = report.end?.sum_received?.bits_per_second;
  if (typeof bps !== 'number') throw new Error('iperf3 report has no end.sum_received.bits_per_second');
  return bps;
}

/** Round-trip times (µs) of the echo lines of a ping run (`… time=0.123 ms`). */
export function parsePingRtts(out: string): number[] {
  return [...out.matchAll(/time=([\d.]+) ms/g)].map((m) => Number(m[1]) * 1000);
}

export interface LinkFigures {
  /** TCP throughput, bits/s. */
  bps: number;
  /** Round-trip times, µs. */
  rtt: Summary;
}

/** Needs at least 90 % of the echoes answered; fewer means a broken path, not a figure. */
export function rttSummary(out: string, sent = PING_COUNT): Summary {
  const rtts = parsePingRtts(out);
  if (rtts.length < sent * 0.9) throw new Error(`ping: ${rtts.length}/${sent} echoes answered: ${out.trim().split('\n').slice(-3).join(' | ')}`);
  return summarize(rtts);
}

const inNs = (ns: string, args: string[], timeoutMs: number) => exec('nsenter', [`--net=${ns}`, ...args], { timeoutMs });

/**
 * iperf3 and ping from harness host `from` to host `to` at `addr` (the host link, no
 * orch).
 */
export function measureHostLink(from: number, to: number, addr: string): Promise<LinkFigures> {
  return measureLink(netnsPath(from), netnsPath(to), addr);
}

/**
 * iperf3 and ping between two network namespaces (paths): an `iperf3 -s -1` (one test,
 * then exit) in the server's namespace, the client in the other's.
 */
export async function measureLink(fromNs: string, toNs: string, addr: string): Promise<LinkFigures> {
  const server = spawn('nsenter', [`--net=${toNs}`, 'iperf3', '-s', '-1', '-B', addr, '-p', String(IPERF_PORT)], { stdio: 'ignore' });
  try {
    let bps: number | undefined;
    let lastErr: unknown;
    // The server needs a moment to listen: a refused connection is retried, briefly.
    for (let attempt = 0; attempt < 20 && bps === undefined; attempt++) {
      const r = await inNs(fromNs, ['iperf3', '-c', addr, '-p', String(IPERF_PORT), '-t', String(IPERF_SECONDS), '-J', '--connect-timeout', '3000'], (IPERF_SECONDS + 30) * 1000);
      try {
        bps = parseIperf3(r.stdout);
      } catch (err) {
        lastErr = err;
        await new Promise((res) => setTimeout(res, 200));
      }
    }
    if (bps === undefined) throw lastErr;
    const ping = await inNs(fromNs, ['busybox', 'ping', '-c', String(PING_COUNT), '-i', '0.01', '-W', '2', addr], 60_000);
    return { bps, rtt: rttSummary(ping.stdout) };
  } finally {
    server.kill('SIGKILL');
  }
}

/** The pod-side script: the same iperf3 run and ping as measureHostLink, separated by MARK. */
export const PING_MARK = '==orch-bench-ping==';
export function podClientScript(addr: string): string {
  return `iperf3 -c ${addr} -p ${IPERF_PORT} -t ${IPERF_SECONDS} -J --connect-timeout 3000; echo ${PING_MARK}; ping -c ${PING_COUNT} -i 0.01 -W 2 ${addr}`;
}

/** Figures from the log of a pod that ran podClientScript. */
export function parsePodClientLog(log: string): LinkFigures {
  const at = log.indexOf(PING_MARK);
  if (at < 0) throw new Error(`client pod log has no ping section: ${log.trim().slice(0, 300) || '(empty)'}`);
  return { bps: parseIperf3(log.slice(0, at)), rtt: rttSummary(log.slice(at + PING_MARK.length)) };
}
