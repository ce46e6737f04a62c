// Audit events (audit.k8s.io/v1 Event, one JSON line each) for the requests the policy
// selects, as fastify hooks of the apiserver:
//   - admitted(req), called by the onRequest hook once the request is authenticated,
//     authorized and admitted: decides the level, writes RequestReceived (unless omitted)
//     and, for a watch, ResponseStarted right away: a watch is audited when it starts,
//     never per event, and its end writes nothing more.
//   - onSend keeps the response body for RequestResponse (and a 403's reason).
//   - onResponse writes ResponseComplete. Requests refused before admission (401, 403,
//     429) get only this line, with the level decided from what is known.
// Bodies: requestObject from Request up, responseObject at RequestResponse, only when
// they are JSON; Secrets and tokens are capped at Metadata by policy.ts.

import crypto from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AuditAttributes, AuditPolicy, AuditStage, PolicyDecision } from './policy.js';
import { decide } from './policy.js';
import type { AuditWriter } from './writer.js';
import { parseRequestInfo, type RequestInfo } from '../request-info.js';

export interface Auditor {
  /** After authentication, authorization and admission. */
  admitted(req: FastifyRequest): void;
  writer: AuditWriter;
}

interface State {
  id: string;
  received: string;
  decision: PolicyDecision;
  attrs: AuditAttributes;
  /** Already written its final line (watches). */
  done?: boolean;
  responseBody?: string;
  /** The request body as it arrived (handlers may fill in fields of the parsed one). */
  requestBody?: unknown;
}

