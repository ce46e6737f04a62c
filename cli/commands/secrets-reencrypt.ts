// `orch secrets reencrypt`: rewrites every Secret so it is stored with the current first
// key of the apiservers' --encryption-provider-config — the step of a key rotation that
// Kubernetes documents as `kubectl get secrets -A -o json | kubectl replace -f -`, done
// safely: page by page (never the whole cluster's Secrets in memory), each PUT carries the
// resourceVersion it read (a Secret changed in between is read again, never overwritten),
// a Secret deleted in between is skipped, and progress is printed.
//
// The apiserver writes a PUT of an unchanged Secret only when its stored value was not
// written with the current key (storage "stale" values): Secrets already on the new key
// cost a read and nothing else, so the command can be run again after any failure.

import { Command } from 'commander';
import { isConflict, isGone, isNotFound } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { ResourceClient } from '../../client/types.js';
import { cliContext } from '../context.js';

export interface ReencryptResult {
  /** Secrets stored again with the current key. */
  rewritten: number;
  /** Secrets already stored with it (the apiserver wrote nothing). */
  current: number;
  /** Deleted while the command ran. */
  gone: number;
  /** Secrets that could not be rewritten, with the reason. */
  failed: { name: string; reason: string }[];
}

export interface ReencryptOptions {
  /** Only this namespace (default: all). */
  namespace?: string;
  /** Secrets per list page. Default 500. */
  pageSize?: number;
  /** Called after each page with the running totals. */
  progress?: (r: ReencryptResult, seen: number) => void;
}

const MAX_ATTEMPTS = 5;

export async function reencryptSecrets(secrets: ResourceClient<KubeObject>, opts: ReencryptOptions = {}): Promise<ReencryptResult> {
  const result: ReencryptResult = { rewritten: 0, current: 0, gone: 0, failed: [] };
  let seen = 0;
  let cont: string | undefined;
  for (;;) {
    let page;
    try {
      page = await secrets.list({ namespace: opts.namespace, limit: opts.pageSize ?? 500, continue: cont });
    } catch (err) {
      // The continue token expired (etcd compacted): start over; Secrets already
      // rewritten are current now and cost nothing the second time.
      if (cont && isGone(err)) {
        cont = undefined;
        continue;
      }
      throw err;
    }
    for (const item of page.items) {
      seen++;
      await rewriteOne(secrets, item, result);
    }
    opts.progress?.(result, seen);
    cont = page.metadata?.continue || undefined;
    if (!cont) return result;
  }
}

async function rewriteOne(secrets: ResourceClient<KubeObject>, read: KubeObject, result: ReencryptResult): Promise<void> {
  const name = `${read.metadata.namespace}/${read.metadata.name}`;
  let obj = read;
  for (let attempt = 1; ; attempt++) {
    try {
      const out = await secrets.update({ ...obj, apiVersion: 'v1', kind: 'Secret' }, { fieldManager: 'orch-secrets-reencrypt' });
      if (out.metadata.resourceVersion === obj.metadata.resourceVersion) result.current++;
      else result.rewritten++;
      return;
    } catch (err) {
      if (isNotFound(err)) {
        result.gone++;
        return;
      }
      if (isConflict(err) && attempt < MAX_ATTEMPTS) {
        // Changed since it was read (its writer stored it with the current key, but read
        // it again and make sure).
        try {
          obj = await secrets.get(read.metadata.name!, read.metadata.namespace);
        } catch (again) {
          if (isNotFound(again)) {
            result.gone++;
            return;
          }
          throw again;
        }
        continue;
      }
      result.failed.push({ name, reason: (err as Error).message });
      return;
    }
  }
}

export function secretsCommand(): Command {
  const cmd = new Command('secrets').description('Operations on all Secrets (key rotation)');
  cmd.addCommand(
    new Command('reencrypt')
      .description("Rewrite every Secret with the apiservers' current encryption key (after moving a new key first in --encryption-provider-config); all namespaces unless -n is given")
      .option('--page-size <n>', 'Secrets read per request', '500')
      .action(async (flags: { pageSize: string }, c: Command) => {
        const ctx = cliContext(c);
        const explicitNs = (c.optsWithGlobals() as { namespace?: string }).namespace;
        const pageSize = Number(flags.pageSize);
        if (!Number.isInteger(pageSize) || pageSize < 1) throw new Error(`invalid --page-size ${flags.pageSize}: a whole number above 0`);
        const res = await reencryptSecrets(ctx.client.secrets as unknown as ResourceClient<KubeObject>, {
          namespace: explicitNs,
          pageSize,
          progress: (r, seen) => ctx.err(`${seen} Secrets read: ${r.rewritten} rewritten, ${r.current} already current, ${r.gone} gone, ${r.failed.length} failed`),
        });
        for (const f of res.failed) ctx.err(`secret ${f.name}: ${f.reason}`);
        ctx.out(`${res.rewritten} Secrets rewritten with the current key, ${res.current} already current, ${res.gone} deleted meanwhile, ${res.failed.length} failed`);
        if (res.failed.length > 0) process.exitCode = 1;
      }),
  );
  return cmd;
}
