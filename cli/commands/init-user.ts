// `orch init user NAME [--group G ...] [--namespace NS] [-o FILE] [--server URL]`: a
// person's credential. Appends a token for NAME (its groups, a fresh uid) to the token
// file the apiserver reads (it reloads the file, no restart), writes a kubeconfig with
// the server, the CA and that token, and says what to do next: a new user may do
// nothing but discovery and self reviews until a role is bound to them.
//
// Names under `system:` are refused, for the user and its groups: they are the
// components', nodes' and service accounts' (a token file entry named
// system:node:x would be a node), and `system:masters` bypasses every check — give a
// person cluster-admin with a ClusterRoleBinding instead, which can be revoked. A user
// who already has a token is refused too: revoke by deleting the line, then issue again.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { appendTokenEntries, generateToken, readTokenFile } from '../../foundation/token-file.js';
import { writeSecretFile } from '../../foundation/secret-file.js';
import { renderKubeconfig } from '../up/kubeconfig-file.js';
import { readClusterState } from '../up/cluster-state.js';
import { PKI_FILES } from './init.js';

export interface InitUserOptions {
  /** The PKI directory (ca.crt, tokens.csv). */
  dir: string;
  name: string;
  groups?: string[];
  namespace?: string;
  /** The apiserver URL the kubeconfig points at. */
  server: string;
  /** Where the kubeconfig goes; '-': nowhere (returned only). */
  out: string;
}

export interface InitUserResult {
  kubeconfig: string;
  file?: string;
  token: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function checkName(what: string, v: string): void {
  if (v === '' || v.trim() !== v) throw new Error(`invalid ${what} ${JSON.stringify(v)}: empty or with blanks around it`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(v)) throw new Error(`invalid ${what} ${JSON.stringify(v)}: control characters`);
  if (v.toLowerCase().startsWith('system:'))
    throw new Error(
      `${what} ${JSON.stringify(v)} is reserved: names under "system:" belong to orch's components, nodes and service accounts` +
        (v === 'system:masters' ? ' (to make someone an administrator: kubectl create clusterrolebinding NAME-admin --clusterrole=cluster-admin --user=NAME)' : ''),
    );
}

export function runInitUser(o: InitUserOptions): InitUserResult {
  checkName('user name', o.name);
  if (o.name.includes(',')) throw new Error(`invalid user name ${JSON.stringify(o.name)}: no commas`);
  const groups = [...new Set(o.groups ?? [])];
  for (const g of groups) {
    checkName('group', g);
    if (g.includes(',')) throw new Error(`invalid group ${JSON.stringify(g)}: no commas (one --group per group)`);
  }
  if (o.namespace !== undefined && (o.namespace.length > 63 || !DNS_LABEL.test(o.namespace))) throw new Error(`invalid namespace ${JSON.stringify(o.namespace)}: a DNS label (lower-case letters, digits, '-')`);
  let url: URL;
  try {
    url = new URL(o.server);
  } catch {
    throw new Error(`invalid --server ${JSON.stringify(o.server)}: a URL such as https://10.0.0.1:6443`);
  }
  if (url.protocol !== 'https:') throw new Error(`--server ${o.server}: kubectl sends tokens over https only`);
  const tokensFile = path.join(o.dir, PKI_FILES.tokens);
  const caFile = path.join(o.dir, PKI_FILES.caCert);
  if (!fs.existsSync(tokensFile) || !fs.existsSync(caFile)) throw new Error(`${tokensFile} and ${caFile} are needed: run \`orch init --dir ${o.dir}\` first`);
  const existing = readTokenFile(tokensFile);
  if (existing.some((e) => e.user === o.name))
    throw new Error(`user ${JSON.stringify(o.name)} already has a token in ${tokensFile}: delete its line there to revoke it, then run this again`);
  const entry = { token: generateToken(), user: o.name, uid: crypto.randomUUID(), groups };
  const kubeconfig = renderKubeconfig({ name: 'orch', server: o.server, caPem: fs.readFileSync(caFile, 'utf8'), token: entry.token, namespace: o.namespace, userName: o.name });
  // The kubeconfig first: a failed write leaves no token behind that nobody holds.
  if (o.out !== '-') writeSecretFile(o.out, kubeconfig);
  appendTokenEntries(tokensFile, [entry]);
  return { kubeconfig, file: o.out === '-' ? undefined : o.out, token: entry.token };
}

/** The apiserver of the local cluster `orch up` runs from this ORCH_HOME, when there is one. */
function localServer(dir: string): string | undefined {
  const state = path.join(path.dirname(dir), 'run', 'cluster.json');
  if (!fs.existsSync(state)) return undefined;
  try {
    return readClusterState(state)?.server;
  } catch {
    return undefined;
  }
}

function nextSteps(name: string, groups: string[], ns: string, file: string | undefined): string {
  const who = groups.length > 0 ? `user "${name}" (groups ${groups.join(', ')})` : `user "${name}"`;
  const lines = [
    file ? `orch init user: token for ${who} added; kubeconfig written to ${file} (mode 0600)` : `orch init user: token for ${who} added`,
    '',
    `${name} may do nothing yet besides discovery and checking their own access. Bind a role, e.g.:`,
    `  kubectl create rolebinding ${name}-edit --clusterrole=edit --user=${name} -n ${ns}`,
    `  kubectl create rolebinding ${name}-view --clusterrole=view --user=${name} -n ${ns}`,
    ...(groups.length > 0 ? [`  kubectl create rolebinding ${groups[0]}-edit --clusterrole=edit --group=${groups[0]} -n ${ns}`] : []),
    '',
    `Check it: kubectl auth can-i --list -n ${ns} --as ${name}`,
    file ? `Hand over ${file}; they use it with: KUBECONFIG=${path.basename(file)} kubectl get pods` : '',
  ];
  return lines.filter((l, i) => l !== '' || i < lines.length - 1).join('\n') + '\n';
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `orch init user`, added under `orch init` (init.ts). */
export function initUserCommand(out: (text: string) => void, defaultDir: () => string): Command {
  return new Command('user')
    .description("issue a person's token (added to the token file) and a kubeconfig for it")
    .argument('<name>', 'user name (not under "system:")')
    .option('--group <group>', 'a group the user is in (repeatable)', collect, [] as string[])
    .option('--namespace <ns>', "the kubeconfig's default namespace", 'default')
    .option('-o, --output <file>', 'where to write the kubeconfig ("-": print it; default: NAME.kubeconfig)')
    .option('--server <url>', "the apiserver URL in the kubeconfig (default: the local cluster's, from `orch up`)")
    .action(function (this: Command, name: string) {
      const o = this.optsWithGlobals<{ dir?: string; group: string[]; namespace: string; output?: string; server?: string }>();
      const dir = o.dir ?? defaultDir();
      const server = o.server ?? localServer(dir);
      if (!server) throw new Error(`no local cluster found next to ${dir}: give the apiserver URL with --server https://HOST:PORT`);
      const file = o.output || `${name.replace(/[^a-zA-Z0-9_.-]/g, '_')}.kubeconfig`;
      const r = runInitUser({ dir, name, groups: o.group, namespace: o.namespace, server, out: file });
      if (file === '-') out(r.kubeconfig);
      else out(nextSteps(name, o.group, o.namespace, r.file));
    });
}
