import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/errors.js';
import type { Node } from '../api/types.js';
import { agentEndpoint } from './agent-client.js';

const node = (addresses: { type: string; address: string }[], port: unknown): Node =>
  ({ metadata: { name: 'n1' }, status: { addresses, daemonEndpoints: { kubeletEndpoint: { Port: port } } } }) as Node;
const problem = (n: Node) => {
  try {
    agentEndpoint(n);
  } catch (err) {
    return err instanceof ApiError ? `${err.code} ${err.message}` : String(err);
  }
  return 'accepted';
};

describe('agentEndpoint: only addresses and ports an agent can have', () => {
  it('prefers the InternalIP, then ExternalIP, then DNS names', () => {
    expect(agentEndpoint(node([{ type: 'Hostname', address: 'h' }, { type: 'InternalIP', address: '10.0.0.1' }], 10250))).toEqual({ host: '10.0.0.1', port: 10250 });
    expect(agentEndpoint(node([{ type: 'Hostname', address: 'vm1.lan' }, { type: 'ExternalIP', address: '2001:db8::1' }], 1))).toEqual({ host: '2001:db8::1', port: 1 });
    expect(agentEndpoint(node([{ type: 'Hostname', address: 'VM1.lan' }], 65535))).toEqual({ host: 'VM1.lan', port: 65535 });
    expect(agentEndpoint(node([{ type: 'InternalIP', address: '127.0.0.1' }], 10250)).host).toBe('127.0.0.1');
  });

  it('refuses invalid ports and addresses with a 503 saying why', () => {
    for (const port of [0, -1, 65536, 1.5, '10250', null])
      expect(problem(node([{ type: 'InternalIP', address: '10.0.0.1' }], port))).toBe(`503 node "n1" publishes an invalid agent port ${JSON.stringify(port)}: must be an integer from 1 to 65535`);
    for (const address of ['0.0.0.0', '169.254.169.254', '224.0.0.1', '255.255.255.255', '::', 'fe80::1', 'ff02::1'])
      expect(problem(node([{ type: 'InternalIP', address }], 10250))).toBe(`503 node "n1" publishes an invalid agent address "${address}" (InternalIP): an unspecified, multicast, broadcast or link-local address`);
    expect(problem(node([{ type: 'InternalIP', address: 'vm1' }], 10250))).toBe('503 node "n1" publishes an invalid agent address "vm1" (InternalIP): not an IP address');
    expect(problem(node([{ type: 'Hostname', address: 'evil.com/x?y' }], 10250))).toBe('503 node "n1" publishes an invalid agent address "evil.com/x?y" (Hostname): not a valid host name');
    expect(problem(node([], 10250))).toMatch(/^503 node "n1" does not publish an agent endpoint/);
  });
});
