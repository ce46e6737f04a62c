// tokencleaner (Kubernetes' bootstrap token cleaner): deletes bootstrap token Secrets
// (kube-system, type bootstrap.kubernetes.io/token) once their expiration has passed,
// and looks again at each one when it is due, so an expired token does not linger. The
// apiserver refuses an expired token by itself (apiserver/authentication/); this keeps
// kube-system tidy and `orch token list` honest.

import { BOOTSTRAP_TOKEN_SECRET_TYPE, isExpired } from '../../api/bootstrap-token.js';
import { isNotFound } from '../../api/errors.js';
import type { Secret } from '../../api/types.js';
import type { Client } from '../../client/types.js';
import type { Clock } from '../../foundation/clock.js';
import type { Logger } from '../../foundation/logger.js';
import { done, requeueAfter, type Result } from '../../client/reconcile-loop.js';
import { keyOf } from '../shared/objects.js';
import type { Controller, InformerView, QueueView } from '../shared/types.js';

export interface TokenCleanerDeps {
  client: Client;
  /** Secrets of kube-system. */
  secrets: InformerView<Secret>;
  clock: Clock;
  logger: Logger;
  queue: QueueView;
}

function expirationOf(s: Secret): string | undefined {
  const v = s.data?.expiration;
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : undefined;
}

export class TokenCleanerController implements Controller {
  readonly name = 'tokencleaner';

  constructor(private readonly deps: TokenCleanerDeps) {
    const add = (s: Secret) => {
      if (s.type === BOOTSTRAP_TOKEN_SECRET_TYPE) deps.queue.add(keyOf(s));
    };
    deps.secrets.addEventHandler({ onAdd: add, onUpdate: (_o, s) => add(s) });
  }

  async reconcile(key: string): Promise<Result> {
    const s = this.deps.secrets.get(key);
    if (!s || s.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || s.metadata.deletionTimestamp) return done;
    const expiration = expirationOf(s);
    if (!expiration) return done;
    const now = this.deps.clock.now();
    // Looked at again when due (at least hourly: timers cannot wait longer than ~24 days).
    if (!isExpired({ expiration }, now)) return requeueAfter(Math.min(Date.parse(expiration) - now + 1, 3600_000));
    try {
      await this.deps.client.secrets.delete(s.metadata.name!, s.metadata.namespace, { preconditions: { uid: s.metadata.uid } });
      this.deps.logger.info({ secret: key, expiration }, 'expired bootstrap token deleted');
    } catch (err) {
      if (!isNotFound(err) && (err as { code?: number }).code !== 409) throw err;
    }
    return done;
  }
}
