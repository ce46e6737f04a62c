// The apiserver's service account flags, named as Kubernetes': the signing key, the
// verifying keys (repeatable, for rotation), the issuer (repeatable: the first signs, all
// are accepted), the API audiences and the longest token lifetime a TokenRequest gets.

import type { Command } from 'commander';
import { parseDuration } from '../../foundation/duration.js';
import { loadServiceAccountKeys } from './service-account-keys.js';
import { DEFAULT_ISSUER, DEFAULT_MAX_EXPIRATION_SECONDS, type ServiceAccountTokenConfig } from './service-account-tokens.js';

export interface ServiceAccountFlags {
  serviceAccountSigningKeyFile?: string;
  serviceAccountKeyFile?: string[];
  serviceAccountIssuer?: string[];
  apiAudiences?: string;
  serviceAccountMaxTokenExpiration?: string;
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function addServiceAccountFlags(cmd: Command): Command {
  return cmd
    .option('--service-account-signing-key-file <file>', 'private key (PEM, RSA or EC P-256) that signs service account tokens; without it no tokens are issued and pods get no token volume')
    .option('--service-account-key-file <file>', 'public (or private) keys, PEM, that verify service account tokens; repeat it to keep the tokens of a previous key valid during a rotation (the signing key always verifies)', collect)
    .option('--service-account-issuer <url>', `the "iss" of the tokens (repeatable: the first signs, all are accepted); default ${DEFAULT_ISSUER}`, collect)
    .option('--api-audiences <list>', 'comma-separated audiences the API accepts in service account tokens (default: the issuers)')
    .option('--service-account-max-token-expiration <duration>', 'the longest lifetime a TokenRequest gets (longer requests are capped)', '48h');
}

/** The token configuration, or undefined when no signing key is given. Throws with the flag's name on bad values. */
export function serviceAccountConfigFromFlags(flags: ServiceAccountFlags): ServiceAccountTokenConfig | undefined {
  if (!flags.serviceAccountSigningKeyFile) {
    if (flags.serviceAccountKeyFile?.length) throw new Error('--service-account-key-file needs --service-account-signing-key-file (the key that signs new tokens)');
    return undefined;
  }
  let keys;
  try {
    keys = loadServiceAccountKeys(flags.serviceAccountSigningKeyFile, flags.serviceAccountKeyFile ?? []);
  } catch (err) {
    throw new Error(`service account keys: ${(err as Error).message}`);
  }
  const issuers = flags.serviceAccountIssuer?.length ? flags.serviceAccountIssuer : [DEFAULT_ISSUER];
  for (const i of issuers) if (!i || /\s/.test(i)) throw new Error(`invalid --service-account-issuer ${JSON.stringify(i)}`);
  const audiences = flags.apiAudiences ? flags.apiAudiences.split(',').map((s) => s.trim()).filter(Boolean) : issuers;
  if (audiences.length === 0) throw new Error('--api-audiences is empty');
  const maxMs = flags.serviceAccountMaxTokenExpiration ? parseDuration(flags.serviceAccountMaxTokenExpiration, '--service-account-max-token-expiration') : DEFAULT_MAX_EXPIRATION_SECONDS * 1000;
  if (!(maxMs >= 600_000)) throw new Error(`invalid --service-account-max-token-expiration ${flags.serviceAccountMaxTokenExpiration}: at least 10m`);
  return { keys, issuers, audiences, maxExpirationSeconds: Math.floor(maxMs / 1000) };
}
