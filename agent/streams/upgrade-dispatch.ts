// Routes Upgrade requests on the agent's HTTPS endpoint to the stream handlers, by the
// kubelet's paths: /exec/{ns}/{pod}/{container}, /attach/{ns}/{pod}/{container},
// /portForward/{ns}/{pod}. Errors before a handler takes the socket are answered with a
// Status and the connection closed.

import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { ApiError, errors } from '../../api/errors.js';
import { refuseUpgrade } from '../../foundation/upgrade-refusal.js';
import type { Logger } from '../../foundation/logger.js';
import type { StreamHandlers, StreamKind, StreamRequest } from './types.js';

const PATHS: [RegExp, StreamKind][] = [
  [/^\/exec\/([^/]+)\/([^/]+)\/([^/]+)\/?$/, 'exec'],
  [/^\/attach\/([^/]+)\/([^/]+)\/([^/]+)\/?$/, 'attach'],
  [/^\/portForward\/([^/]+)\/([^/]+)\/?$/, 'portForward'],
];


/** The stream a request path names, or undefined when it names none. */
export function parseStreamPath(pathname: string): Pick<StreamRequest, 'kind' | 'namespace' | 'pod' | 'container'> | undefined {
  for (const [re, kind] of PATHS) {
    const m = re.exec(pathname);
    if (!m) continue;
    let parts: string[];
    try {
      parts = m.slice(1).map(decodeURIComponent);
    } catch {
      throw errors.badRequest('the request path has an invalid percent-encoding');
    }
    return { kind, namespace: parts[0]!, pod: parts[1]!, container: parts[2] };
  }
  return undefined;
}

/**
 * The server's 'upgrade' listener. Sockets it handed over are remembered so stopping the
 * agent's endpoint ends them too (node's server forgets upgraded sockets).
 */
export function upgradeDispatcher(handlers: StreamHandlers, authenticated: (req: http.IncomingMessage) => boolean, logger: Logger) {
  const open = new Set<Duplex>();
  const listener = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    socket.on('error', () => socket.destroy());
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const run = async () => {
      if (!authenticated(req)) throw errors.unauthorized();
      const url = new URL(req.url ?? '/', 'http://agent');
      const target = parseStreamPath(url.pathname);
      if (!target) throw errors.notFoundMessage(`the agent streams only on /exec, /attach and /portForward, not ${url.pathname.slice(0, 200)}`);
      if (req.method !== 'GET' && req.method !== 'POST') throw errors.methodNotAllowed(`${req.method} is not supported on /${target.kind} (GET or POST with an Upgrade)`);
      const handler = handlers[target.kind];
      if (!handler) throw errors.notFoundMessage(`this agent does not serve ${target.kind} streams`);
      await handler({ ...target, query: url.searchParams, req, socket, head });
    };
    run().catch((err: unknown) => {
      if (err instanceof ApiError) return refuseUpgrade(socket, err.status);
      logger.warn({ err, url: req.url?.split('?')[0] }, 'stream request failed');
      refuseUpgrade(socket, errors.internal('an error occurred opening the stream on this node (see the agent log)').status);
    });
  };
  const closeAll = () => {
    for (const s of open) s.destroy();
  };
  return { listener, closeAll };
}
