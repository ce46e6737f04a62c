import { describe, expect, it } from 'vitest';
import { detectNodeIP } from './node-ip.js';

describe('detectNodeIP', () => {
  it('detects the first real IPv4, skipping loopback and docker bridges', () => {
    const ifaces = {
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
      docker0: [{ address: '172.17.0.1', family: 'IPv4', internal: false }],
      eth0: [{ address: 'fe80::1', family: 'IPv6', internal: false }, { address: '192.168.1.5', family: 'IPv4', internal: false }],
    } as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;
    expect(detectNodeIP(ifaces)).toBe('192.168.1.5');
  });

  it('falls back to a bridge address, then to loopback', () => {
    const bridgeOnly = { lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }], docker0: [{ address: '172.17.0.1', family: 'IPv4', internal: false }] } as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;
    expect(detectNodeIP(bridgeOnly)).toBe('172.17.0.1');
    expect(detectNodeIP({})).toBe('127.0.0.1');
  });
});
