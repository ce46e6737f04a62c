// parseRequestInfo with the custom resources of CRDs, for the two places that read a
// request's resource (flow control's admission and the resource routes): a path under
// /apis/<group>/<version>/ that names nothing this server knows yet may belong to a CRD
// another apiserver created a moment ago, so the registry reads that CRD once and the
// path is parsed again. Built-in paths never get here (they parse the first time).

import { ApiError } from '../../api/errors.js';
import { parseRequestInfo, type RequestInfo } from '../request-info.js';
import type { CrdRegistry } from './crd-registry.js';

/** group and plural a /apis/... path would name, if it names a resource at all. */
function groupAndPlural(pathname: string): { group: string; plural: string } | undefined {
  const parts = pathname.split('/').filter((p) => p.length > 0);
  if (parts[0] !== 'apis' || parts.length < 4) return undefined;
  let rest = parts.slice(3);
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  try {
    return { group: decodeURIComponent(parts[1]!), plural: decodeURIComponent(rest[0]!) };
  } catch {
    return undefined;
  }
}

export async function resolveRequestInfo(method: string, pathname: string, query: Record<string, unknown>, crds: CrdRegistry | undefined): Promise<RequestInfo> {
  try {
    return parseRequestInfo(method, pathname, query, crds);
  } catch (err) {
    if (!crds || !(err instanceof ApiError) || err.status.code !== 404) throw err;
    const gp = groupAndPlural(pathname);
    if (!gp || crds.find(gp.group, '', gp.plural) || !(await crds.load(gp.group, gp.plural))) throw err;
    return parseRequestInfo(method, pathname, query, crds);
  }
}
