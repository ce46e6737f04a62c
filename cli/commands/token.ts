// `orch token create|list|delete`: bootstrap tokens for joining nodes (kubeadm token).
// A token is a kube-system Secret bootstrap-token-<id> (api/bootstrap-token.ts) that the
// apiserver accepts as `system:bootstrap:<id>` until it expires; the controller
// manager's tokencleaner deletes it then. `create` prints the token and the command that
// joins a node with it.

import crypto from 'node:crypto';
import { Command } from 'commander';
import {
  BOOTSTRAP_TOKEN_NAMESPACE,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  bootstrapTokenSecret,
  EXTRA_GROUP_RE,
  isExpired,
  readBootstrapTokenSecret,
  secretNameFor,
  TOKEN_ID_RE,
  TOKEN_RE,
} from '../../api/bootstrap-token.js';
import type { Secret } from '../../api/types.js';
import { humanDuration } from '../../api/tables/duration.js';
import { parseDuration } from '../../foundation/duration.js';
import { cliContext } from '../context.js';
import { resolveConnection, type ConnectionFlags } from '../client-config.js';
import { caPublicKeyHash } from '../../foundation/ca-discovery.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** n characters of [a-z0-9], uniformly (rejection sampling, no modulo bias). */
function randomString(n: number): string {
  let out = '';
  while (out.length < n) {
    for (const b of crypto.randomBytes(n * 2)) {
      if (b < 252 && out.length < n) out += ALPHABET[b % 36];
    }
  }
  return out;
}

export function generateToken(): { id: string; secret: string } {
  return { id: randomString(6), secret: randomString(16) };
}

/** What a node runs to join with this token: the CA pinned by its hash when known, else a copied ca.crt. */
export function joinCommand(server: string, token: string, caHash?: string): string {
  const trust = caHash ? `--discovery-token-ca-cert-hash ${caHash}` : '--ca-file /etc/orch/ca.crt';
  return `orch agent --server ${server} ${trust} --bootstrap-token ${token} --cert-dir /var/lib/orch/pki --node-name "$(hostname)"`;
}

/** The hash of the CA this CLI trusts (--ca-file or the context's), if any. */
function trustedCaHash(cmd: Command): string | undefined {
  const { config } = resolveConnection(cmd.optsWithGlobals() as ConnectionFlags);
  if (!config.ca) return undefined;
  try {
    return caPublicKeyHash(String(config.ca));
  } catch {
    return undefined;
  }
}

function createCmd(): Command {
  return new Command('create')
    .description('Create a bootstrap token (printed once) and print the command that joins a node with it')
    .argument('[token]', 'the token to create (<6 chars [a-z0-9]>.<16 chars [a-z0-9]>); default: a random one')
    .option('--ttl <duration>', 'how long the token may be used (0: forever)', '24h')
    .option('--description <text>', 'a note on what the token is for (shown by `orch token list`)')
    .option('--groups <groups>', 'extra groups the token authenticates with, comma-separated, each system:bootstrappers:<name>')
    .option('--print-join-command', 'print only the join command')
    .action(async (given: string | undefined, flags: { ttl: string; description?: string; groups?: string; printJoinCommand?: boolean }, cmd: Command) => {
      let id: string;
      let secret: string;
      if (given !== undefined) {
        const m = TOKEN_RE.exec(given);
        if (!m) throw new Error(`invalid token "${given}": expected <6 characters a-z0-9>.<16 characters a-z0-9>, e.g. abcdef.0123456789abcdef`);
        [id, secret] = [m[1]!, m[2]!];
      } else ({ id, secret } = generateToken());
      const ttlMs = parseDuration(flags.ttl, '--ttl');
      const groups = (flags.groups ?? '').split(',').map((g) => g.trim()).filter(Boolean);
      for (const g of groups) if (!EXTRA_GROUP_RE.test(g)) throw new Error(`invalid group "${g}" in --groups: extra groups are system:bootstrappers:<name> ([a-z0-9:-])`);
      const ctx = cliContext(cmd);
      await ctx.client.secrets.create(
        bootstrapTokenSecret({
          tokenId: id,
          tokenSecret: secret,
          expiration: ttlMs > 0 ? new Date(Date.now() + ttlMs).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined,
          description: flags.description,
          usageAuthentication: true,
          usageSigning: true,
          extraGroups: groups,
        }) as unknown as Secret,
      );
      const token = `${id}.${secret}`;
      const hash = trustedCaHash(cmd);
      if (flags.printJoinCommand) return ctx.out(joinCommand(ctx.client.server, token, hash));
      ctx.out(token);
      ctx.out('');
      const within = ttlMs > 0 ? ` within ${humanDuration(ttlMs)}` : '';
      ctx.out(hash ? `Join a node with it${within}:` : `Join a node with it${within} (copy the cluster CA, ca.crt from \`orch init\`, to /etc/orch/ca.crt first):`);
      ctx.out(`  ${joinCommand(ctx.client.server, token, hash)}`);
      ctx.out('or with deploy/install-agent.sh (ca.crt: the public cluster CA):');
      ctx.out(`  sudo ./install-agent.sh --server ${ctx.client.server} --ca-file ca.crt --bootstrap-token ${token}`);
    });
}

function listCmd(): Command {
  return new Command('list')
    .description('List the bootstrap tokens (kube-system bootstrap-token-* Secrets)')
    .action(async (_flags: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      const list = await ctx.client.secrets.list({ namespace: BOOTSTRAP_TOKEN_NAMESPACE, fieldSelector: `type=${BOOTSTRAP_TOKEN_SECRET_TYPE}` });
      const now = Date.now();
      const rows = [['TOKEN', 'TTL', 'EXPIRES', 'USAGES', 'DESCRIPTION', 'EXTRA GROUPS']];
      for (const s of list.items) {
        const t = readBootstrapTokenSecret(s as never);
        if (!t) continue;
        const exp = t.expiration ? Date.parse(t.expiration) : undefined;
        const usages = [t.usageAuthentication ? 'authentication' : '', t.usageSigning ? 'signing' : ''].filter(Boolean).join(',');
        rows.push([
          `${t.tokenId}.${t.tokenSecret}`,
          exp === undefined ? '<forever>' : isExpired(t, now) ? '<expired>' : humanDuration(exp - now),
          t.expiration ?? '<never>',
          usages || '<none>',
          t.description ?? '<none>',
          t.extraGroups.join(',') || '<none>',
        ]);
      }
      if (rows.length === 1) return ctx.err('No bootstrap tokens.');
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) ctx.out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join(''));
    });
}

function deleteCmd(): Command {
  return new Command('delete')
    .description('Delete bootstrap tokens: nodes can no longer join with them (nodes that joined keep their certificates)')
    .argument('<tokens...>', 'token ids, or whole tokens')
    .action(async (tokens: string[], _flags: unknown, cmd: Command) => {
      const ctx = cliContext(cmd);
      for (const t of tokens) {
        const id = t.includes('.') ? TOKEN_RE.exec(t)?.[1] : t;
        if (!id || !TOKEN_ID_RE.test(id)) throw new Error(`invalid token id "${t}": 6 characters [a-z0-9], or a whole token`);
        await ctx.client.secrets.delete(secretNameFor(id), BOOTSTRAP_TOKEN_NAMESPACE);
        ctx.out(`bootstrap token "${id}" deleted`);
      }
    });
}

export function tokenCommand(): Command {
  return new Command('token')
    .description('Manage bootstrap tokens, with which new nodes join the cluster (orch agent --bootstrap-token)')
    .addCommand(createCmd())
    .addCommand(listCmd())
    .addCommand(deleteCmd());
}
