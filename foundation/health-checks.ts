// /healthz, /livez and /readyz answered the same way by every orch process (the apiserver
// on its API port, the others on health-server.ts), in Kubernetes' shape:
//
//   /livez, /healthz   the process serves: `ping` (and nothing that a restart cannot fix)
//   /readyz            also every component's readiness (component-runner.ts), and
//                      `shutdown` failing while the process stops
//   ?verbose           one line per check: `[+]name ok` / `[-]name failed: why`, then
//                      `readyz check passed|failed`
//   ?exclude=name      leaves a check out (repeatable)
//   /readyz/NAME       that one check
//
// 200 "ok" when every check passes; 503 otherwise, with a Status body (the error shape of
// every orch endpoint) unless ?verbose asked for the list.

import { makeStatus } from '../api/errors.js';
import type { CheckResult } from './component.js';

export interface NamedCheck {
  name: string;
  failure: CheckResult;
}

export type HealthEndpoint = 'healthz' | 'livez' | 'readyz';

export interface HealthAnswer {
  code: number;
  contentType: string;
  body: string;
}

export const HEALTH_PATHS = ['/healthz', '/livez', '/readyz'] as const;

/** 'readyz' for /readyz and /readyz/x; undefined for anything else. */
export function healthEndpointOf(path: string): { endpoint: HealthEndpoint; only?: string } | undefined {
  const m = /^\/(healthz|livez|readyz)(?:\/([^/]+))?\/?$/.exec(path);
  if (!m) return undefined;
  return { endpoint: m[1] as HealthEndpoint, only: m[2] ? decodeURIComponent(m[2]) : undefined };
}

const ping: NamedCheck = { name: 'ping', failure: undefined };

/**
 * The answer to one health request. `readiness` is only asked for /readyz (it may be
 * costly: the apiserver's reads etcd).
 */
export async function answerHealth(
  path: string,
  query: URLSearchParams,
  readiness: () => Promise<NamedCheck[]>,
  opts: { stopping?: boolean } = {},
): Promise<HealthAnswer | undefined> {
  const target = healthEndpointOf(path);
  if (!target) return undefined;
  const { endpoint, only } = target;
  let checks: NamedCheck[] = [ping];
  if (endpoint === 'readyz') checks = [ping, ...(await readiness()), { name: 'shutdown', failure: opts.stopping ? 'process is shutting down' : undefined }];
  const excluded = new Set(query.getAll('exclude'));
  checks = checks.filter((c) => !excluded.has(c.name));
  if (only !== undefined) {
    checks = checks.filter((c) => c.name === only);
    if (checks.length === 0) {
      const status = makeStatus(404, 'NotFound', `no ${endpoint} check named "${only}"`);
      return { code: 404, contentType: 'application/json', body: JSON.stringify(status) };
    }
  }
  const failed = checks.filter((c) => c.failure !== undefined);
  const verbose = query.has('verbose');
  if (failed.length > 0 && !verbose) {
    const status = makeStatus(503, 'ServiceUnavailable', `${endpoint} check failed: ${failed.map((f) => `${f.name}: ${f.failure}`).join('; ')}`);
    return { code: 503, contentType: 'application/json', body: JSON.stringify(status) };
  }
  if (!verbose) return { code: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' };
  const lines = checks.map((c) => (c.failure === undefined ? `[+]${c.name} ok` : `[-]${c.name} failed: ${c.failure}`));
  lines.push(`${endpoint} check ${failed.length === 0 ? 'passed' : 'failed'}`);
  return { code: failed.length === 0 ? 200 : 503, contentType: 'text/plain; charset=utf-8', body: `${lines.join('\n')}\n` };
}
