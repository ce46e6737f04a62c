// POST serviceaccounts/{name}/token: Kubernetes' TokenRequest (authentication.k8s.io/v1).
// The body names the audiences (default: the API audiences), the lifetime
// (expirationSeconds, default 3600, at least 600, capped by
// --service-account-max-token-expiration) and optionally the object the token is bound
// to (Pod, Secret or Node, by name and optionally uid). The answer is the request with
// status.token and status.expirationTimestamp, as Kubernetes' token REST storage.
// A token bound to a pod also names the pod's node (Kubernetes 1.32's node info claim).

import { errors, type StatusCause } from '../../api/errors.js';
import { RESOURCES, type ResourceInfo } from '../../api/resources.js';
import type { KubeObject, TokenRequest } from '../../api/types.js';
import type { Clock } from '../../foundation/clock.js';
import { issueToken, type NamedRef, type ServiceAccountTokenConfig } from '../authentication/service-account-tokens.js';
import type { Store } from './store.js';

const MIN_EXPIRATION_SECONDS = 600;
const DEFAULT_EXPIRATION_SECONDS = 3600;
const BOUND_KINDS: Record<string, string> = { Pod: 'pods', Secret: 'secrets', Node: 'nodes' };

const resource = (plural: string): ResourceInfo => RESOURCES.find((r) => r.plural === plural && r.group === '')!;

function parseRequest(body: unknown, name: string): TokenRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw errors.badRequest('the body must be a TokenRequest object (authentication.k8s.io/v1)');
  const req = body as TokenRequest;
  if (req.kind !== undefined && req.kind !== 'TokenRequest') throw errors.badRequest(`kind: the body is a ${String(req.kind)}, expected TokenRequest`);
  if (req.apiVersion !== undefined && req.apiVersion !== 'authentication.k8s.io/v1') throw errors.badRequest(`apiVersion: ${String(req.apiVersion)} is not served for TokenRequest; use authentication.k8s.io/v1`);
  const causes: StatusCause[] = [];
  const spec = (req.spec ?? {}) as TokenRequest['spec'];
  if (typeof spec !== 'object' || Array.isArray(spec)) causes.push({ reason: 'FieldValueInvalid', field: 'spec', message: 'Invalid value: must be an object' });
  if (spec.audiences !== undefined && (!Array.isArray(spec.audiences) || spec.audiences.some((a) => typeof a !== 'string' || a === '')))
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.audiences', message: 'Invalid value: must be a list of non-empty strings' });
  const exp = spec.expirationSeconds;
  if (exp !== undefined && exp !== null && (typeof exp !== 'number' || !Number.isInteger(exp)))
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${JSON.stringify(exp)}: must be an integer` });
  else if (typeof exp === 'number' && exp < MIN_EXPIRATION_SECONDS)
    causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${exp}: may not specify a duration less than 10 minutes` });
  else if (typeof exp === 'number' && exp > 2 ** 32)
    causes.push({ reason: 'FieldValueTooLong', field: 'spec.expirationSeconds', message: `Invalid value: ${exp}: may not specify a duration larger than 2^32 seconds` });
  const bound = spec.boundObjectRef;
  if (bound !== undefined && bound !== null) {
    if (typeof bound !== 'object') causes.push({ reason: 'FieldValueInvalid', field: 'spec.boundObjectRef', message: 'Invalid value: must be an object' });
    else {
      if (!BOUND_KINDS[bound.kind ?? '']) causes.push({ reason: 'FieldValueNotSupported', field: 'spec.boundObjectRef.kind', message: `Unsupported value: ${JSON.stringify(bound.kind ?? '')}: supported values: "Node", "Pod", "Secret"` });
      if (bound.apiVersion && bound.apiVersion !== 'v1') causes.push({ reason: 'FieldValueNotSupported', field: 'spec.boundObjectRef.apiVersion', message: `Unsupported value: ${JSON.stringify(bound.apiVersion)}: supported values: "v1"` });
      if (!bound.name || typeof bound.name !== 'string') causes.push({ reason: 'FieldValueRequired', field: 'spec.boundObjectRef.name', message: 'Required value' });
    }
  }
  if (causes.length) throw errors.invalid('TokenRequest', name, causes);
  return { ...req, spec };
}

export async function createToken(
  store: Store,
  cfg: ServiceAccountTokenConfig | undefined,
  clock: Clock,
  ns: string,
  name: string,
  body: unknown,
  dryRun: boolean,
): Promise<TokenRequest> {
  if (!cfg) throw errors.notFoundMessage('this apiserver issues no service account tokens: start it with --service-account-signing-key-file');
  const req = parseRequest(body, name);
  const sa = await store.get(resource('serviceaccounts'), ns, name);
  const spec = req.spec;
  const audiences = spec.audiences?.length ? spec.audiences : cfg.audiences;
  const expirationSeconds = Math.min(spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS, cfg.maxExpirationSeconds);
  let pod: NamedRef | undefined;
  let secret: NamedRef | undefined;
  let node: NamedRef | undefined;
  const b = spec.boundObjectRef;
  if (b?.kind) {
    const plural = BOUND_KINDS[b.kind]!;
    const obj: KubeObject = await store.get(resource(plural), plural === 'nodes' ? undefined : ns, b.name!);
    if (b.uid && b.uid !== obj.metadata.uid)
      throw errors.conflict(resource(plural), b.name!, `the UID in the bound object reference (${b.uid}) does not match the UID in record (${obj.metadata.uid})`);
    const named = { name: obj.metadata.name!, uid: obj.metadata.uid! };
    if (plural === 'pods') {
      pod = named;
      const podSpec = (obj.spec ?? {}) as { serviceAccountName?: string; nodeName?: string };
      if ((podSpec.serviceAccountName || 'default') !== name)
        throw errors.badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      if (podSpec.nodeName) {
        const n = await store.get(resource('nodes'), undefined, podSpec.nodeName).catch(() => undefined);
        if (n) node = { name: n.metadata.name!, uid: n.metadata.uid! };
      }
    } else if (plural === 'secrets') secret = named;
    else node = named;
  }
  const { token, exp } = dryRun
    ? { token: '', exp: Math.floor(clock.now() / 1000) + expirationSeconds }
    : issueToken(cfg, clock, { namespace: ns, serviceAccount: { name, uid: sa.metadata.uid! }, audiences, expirationSeconds, pod, secret, node });
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { ...(req.metadata ?? {}), name, namespace: ns },
    spec: { ...spec, audiences, expirationSeconds },
    status: { token, expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d+Z$/, 'Z') },
  };
}
