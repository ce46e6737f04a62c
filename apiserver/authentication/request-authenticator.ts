// The one place the apiserver decides who sent a request (Kubernetes' union
// authenticator), for fastify's requests and for the Upgrade (exec/attach/port-forward)
// path alike:
//   1. a client certificate verified against --client-ca-file (x509.ts);
//   2. a bearer token: the static token file, then bootstrap tokens (bootstrap-tokens.ts).
// The first that recognises the request wins; a request none recognises is
// unauthenticated (the caller answers 401). A bad certificate does not stop a good token.

import type { IncomingMessage } from 'node:http';
import { bearerToken } from '../../foundation/bearer-token.js';
import type { Authenticator, UserInfo } from '../../foundation/token-auth.js';
import { x509User } from './x509.js';

export interface RequestAuthenticator {
  authenticate(req: Pick<IncomingMessage, 'headers' | 'socket'>): UserInfo | undefined;
}

export function requestAuthenticator(opts: { x509: boolean; tokens: readonly Authenticator[] }): RequestAuthenticator {
  return {
    authenticate(req) {
      if (opts.x509) {
        const user = x509User(req.socket);
        if (user) return user;
      }
      const token = bearerToken(req.headers.authorization);
      if (!token) return undefined;
      for (const a of opts.tokens) {
        const user = a.authenticate(token);
        if (user) return user;
      }
      return undefined;
    },
  };
}
