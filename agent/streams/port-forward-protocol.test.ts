import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../api/errors.js';
import { choosePortForwardProtocol } from './port-forward.js';

const choose = (headers: http.IncomingHttpHeaders, query = '') => choosePortForwardProtocol({ req: { headers } as http.IncomingMessage, query: new URLSearchParams(query) });
const status = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return err instanceof ApiError ? `${err.code} ${err.message}` : `not a Status: ${String(err)}`;
  }
  return 'no error';
};

describe('choosePortForwardProtocol', () => {
  it('picks the SPDY tunnel whenever kubectl offers it', () => {
    expect(choose({ upgrade: 'websocket', 'sec-websocket-protocol': 'SPDY/3.1+portforward.k8s.io' })).toEqual({ kind: 'spdy-ws' });
  });
  it('picks the channel protocol with its ports (client-node offers v5 first)', () => {
    expect(choose({ upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io, v4.channel.k8s.io, channel.k8s.io' }, 'ports=80')).toEqual({ kind: 'channels', subprotocol: 'v4.channel.k8s.io', base64: false, ports: [80] });
    expect(choose({ upgrade: 'websocket', 'sec-websocket-protocol': 'v4.base64.channel.k8s.io' }, 'port=80,443&ports=8080')).toEqual({ kind: 'channels', subprotocol: 'v4.base64.channel.k8s.io', base64: true, ports: [8080, 80, 443] });
    expect(choose({ upgrade: 'WebSocket' }, 'ports=1')).toEqual({ kind: 'channels', subprotocol: undefined, base64: false, ports: [1] });
  });
  it('picks plain SPDY, with or without a version header', () => {
    expect(choose({ upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' })).toEqual({ kind: 'spdy' });
    expect(choose({ upgrade: 'SPDY/3.1' })).toEqual({ kind: 'spdy' });
  });
  it.each([
    [{}, '', /^400 Upgrade request required/],
    [{ upgrade: 'h2c' }, '', /^400 Upgrade request required/],
    [{ upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'v4.channel.k8s.io' }, '', /^403 unable to upgrade: unable to negotiate protocol/],
    [{ upgrade: 'websocket', 'sec-websocket-protocol': 'v5.channel.k8s.io' }, 'ports=80', /^400 none of the WebSocket subprotocols v5.channel.k8s.io is supported/],
    [{ upgrade: 'websocket' }, '', /^400 query parameter "ports" is required/],
    [{ upgrade: 'websocket' }, 'ports=80,', /^400 unable to parse "" as a port/],
    [{ upgrade: 'websocket' }, 'ports=65536', /^400 unable to parse "65536" as a port/],
    [{ upgrade: 'websocket' }, 'ports=-1', /^400 unable to parse "-1" as a port/],
  ])('refuses %j %s with a Status', (headers, query, msg) => {
    expect(status(() => choose(headers as http.IncomingHttpHeaders, query))).toMatch(msg);
  });
});
