// Memory of a child process, read from /proc/PID/status (Linux): VmRSS is what it holds
// now, VmHWM the peak since it started. Sampling tracks the peak between two points in
// time, which VmHWM cannot (it never goes down).

import fs from 'node:fs';

export interface Rss {
  /** Resident set size now, bytes. */
  rss: number;
  /** Peak resident set size since the process started, bytes. */
  hwm: number;
}

export function parseProcStatus(text: string): Rss {
  const kb = (field: string) => {
    const m = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(text);
    if (!m) throw new Error(`${field} not found in /proc status`);
    return Number(m[1]) * 1024;
  };
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

function childPids(pid: number): number[] {
  try {
    return fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((t) => fs.readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

/**
 * RSS of a process and all its descendants (an apiserver started with --workers is a
 * primary plus worker processes: its memory is their sum). HWM is summed likewise.
 */
export function readRss(pid: number): Rss {
  const own = parseProcStatus(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  for (const child of childPids(pid)) {
    try {
      const c = readRss(child);
      own.rss += c.rss;
      own.hwm += c.hwm;
    } catch {
      /* exited meanwhile */
    }
  }
  return own;
}

/** Samples a process's RSS every intervalMs until stop(); reports max and last. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private maxRss = 0;
  private lastRss = 0;
  private samples = 0;

  constructor(private readonly pid: number, private readonly intervalMs = 100) {}

  start(): this {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  private sample(): void {
    try {
      const { rss } = readRss(this.pid);
      this.lastRss = rss;
      this.maxRss = Math.max(this.maxRss, rss);
      this.samples++;
    } catch {
      /* the process exited; the caller notices elsewhere */
    }
  }

  stop(): { max: number; last: number; samples: number; hwm: number } {
    if (this.timer) clearInterval(this.timer);
    this.sample();
    let hwm = NaN;
    try {
      hwm = readRss(this.pid).hwm;
    } catch {
      /* gone */
    }
    return { max: this.maxRss, last: this.lastRss, samples: this.samples, hwm };
  }
}

export const MB = 1024 * 1024;
