// Stalled watches: N watch requests on raw sockets that are paused right after the
// request is written, so they never read a byte of the answer. Everything the server
// sends piles up in the kernel's socket buffers and then in the server's own memory,
// unless the server bounds it.

import net from 'node:net';

export interface StalledWatches {
  close(): void;
}

export async function openStalledWatches(opts: { url: string; token: string; path: string; count: number }): Promise<StalledWatches> {
  const u = new URL(opts.url);
  const sockets: net.Socket[] = [];
  const open = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.connect(Number(u.port), u.hostname, () => {
        s.write(`GET ${opts.path} HTTP/1.1\r\nHost: ${u.host}\r\nAuthorization: Bearer ${opts.token}\r\n\r\n`);
        s.pause();
        resolve();
      });
      s.on('error', reject);
      sockets.push(s);
    });
  for (let i = 0; i < opts.count; i += 50) await Promise.all(Array.from({ length: Math.min(50, opts.count - i) }, open));
  return { close: () => sockets.forEach((s) => s.destroy()) };
}
