// Slow uploads: N connections that send their headers and then trickle the body one byte
// at a time (1 byte every 2 s by default), the way a misbehaving or hostile client can
// hold server resources with almost no bandwidth. Each connection records the status of
// the answer it eventually gets (429 at once, 408 when the server stops waiting, ...),
// and a connection that is answered or closed is replaced a second later: the flood
// keeps about `count` uploads going for as long as it runs.

import net from 'node:net';

export interface SlowUploads {
  /** Connections whose headers have been written (replacements included). */
  readonly opened: number;
  /** Status codes of the answers received so far, by code. */
  answers(): Record<string, number>;
  /** The message of the first answer of each code. */
  examples(): Record<string, string>;
  stop(): void;
}

export function startSlowUploads(opts: {
  url: string;
  token: string;
  path: string;
  method?: string;
  count: number;
  /** Declared body length: the body never completes before the server gives up. */
  contentLength?: number;
  intervalMs?: number;
}): Promise<SlowUploads> {
  let stopping = false;
  const u = new URL(opts.url);
  /** Every connection not yet closed; `writing` only those whose head is out (they get trickle bytes). */
  const all = new Set<net.Socket>();
  const writing = new Set<net.Socket>();
  const codes = new Map<string, number>();
  const examples = new Map<string, string>();
  let opened = 0;
  const interval = opts.intervalMs ?? 2000;
  const head =
    `${opts.method ?? 'PUT'} ${opts.path} HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${opts.token}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${opts.contentLength ?? 100_000}\r\n\r\n{`;
  const open = () =>
    new Promise<void>((resolve) => {
      const s = net.connect(Number(u.port), u.hostname, () => {
        s.write(head);
        // Only now: a trickle byte written before the head would go out first.
        writing.add(s);
        opened++;
        resolve();
      });
      all.add(s);
      let answered = false;
      s.on('data', (d: Buffer) => {
        if (answered) return;
        answered = true;
        const text = d.toString('utf8');
        const code = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? '?';
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (!examples.has(code)) examples.set(code, /"message":"([^"]*)"/.exec(text)?.[1] ?? text.slice(0, 120));
        // Answered: hang up, and the close handler opens the next one.
        s.destroy();
      });
      s.on('error', () => resolve());
      s.on('close', () => {
        resolve();
        all.delete(s);
        writing.delete(s);
        // A sustained flood: whoever is answered or cut off comes back after the 1 s a
        // 429's Retry-After asks for (not in a tight loop: that would measure a
        // connection storm, not the held seats).
        if (!stopping) setTimeout(() => !stopping && void open(), 1000);
      });
    });
  const trickle = setInterval(() => {
    for (const s of writing) if (!s.destroyed && s.writable) s.write(' ');
  }, interval);
  return (async () => {
    // A few at a time, like many clients connecting at once, without a SYN storm.
    for (let i = 0; i < opts.count; i += 50) await Promise.all(Array.from({ length: Math.min(50, opts.count - i) }, open));
    return {
      get opened() {
        return opened;
      },
      answers: () => Object.fromEntries([...codes].sort()),
      examples: () => Object.fromEntries([...examples].sort()),
      stop: () => {
        stopping = true;
        clearInterval(trickle);
        for (const s of all) s.destroy();
      },
    };
  })();
}
