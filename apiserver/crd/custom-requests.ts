// What the resource routes do differently for custom resources, in one place:
// strategic merge patches are refused with 415 (a custom kind has no patch strategy, as
// in Kubernetes; kubectl then falls back to merge patches), creates are refused while
// the CRD is being deleted (its objects are being removed), a deprecated version answers
// with its Warning, and watches end when the CRD is deleted.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { ServerContext } from '../context.js';
import type { ResourceRequest } from '../request-info.js';
import type { WatchRegistry } from '../watch.js';
import { addWarningHeaders } from '../admission/request-annotations.js';

const MERGE_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml'];

export function checkCustomRequest(ctx: ServerContext, info: ResourceRequest, req: FastifyRequest, reply: FastifyReply, applying: boolean): void {
  const custom = info.resource.custom!;
  if (info.verb === 'patch' && !applying) {
    const ct = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (ct === 'application/strategic-merge-patch+json') throw errors.unsupportedMediaType(ct, MERGE_TYPES);
  }
  if (info.verb === 'create' && ctx.crds?.terminating(custom.crdName))
    throw errors.methodNotAllowed(`create not allowed while custom resource definition is terminating`);
  if (custom.deprecationWarning) addWarningHeaders(reply, [custom.deprecationWarning]);
}

/** A watch of a custom resource also ends when its CRD is deleted. */
export function customWatchOptions(ctx: ServerContext, r: ResourceInfo): { registry?: WatchRegistry } {
  const crds = ctx.crds;
  if (!r.custom || !crds) return {};
  const base = ctx.watches;
  const crdName = r.custom.crdName;
  const scoped = {
    budget: base.budget,
    onTerminated: base.onTerminated,
    add(stop: () => void) {
      const a = base.add(stop);
      const b = crds.trackWatch(crdName, stop);
      return () => {
        a();
        b();
      };
    },
  };
  return { registry: scoped as unknown as WatchRegistry };
}
