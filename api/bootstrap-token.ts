// Bootstrap tokens as Kubernetes defines them (k8s.io/cluster-bootstrap): a token
// `<token-id>.<token-secret>` ([a-z0-9]{6} "." [a-z0-9]{16}) lives in a Secret of type
// bootstrap.kubernetes.io/token named bootstrap-token-<token-id> in kube-system, with
// the data keys below. Shared by the apiserver's authenticator, the cleaner controller
// and `orch token`.

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_NAMESPACE = 'kube-system';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';

export const TOKEN_RE = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
export const TOKEN_ID_RE = /^[a-z0-9]{6}$/;
/** Extra groups must live below system:bootstrappers (Kubernetes' ValidateBootstrapGroupName). */
export const EXTRA_GROUP_RE = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

export interface BootstrapTokenData {
  tokenId: string;
  tokenSecret: string;
  /** RFC 3339; absent = never expires. */
  expiration?: string;
  usageAuthentication: boolean;
  usageSigning: boolean;
  extraGroups: string[];
  description?: string;
}

export function secretNameFor(tokenId: string): string {
  return `${BOOTSTRAP_TOKEN_SECRET_PREFIX}${tokenId}`;
}

export function parseToken(token: string): { id: string; secret: string } | undefined {
  const m = TOKEN_RE.exec(token);
  return m ? { id: m[1]!, secret: m[2]! } : undefined;
}

interface SecretLike {
  type?: string;
  metadata?: { name?: string; namespace?: string; deletionTimestamp?: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

function value(s: SecretLike, key: string): string | undefined {
  const d = s.data?.[key];
  if (typeof d === 'string') return Buffer.from(d, 'base64').toString('utf8');
  const sd = s.stringData?.[key];
  return typeof sd === 'string' ? sd : undefined;
}

/** The token a Secret holds, or undefined when it is not a well-formed bootstrap token Secret. */
export function readBootstrapTokenSecret(s: SecretLike): BootstrapTokenData | undefined {
  if (s.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return undefined;
  const tokenId = value(s, 'token-id');
  const tokenSecret = value(s, 'token-secret');
  if (!tokenId || !tokenSecret || !TOKEN_ID_RE.test(tokenId) || !/^[a-z0-9]{16}$/.test(tokenSecret)) return undefined;
  if (s.metadata?.name !== secretNameFor(tokenId)) return undefined;
  const groups = (value(s, 'auth-extra-groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean);
  return {
    tokenId,
    tokenSecret,
    expiration: value(s, 'expiration'),
    usageAuthentication: value(s, 'usage-bootstrap-authentication') === 'true',
    usageSigning: value(s, 'usage-bootstrap-signing') === 'true',
    extraGroups: groups,
    description: value(s, 'description'),
  };
}

/** True when the token has an expiration at or before `nowMs` (an unparsable one counts as expired). */
export function isExpired(t: Pick<BootstrapTokenData, 'expiration'>, nowMs: number): boolean {
  if (!t.expiration) return false;
  const at = Date.parse(t.expiration);
  return !Number.isFinite(at) || at <= nowMs;
}

/** The Secret `orch token create` writes. */
export function bootstrapTokenSecret(t: BootstrapTokenData): Record<string, unknown> {
  const data: Record<string, string> = {
    'token-id': t.tokenId,
    'token-secret': t.tokenSecret,
    'usage-bootstrap-authentication': String(t.usageAuthentication),
    'usage-bootstrap-signing': String(t.usageSigning),
  };
  if (t.expiration) data.expiration = t.expiration;
  if (t.description) data.description = t.description;
  if (t.extraGroups.length > 0) data['auth-extra-groups'] = t.extraGroups.join(',');
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    metadata: { name: secretNameFor(t.tokenId), namespace: BOOTSTRAP_TOKEN_NAMESPACE },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
  };
}
