// Where audit lines go: a file rotated by size with numbered backups (audit.log.1 is the
// newest), or stdout. Requests never wait for the disk: write() only queues the line,
// one write loop appends what has queued since its last write. A bounded queue and a
// failing disk (full, gone) drop events and count them, with an error logged at most
// every 10 s; the apiserver keeps serving. (Kubernetes' batching/"blocking" backends
// are the same trade-off; orch has one mode.)

import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../foundation/logger.js';

export interface AuditWriterOptions {
  /** A file, or '-' for stdout. */
  path: string;
  /** Rotate once the file would exceed this many bytes (0: never). */
  maxSizeBytes: number;
  /** Rotated files kept (0: all). */
  maxBackups: number;
  /** Rotated files older than this are deleted (0: never). */
  maxAgeDays: number;
  /** Queued bytes beyond which new events are dropped. Default 64 MiB. */
  maxQueuedBytes?: number;
  logger: Logger;
  now?: () => number;
}

/** Where the counts go (apiserver_audit_event_total / apiserver_audit_error_total). */
export interface AuditCounters {
  written(n: number): void;
  dropped(n: number): void;
}

export class AuditWriter {
  private queue: string[] = [];
  private queuedBytes = 0;
  private running?: Promise<void>;
  private fd?: number;
  private size = 0;
  private lastErrorLog = 0;
  private closed = false;
  /** Events written, and events lost (queue full or write failed). */
  written = 0;
  dropped = 0;

  private counters?: AuditCounters;

  constructor(private readonly o: AuditWriterOptions) {}

  /** Counts go to these from now on (the apiserver's metrics). */
  countInto(c: AuditCounters): void {
    this.counters = c;
  }

  /** Queues one line (without its newline). Never throws, never waits. */
  write(line: string): void {
    const max = this.o.maxQueuedBytes ?? 64 * 1024 * 1024;
    if (this.closed || this.queuedBytes + line.length > max) {
      this.dropped++;
      this.counters?.dropped(1);
      this.complain(new Error(this.closed ? 'audit log closed' : `audit queue over ${max} bytes: the disk is slower than the request rate`));
      return;
    }
    this.queue.push(line);
    this.queuedBytes += line.length + 1;
    if (!this.running) this.running = this.drain().finally(() => (this.running = undefined));
  }

  /** Waits until everything queued so far has been written (or dropped). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
    if (this.fd !== undefined) {
      const fd = this.fd;
      this.fd = undefined;
      await new Promise<void>((r) => fs.close(fd, () => r()));
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const lines = this.queue;
      this.queue = [];
      this.queuedBytes = 0;
      try {
        await this.appendLines(lines);
        this.written += lines.length;
        this.counters?.written(lines.length);
      } catch (err) {
        this.dropped += lines.length;
        this.counters?.dropped(lines.length);
        this.complain(err as Error);
        // Reopen next time: the file may have been removed, or the disk freed.
        this.closeFd();
      }
    }
  }

  /**
   * The lines queued while the last write ran go out together, but never more than one file
   * may hold: a batch bigger than --audit-log-maxsize (a slow disk under a burst) is cut at
   * line boundaries, so every file stays within the bound (a single line bigger than the
   * bound still gets a file of its own).
   */
  private async appendLines(lines: string[]): Promise<void> {
    const max = this.o.maxSizeBytes;
    const bytesOf = (ls: string[]) => Buffer.from(ls.join('\n') + '\n');
    if (this.o.path === '-' || max <= 0) return this.append(bytesOf(lines));
    let batch: string[] = [];
    let bytes = 0;
    for (const line of lines) {
      const n = Buffer.byteLength(line) + 1;
      if (batch.length > 0 && bytes + n > max) {
        await this.append(bytesOf(batch));
        batch = [];
        bytes = 0;
      }
      batch.push(line);
      bytes += n;
    }
    if (batch.length > 0) await this.append(bytesOf(batch));
  }

  private async append(chunk: Buffer): Promise<void> {
    if (this.o.path === '-') {
      await new Promise<void>((resolve, reject) => process.stdout.write(chunk, (err) => (err ? reject(err) : resolve())));
      return;
    }
    if (this.fd === undefined) await this.open();
    if (this.o.maxSizeBytes > 0 && this.size > 0 && this.size + chunk.length > this.o.maxSizeBytes) await this.rotate();
    await writeAll(this.fd!, chunk);
    this.size += chunk.length;
  }

  private async open(): Promise<void> {
    await fs.promises.mkdir(path.dirname(this.o.path), { recursive: true, mode: 0o700 });
    // 0600: the log names users, objects and (at Request level) their content.
    const fd = await new Promise<number>((resolve, reject) => fs.open(this.o.path, 'a', 0o600, (err, fd) => (err ? reject(err) : resolve(fd))));
    this.fd = fd;
    this.size = (await fs.promises.stat(this.o.path)).size;
  }

  private closeFd(): void {
    if (this.fd !== undefined) fs.close(this.fd, () => undefined);
    this.fd = undefined;
  }

  /** audit.log → audit.log.1, .1 → .2, ...; the oldest beyond maxBackups and those past maxAge are removed. */
  private async rotate(): Promise<void> {
    this.closeFd();
    const p = this.o.path;
    const dir = path.dirname(p);
    const base = path.basename(p);
    const numbered = (await fs.promises.readdir(dir))
      .map((f) => (f.startsWith(base + '.') ? Number(f.slice(base.length + 1)) : NaN))
      .filter((n) => Number.isInteger(n) && n > 0)
      .sort((a, b) => b - a);
    for (const n of numbered) {
      if (this.o.maxBackups > 0 && n >= this.o.maxBackups) await fs.promises.rm(`${p}.${n}`, { force: true });
      else await fs.promises.rename(`${p}.${n}`, `${p}.${n + 1}`);
    }
    await fs.promises.rename(p, `${p}.1`);
    if (this.o.maxAgeDays > 0) {
      const cutoff = (this.o.now ?? Date.now)() - this.o.maxAgeDays * 86_400_000;
      for (const f of await fs.promises.readdir(dir)) {
        if (!f.startsWith(base + '.') || !/^\d+$/.test(f.slice(base.length + 1))) continue;
        const st = await fs.promises.stat(path.join(dir, f)).catch(() => undefined);
        if (st && st.mtimeMs < cutoff) await fs.promises.rm(path.join(dir, f), { force: true });
      }
    }
    await this.open();
  }

  private complain(err: Error): void {
    const now = (this.o.now ?? Date.now)();
    if (now - this.lastErrorLog < 10_000) return;
    this.lastErrorLog = now;
    this.o.logger.error({ err, path: this.o.path, dropped: this.dropped }, 'audit events dropped');
  }
}

async function writeAll(fd: number, buf: Buffer): Promise<void> {
  let off = 0;
  while (off < buf.length) {
    off += await new Promise<number>((resolve, reject) => fs.write(fd, buf, off, buf.length - off, null, (err, n) => (err ? reject(err) : resolve(n))));
  }
}
