// The agent's port-forward endpoint, GET /portForward/{namespace}/{pod} (the kubelet's
// path), reached through the apiserver's pods/{name}/portforward proxy. It speaks the three
// protocols clients use, chosen from the Upgrade request:
//   - WebSocket, subprotocol SPDY/3.1+portforward.k8s.io: SPDY/3.1 frames tunnelled in binary
//     WebSocket messages (KEP-4006; kubectl >= 1.31 tries this first);
//   - Upgrade: SPDY/3.1 with X-Stream-Protocol-Version: portforward.k8s.io (kubectl's
//     fallback, and older clients);
//   - WebSocket channel protocol v4.channel.k8s.io / v4.base64.channel.k8s.io / none, one
//     connection per `ports` entry (@kubernetes/client-node, orch port-forward).
// The pod must run on this node; each connection dials the pod's IP (port-forward-target.ts
// says why not the pod's own localhost). Errors before the upgrade are Status answers.

import type { IncomingMessage } from 'node:http';
import type net from 'node:net';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import { errors } from '../../api/errors.js';
import type { Logger } from '../../foundation/logger.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { servePortForwardSession } from './port-forward-spdy.js';
import { dialPodPort, findPortForwardTarget, parsePortsQuery, type PortForwardTarget } from './port-forward-target.js';
import { servePortForwardChannels } from './port-forward-websocket.js';
import { SpdySession } from './spdy/session.js';
import type { StreamHandler, StreamRequest } from './types.js';

export const PORT_FORWARD_PROTOCOL = 'portforward.k8s.io';
export const SPDY_TUNNEL_PROTOCOL = `SPDY/3.1+${PORT_FORWARD_PROTOCOL}`;
const CHANNEL_BINARY = 'v4.channel.k8s.io';
const CHANNEL_BASE64 = 'v4.base64.channel.k8s.io';

export interface PortForwardHandlerOptions {
  runtime: ContainerRuntime;
  nodeName: string;
  logger: Logger;
  /** Where to connect (tests point it elsewhere); default: the pod's IP on this node. */
  findTarget?: (namespace: string, pod: string) => Promise<PortForwardTarget>;
  dialTimeoutMs?: number;
}

type Protocol = { kind: 'spdy' } | { kind: 'spdy-ws' } | { kind: 'channels'; subprotocol?: string; base64: boolean; ports: number[] };

function headerList(v: string | string[] | undefined): string[] {
  return (Array.isArray(v) ? v.join(',') : (v ?? '')).split(',').map((s) => s.trim()).filter(Boolean);
}

/** Which protocol the request asks for, or the 400/403 Status explaining why none fits. */
export function choosePortForwardProtocol(r: Pick<StreamRequest, 'req' | 'query'>): Protocol {
  const upgrade = headerList(r.req.headers.upgrade).map((u) => u.toLowerCase());
  if (upgrade.includes('websocket')) {
    const offered = headerList(r.req.headers['sec-websocket-protocol']);
    if (offered.includes(SPDY_TUNNEL_PROTOCOL)) return { kind: 'spdy-ws' };
    const base64 = !offered.includes(CHANNEL_BINARY) && offered.includes(CHANNEL_BASE64);
    if (offered.length && !offered.includes(CHANNEL_BINARY) && !base64) {
      throw errors.badRequest(`none of the WebSocket subprotocols ${offered.join(', ').slice(0, 300)} is supported for port-forward (supported: ${SPDY_TUNNEL_PROTOCOL}, ${CHANNEL_BINARY}, ${CHANNEL_BASE64})`);
    }
    return { kind: 'channels', subprotocol: offered.length ? (base64 ? CHANNEL_BASE64 : CHANNEL_BINARY) : undefined, base64, ports: parsePortsQuery(r.query) };
  }
  if (upgrade.includes('spdy/3.1')) {
    const versions = headerList(r.req.headers['x-stream-protocol-version']);
    if (versions.length && !versions.includes(PORT_FORWARD_PROTOCOL)) {
      throw errors.forbidden(`unable to upgrade: unable to negotiate protocol: client supports ${JSON.stringify(versions).slice(0, 200)}, server supports ["${PORT_FORWARD_PROTOCOL}"]`);
    }
    return { kind: 'spdy' };
  }
  throw errors.badRequest('Upgrade request required: port-forward speaks WebSocket or SPDY/3.1');
}

export function createPortForwardHandler(o: PortForwardHandlerOptions): StreamHandler {
  // noServer: the log server owns the listening socket; no per-message deflate (bulk data).
  // The subprotocol is chosen here, before the handshake (a refusal is a Status answer, not
  // a 101), and written by us: ws refuses `SPDY/3.1+portforward.k8s.io` as a header value
  // ('/' is not a token character), so the offer is taken off the request it parses.
  const chosen = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
  wss.on('headers', (headers: string[], req: IncomingMessage) => {
    const p = chosen.get(req);
    if (p) headers.push(`Sec-WebSocket-Protocol: ${p}`);
  });
  const findTarget = o.findTarget ?? ((ns: string, pod: string) => findPortForwardTarget(o.runtime, o.nodeName, ns, pod));

  return async (r) => {
    const protocol = choosePortForwardProtocol(r);
    const target = await findTarget(r.namespace, r.pod);
    const logger = o.logger.child({ pod: `${r.namespace}/${r.pod}`, protocol: protocol.kind });
    const dial = (port: number): Promise<net.Socket> => dialPodPort(target.host, port, { timeoutMs: o.dialTimeoutMs });
    const forward = { pod: r.pod, podUid: target.podUid, logger, dial };

    if (protocol.kind === 'spdy') {
      const sock = r.socket;
      sock.on('error', (err) => logger.debug({ err }, 'port-forward connection failed'));
      sock.write(
        'HTTP/1.1 101 Switching Protocols\r\n' +
          'Connection: Upgrade\r\n' +
          'Upgrade: SPDY/3.1\r\n' +
          `X-Stream-Protocol-Version: ${PORT_FORWARD_PROTOCOL}\r\n\r\n`,
      );
      if (r.head.length) sock.unshift(r.head);
      servePortForwardSession(new SpdySession(sock, { server: true, logger }), forward);
      logger.debug('port-forward session started (SPDY)');
      return;
    }

    const subprotocol = protocol.kind === 'spdy-ws' ? SPDY_TUNNEL_PROTOCOL : protocol.subprotocol;
    if (subprotocol) chosen.set(r.req, subprotocol);
    delete r.req.headers['sec-websocket-protocol'];
    const ws = await new Promise<WebSocket | undefined>((resolve) => {
      // ws answers a broken handshake (bad key or version) with 400 itself and never calls back.
      r.socket.once('close', () => resolve(undefined));
      wss.handleUpgrade(r.req, r.socket, r.head, resolve);
    });
    if (!ws) return;
    if (protocol.kind === 'spdy-ws') {
      const transport = createWebSocketStream(ws);
      servePortForwardSession(new SpdySession(transport, { server: true, logger, messageFramed: true }), forward);
    } else {
      servePortForwardChannels(ws, { ...forward, ports: protocol.ports, base64: protocol.base64 });
    }
    logger.debug('port-forward session started (WebSocket)');
  };
}