/** Response bodies larger than this are not copied into the log. */
const MAX_BODY_CHARS = 1024 * 1024;

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function registerAudit(app: FastifyInstance, policy: AuditPolicy, writer: AuditWriter, now: () => number = Date.now): Auditor {
  const states = new WeakMap<FastifyRequest, State>();
  // Registered before authentication's hook, so this is when the request arrived.
  const arrived = new WeakMap<FastifyRequest, number>();
  app.addHook('onRequest', async (req) => {
    arrived.set(req, now());
  });

  const attrsOf = (req: FastifyRequest): AuditAttributes => {
    const path = req.url.split('?')[0]!;
    let info: RequestInfo | undefined = req.orchInfo;
    if (!info && (path.startsWith('/api/') || path.startsWith('/apis/'))) {
      try {
        info = parseRequestInfo(req.method, path, (req.query ?? {}) as Record<string, unknown>);
      } catch {
        info = undefined;
      }
    }
    // Every authenticated user is in system:authenticated, whether or not the token file says so.
    const user = req.user ? { name: req.user.name, groups: withAuthenticated(req.user.groups) } : undefined;
    if (info?.type === 'resource') {
      const r = info.resource;
      return {
        user,
        verb: info.verb,
        path,
        resource: { group: r.group, resource: r.plural, subresource: info.subresource, namespace: info.namespace, name: info.name },
      };
    }
    return { user, verb: req.method.toLowerCase(), path };
  };

  const stateOf = (req: FastifyRequest): State => {
    let s = states.get(req);
    if (!s) {
      const attrs = attrsOf(req);
      s = { id: auditIdOf(req), received: microTime(arrived.get(req) ?? now()), attrs, decision: decide(policy, attrs) };
      states.set(req, s);
    }
    return s;
  };

  const emit = (req: FastifyRequest, s: State, stage: AuditStage, code?: number) => {
    const level = s.decision.level;
    if (level === 'None' || s.decision.omitStages.has(stage)) return;
    const a = s.attrs;
    const ev: Record<string, unknown> = {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level,
      auditID: s.id,
      stage,
      requestURI: req.url,
      verb: a.verb,
      user: req.user ? { username: req.user.name, ...(req.user.uid ? { uid: req.user.uid } : {}), groups: withAuthenticated(req.user.groups) } : { username: 'system:anonymous', groups: ['system:unauthenticated'] },
      sourceIPs: sourceIps(req),
      userAgent: req.headers['user-agent'],
    };
    if (a.resource) {
      const r = req.orchInfo?.type === 'resource' ? req.orchInfo.resource : undefined;
      ev.objectRef = {
        resource: a.resource.resource,
        ...(a.resource.namespace ? { namespace: a.resource.namespace } : {}),
        ...(a.resource.name ? { name: a.resource.name } : {}),
        apiGroup: a.resource.group || undefined,
        apiVersion: r?.version,
        ...(a.resource.subresource ? { subresource: a.resource.subresource } : {}),
      };
    }
    if (code !== undefined) {
      const status: Record<string, unknown> = { metadata: {}, code };
      if (code >= 400 && s.responseBody) {
        const body = parseJson(s.responseBody);
        if (body && body.kind === 'Status') {
          status.status = body.status;
          status.message = body.message;
          status.reason = body.reason;
        }
      }
      ev.responseStatus = status;
    }
    if ((level === 'Request' || level === 'RequestResponse') && stage !== 'RequestReceived') {
      const body = s.requestBody;
      if (body !== undefined) ev.requestObject = s.decision.omitManagedFields ? withoutManagedFields(body) : body;
    }
    if (level === 'RequestResponse' && stage === 'ResponseComplete' && s.responseBody) {
      const body = parseJson(s.responseBody);
      if (body) ev.responseObject = s.decision.omitManagedFields ? withoutManagedFields(body) : body;
    }
    ev.requestReceivedTimestamp = s.received;
    ev.stageTimestamp = microTime(now());
    const annotations: Record<string, string> = {};
    if (req.user && a.resource && code !== undefined) {
      if (code === 403) {
        annotations['authorization.k8s.io/decision'] = 'forbid';
        const body = s.responseBody ? parseJson(s.responseBody) : undefined;
        if (typeof body?.message === 'string') annotations['authorization.k8s.io/reason'] = body.message;
      } else annotations['authorization.k8s.io/decision'] = 'allow';
    } else if (req.user && a.resource && stage === 'ResponseStarted') annotations['authorization.k8s.io/decision'] = 'allow';
    if (Object.keys(annotations).length > 0) ev.annotations = annotations;
    writer.write(JSON.stringify(ev));
  };

  app.addHook('preHandler', async (req) => {
    const s = states.get(req);
    if (!s || (s.decision.level !== 'Request' && s.decision.level !== 'RequestResponse')) return;
    const body = req.body;
    if (body && typeof body === 'object' && !Buffer.isBuffer(body)) s.requestBody = structuredClone(body);
  });
  app.addHook('onSend', async (req, reply, payload) => {
    const s = states.get(req) ?? (reply.statusCode >= 400 ? stateOf(req) : undefined);
    if (!s || s.decision.level === 'None') return payload;
    // As Kubernetes: the client can find its request in the audit log.
    reply.header('Audit-Id', s.id);
    const want = s.decision.level === 'RequestResponse' || reply.statusCode >= 400;
    if (want && typeof payload === 'string' && payload.length <= MAX_BODY_CHARS) s.responseBody = payload;
    else if (want && Buffer.isBuffer(payload) && payload.length <= MAX_BODY_CHARS) s.responseBody = payload.toString('utf8');
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    const s = stateOf(req);
    if (s.done) return;
    emit(req, s, 'ResponseComplete', reply.statusCode);
    states.delete(req);
  });

  return {
    writer,
    admitted(req) {
      const s = stateOf(req);
      emit(req, s, 'RequestReceived');
      if (s.attrs.verb === 'watch') {
        emit(req, s, 'ResponseStarted', 200);
        s.done = true;
      }
    },
  };
}

/** A copy without metadata.managedFields (of the object, or of each item of a list). */
function withoutManagedFields(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const o = body as Record<string, unknown>;
  const out: Record<string, unknown> = { ...o };
  const meta = o.metadata as Record<string, unknown> | undefined;
  if (meta && typeof meta === 'object' && 'managedFields' in meta) {
    const { managedFields: _m, ...rest } = meta;
    out.metadata = rest;
  }
  if (Array.isArray(o.items)) out.items = o.items.map(withoutManagedFields);
  return out;
}

function withAuthenticated(groups: string[]): string[] {
  return groups.includes('system:authenticated') ? groups : [...groups, 'system:authenticated'];
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The client's Audit-ID header (as Kubernetes honours it), else a fresh UUID. */
function auditIdOf(req: FastifyRequest): string {
  const h = req.headers['audit-id'];
  const v = Array.isArray(h) ? h[0] : h;
  return v && /^[A-Za-z0-9-]{1,64}$/.test(v) ? v : crypto.randomUUID();
}

function sourceIps(req: FastifyRequest): string[] {
  const ip = req.socket?.remoteAddress ?? req.ip;
  return ip ? [ip.replace(/^::ffff:/, '')] : [];
}
