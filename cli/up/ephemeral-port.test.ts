import fs from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ephemeralPort } from './prerequisites.js';

describe('ephemeralPort', () => {
  it('picks free ports below the kernel\'s ephemeral range, where no outgoing connection can take them before the component binds', async () => {
    const start = Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    const ports = await Promise.all(Array.from({ length: 10 }, () => ephemeralPort()));
    for (const p of ports) {
      expect(p).toBeGreaterThanOrEqual(20_000);
      expect(p).toBeLessThan(Math.min(32_768, start));
      // Bindable now.
      await new Promise<void>((resolve, reject) => {
        const srv = net.createServer().once('error', reject).listen(p, '127.0.0.1', () => srv.close(() => resolve()));
      });
    }
  });
});
