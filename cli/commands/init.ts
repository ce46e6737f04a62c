// `orch init`: a local CA, the apiserver's serving certificate, its client certificate for
// the agents' log endpoints and a bearer-token file, so the apiserver can start with HTTPS
// and authentication from day one; `orch init node-cert` issues one agent's serving
// certificate for its node name; `orch init user NAME` a person's token and kubeconfig
// (init-user.ts).
//
// Idempotent on purpose: running it again reuses the CA (every client that trusts it keeps
// working), re-issues the server certificate only when it is missing, not signed by the
// CA, about to expire or lacking a requested name, and only adds tokens that are missing.
// --force starts over (new CA, certificate and tokens).

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { certificateSANs, generateAgentServingCert, generateCA, generateClientCert, generateServerCert, normalizeIP, serverSANs, type CertAndKey } from '../../foundation/pki.js';
import { appendTokenEntries, generateToken, readTokenFile, writeTokenFile, type TokenEntry } from '../../foundation/token-file.js';
import { writeSecretFile } from '../../foundation/secret-file.js';
import { AUDIT_POLICY_FILE, ENCRYPTION_CONFIG_FILE, ensureDataAtRestFiles } from './init-encryption.js';
import { APISERVER_AGENT_CLIENT_CN, agentServingCommonName } from '../../foundation/agent-tls.js';
import { ensureServiceAccountKeys, inClusterSANs } from './init-in-cluster.js';
import { initUserCommand } from './init-user.js';

export const PKI_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'apiserver.crt',
  serverKey: 'apiserver.key',
  agentClientCert: 'apiserver-kubelet-client.crt',
  agentClientKey: 'apiserver-kubelet-client.key',
  tokens: 'tokens.csv',
  saKey: 'sa.key',
  saPub: 'sa.pub',
} as const;

/** Identities `orch init` provisions (besides one per node). */
export const ADMIN_USER = 'admin';
// Kubernetes' names: the default RBAC policy binds each to its least-privilege role.
export const SCHEDULER_USER = 'system:kube-scheduler';
export const CONTROLLER_MANAGER_USER = 'system:kube-controller-manager';
/** What orch init wrote before RBAC (then in system:masters), renamed on the next run. */
const LEGACY_COMPONENT_USERS: Record<string, string> = { 'system:scheduler': SCHEDULER_USER, 'system:controller-manager': CONTROLLER_MANAGER_USER };
export const MASTERS_GROUP = 'system:masters';
export const NODES_GROUP = 'system:nodes';
export const nodeUser = (name: string): string => `system:node:${name}`;

export interface InitOptions {
  dir: string;
  hostnames?: string[];
  ips?: string[];
  nodes?: string[];
  force?: boolean;
  /** The apiserver's --service-cluster-ip-range and the cluster DNS domain: in-cluster names in its certificate. */
  serviceClusterIpRange?: string;
  clusterDomain?: string;
  /** Now, injectable so expiry decisions are testable. */
  now?: () => number;
}

export interface InitResult {
  dir: string;
  caCreated: boolean;
  serverCertCreated: boolean;
  /** Why the server certificate was (re)issued, when it was. */
  serverCertReason?: string;
  /** Why the apiserver's client certificate for agents was (re)issued, when it was. */
  agentClientCertReason?: string;
  tokensAdded: string[];
  /** Component tokens renamed from the pre-RBAC names ('system:scheduler → system:kube-scheduler'). */
  tokensMigrated: string[];
  files: { caCert: string; caKey: string; serverCert: string; serverKey: string; agentClientCert: string; agentClientKey: string; tokens: string; saKey: string; saPub: string; encryptionConfig: string; auditPolicy: string };
  /** The service account signing key pair was created now. */
  serviceAccountKeyCreated?: boolean;
  /** Data-at-rest files this run created (init-encryption.ts). */
  dataAtRestCreated: string[];
}

/** $ORCH_HOME/pki, else ~/.orch/pki. */
export function defaultPkiDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.ORCH_HOME || path.join(os.homedir(), '.orch'), 'pki');
}

// Node names become user names and object names: same rule as Kubernetes (DNS-1123 subdomain).
const NODE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export function checkNodeName(name: string): void {
  if (name.length > 253 || !NODE_NAME.test(name)) {
    throw new Error(`invalid node name ${JSON.stringify(name)}: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`);
  }
}

function filesIn(dir: string): InitResult['files'] {
  return {
    caCert: path.join(dir, PKI_FILES.caCert),
    caKey: path.join(dir, PKI_FILES.caKey),
    serverCert: path.join(dir, PKI_FILES.serverCert),
    serverKey: path.join(dir, PKI_FILES.serverKey),
    agentClientCert: path.join(dir, PKI_FILES.agentClientCert),
    agentClientKey: path.join(dir, PKI_FILES.agentClientKey),
    tokens: path.join(dir, PKI_FILES.tokens),
    saKey: path.join(dir, PKI_FILES.saKey),
    saPub: path.join(dir, PKI_FILES.saPub),
    encryptionConfig: path.join(dir, ENCRYPTION_CONFIG_FILE),
    auditPolicy: path.join(dir, AUDIT_POLICY_FILE),
  };
}

function writePublicFile(file: string, content: string): void {
  fs.writeFileSync(file, content, { mode: 0o644 });
}

/** Keep the existing CA unless forced; a half-present CA is an error, not something to paper over. */
function ensureCA(files: InitResult['files'], force: boolean): { ca: CertAndKey; created: boolean } {
  const hasCert = fs.existsSync(files.caCert);
  const hasKey = fs.existsSync(files.caKey);
  if (!force && hasCert && hasKey) {
    const ca = { certPem: fs.readFileSync(files.caCert, 'utf8'), keyPem: fs.readFileSync(files.caKey, 'utf8') };
    const x = new crypto.X509Certificate(ca.certPem);
    if (!x.checkPrivateKey(crypto.createPrivateKey(ca.keyPem))) {
      throw new Error(`${files.caKey} does not belong to ${files.caCert}; fix the files or run with --force to create a new CA`);
    }
    return { ca, created: false };
  }
  if (!force && (hasCert || hasKey)) {
    const missing = hasCert ? files.caKey : files.caCert;
    throw new Error(`${missing} is missing but its pair exists; restore it or run with --force to create a new CA`);
  }
  const ca = generateCA({ commonName: 'orch-ca' });
  writeSecretFile(files.caKey, ca.keyPem);
  writePublicFile(files.caCert, ca.certPem);
  return { ca, created: true };
}

const RENEW_BEFORE_MS = 30 * 86_400_000;

/** Why a leaf certificate on disk cannot be kept (missing, another CA, key, expiry), or undefined. */
function leafProblem(certFile: string, keyFile: string, ca: CertAndKey, now: number): string | undefined {
  if (!fs.existsSync(certFile) || !fs.existsSync(keyFile)) return 'missing';
  const x = new crypto.X509Certificate(fs.readFileSync(certFile, 'utf8'));
  const caX = new crypto.X509Certificate(ca.certPem);
  if (!x.checkIssued(caX) || !x.verify(caX.publicKey)) return 'not signed by the current CA';
  if (!x.checkPrivateKey(crypto.createPrivateKey(fs.readFileSync(keyFile, 'utf8')))) return 'key does not match';
  if (Date.parse(x.validTo) - now < RENEW_BEFORE_MS) return 'expires within 30 days';
  return undefined;
}

/** Returns why the current server certificate cannot be kept, or undefined if it can. */
function serverCertProblem(files: InitResult['files'], ca: CertAndKey, wanted: { dnsNames: string[]; ipAddresses: string[] }, now: number): string | undefined {
  const problem = leafProblem(files.serverCert, files.serverKey, ca, now);
  if (problem) return problem;
  const have = certificateSANs(fs.readFileSync(files.serverCert, 'utf8'));
  const missingNames = [
    ...wanted.dnsNames.filter((d) => !have.dnsNames.includes(d)),
    ...wanted.ipAddresses.map(normalizeIP).filter((ip) => !have.ipAddresses.includes(ip)),
  ];
  if (missingNames.length > 0) return `new names: ${missingNames.join(', ')}`;
  return undefined;
}

function writePair(certFile: string, keyFile: string, pair: CertAndKey): void {
  writeSecretFile(keyFile, pair.keyPem);
  writePublicFile(certFile, pair.certPem);
}

function newEntry(user: string, groups: string[], existing: TokenEntry[]): TokenEntry {
  // One uid per user: a node given a second token is still the same identity.
  const uid = existing.find((e) => e.user === user)?.uid || crypto.randomUUID();
  return { token: generateToken(), user, uid, groups };
}

export function runInit(opts: InitOptions): InitResult {
  const now = opts.now ?? Date.now;
  const force = opts.force ?? false;
  const nodes = opts.nodes ?? [];
  nodes.forEach(checkNodeName);
  const inCluster = inClusterSANs(opts.serviceClusterIpRange, opts.clusterDomain);
  const hostnames = [...(opts.hostnames ?? []), ...inCluster.dnsNames];
  const ips = [...(opts.ips ?? []), ...inCluster.ipAddresses];
  const wanted = serverSANs({ dnsNames: hostnames, ipAddresses: ips }); // validates IPs before writing anything

  fs.mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const files = filesIn(opts.dir);
  const { ca, created: caCreated } = ensureCA(files, force);

  const problem = caCreated || force ? 'new CA' : serverCertProblem(files, ca, wanted, now());
  if (problem) {
    writePair(files.serverCert, files.serverKey, generateServerCert(ca, { commonName: 'orch-apiserver', dnsNames: hostnames, ipAddresses: ips }));
  }
  // The apiserver's own credential for the agents' log endpoints: grants nothing at the API.
  const clientProblem = caCreated || force ? 'new CA' : leafProblem(files.agentClientCert, files.agentClientKey, ca, now());
  if (clientProblem) writePair(files.agentClientCert, files.agentClientKey, generateClientCert(ca, { commonName: APISERVER_AGENT_CLIENT_CN }));
  const saKeys = ensureServiceAccountKeys(opts.dir, force);

  const existing = !force && fs.existsSync(files.tokens) ? readTokenFile(files.tokens) : [];
  const migrated = migrateLegacyComponentTokens(existing);
  if (migrated.length > 0) writeTokenFile(files.tokens, existing);
  const hasUser = (u: string) => existing.some((e) => e.user === u);
  const wantedTokens: Array<[string, string[]]> = [
    [ADMIN_USER, [MASTERS_GROUP]],
    // No system:masters: RBAC's system:kube-scheduler / system:kube-controller-manager roles.
    [SCHEDULER_USER, []],
    [CONTROLLER_MANAGER_USER, []],
    ...nodes.map((n): [string, string[]] => [nodeUser(n), [NODES_GROUP]]),
  ];
  const added = wantedTokens.filter(([u]) => !hasUser(u)).map(([u, g]) => newEntry(u, g, existing));
  if (force || !fs.existsSync(files.tokens)) writeTokenFile(files.tokens, added);
  else if (added.length > 0) appendTokenEntries(files.tokens, added);
  const dataAtRest = ensureDataAtRestFiles(opts.dir);

  return {
    dir: opts.dir,
    tokensMigrated: migrated,
    caCreated,
    serverCertCreated: problem !== undefined,
    serverCertReason: problem,
    agentClientCertReason: clientProblem,
    tokensAdded: added.map((e) => e.user),
    files,
    serviceAccountKeyCreated: saKeys.created,
    dataAtRestCreated: dataAtRest.created,
  };
}

/**
 * Tokens of the scheduler and controller manager written before RBAC (users
 * system:scheduler / system:controller-manager in system:masters) become Kubernetes'
 * names without system:masters, in place: the token stays, so the processes holding it
 * keep working and from now on act with their least-privilege roles. Returns what changed.
 */
export function migrateLegacyComponentTokens(entries: TokenEntry[]): string[] {
  const changed: string[] = [];
  for (const e of entries) {
    const to = LEGACY_COMPONENT_USERS[e.user];
    if (!to) continue;
    changed.push(`${e.user} → ${to}`);
    e.user = to;
    e.groups = e.groups.filter((g) => g !== MASTERS_GROUP);
  }
  return changed;
}

/** A fresh token for a node, appended to the token file (a node may hold several). */
export function addNodeToken(dir: string, name: string): string {
  checkNodeName(name);
  const file = filesIn(dir).tokens;
  if (!fs.existsSync(file)) throw new Error(`${file} not found: run \`orch init --dir ${dir}\` first`);
  const entry = newEntry(nodeUser(name), [NODES_GROUP], readTokenFile(file));
  appendTokenEntries(file, [entry]);
  return entry.token;
}

export interface NodeCertOptions {
  /** The PKI directory holding ca.crt and ca.key. */
  dir: string;
  nodeName: string;
  ips?: string[];
  hostnames?: string[];
  /** Where agent.crt and agent.key go; default DIR/agents/NODE. */
  outDir?: string;
  now?: () => number;
}

export interface NodeCertResult {
  cert: string;
  key: string;
  /** Why it was (re)issued; undefined when the existing one was kept. */
  reason?: string;
}

/**
 * An agent's log-endpoint certificate for its node (CN system:node:NAME, NAME and the
 * given addresses as alternative names), kept when the existing one still fits: `orch up`
 * calls this on every start.
 */
export function issueNodeCert(o: NodeCertOptions): NodeCertResult {
  checkNodeName(o.nodeName);
  const files = filesIn(o.dir);
  if (!fs.existsSync(files.caCert) || !fs.existsSync(files.caKey)) throw new Error(`${files.caCert} and ${files.caKey} are needed: run \`orch init --dir ${o.dir}\` first (where the CA key is)`);
  const ca = { certPem: fs.readFileSync(files.caCert, 'utf8'), keyPem: fs.readFileSync(files.caKey, 'utf8') };
  const out = o.outDir ?? path.join(o.dir, 'agents', o.nodeName);
  const cert = path.join(out, 'agent.crt');
  const key = path.join(out, 'agent.key');
  const ips = (o.ips ?? []).map(normalizeIP);
  const hostnames = o.hostnames ?? [];
  let reason = leafProblem(cert, key, ca, (o.now ?? Date.now)());
  if (!reason) {
    const x = new crypto.X509Certificate(fs.readFileSync(cert, 'utf8'));
    const have = certificateSANs(x.toString());
    const missing = [...[o.nodeName, ...hostnames].filter((d) => !have.dnsNames.includes(d) && !have.ipAddresses.includes(d)), ...ips.filter((ip) => !have.ipAddresses.includes(ip))];
    if (!x.subject.split('\n').includes(`CN=${agentServingCommonName(o.nodeName)}`)) reason = `not node ${o.nodeName}'s certificate`;
    else if (missing.length > 0) reason = `new names: ${missing.join(', ')}`;
  }
  if (reason) {
    fs.mkdirSync(out, { recursive: true, mode: 0o755 });
    writePair(cert, key, generateAgentServingCert(ca, { nodeName: o.nodeName, ipAddresses: ips, dnsNames: hostnames }));
  }
  return { cert, key, reason };
}

/** The first token of a user in a token file (what `orch up` hands to each process). */
export function tokenFor(tokensFile: string, user: string): string | undefined {
  return readTokenFile(tokensFile).find((e) => e.user === user)?.token;
}

function describe(r: InitResult): string {
  const rel = (f: string) => path.basename(f);
  const lines = [`orch init: PKI in ${r.dir}`];
  lines.push(`  ${r.caCreated ? 'created' : 'reused '}  ${rel(r.files.caCert)}, ${rel(r.files.caKey)}  (certificate authority)`);
  lines.push(
    r.serverCertCreated
      ? `  created  ${rel(r.files.serverCert)}, ${rel(r.files.serverKey)}  (apiserver serving certificate; ${r.serverCertReason})`
      : `  reused   ${rel(r.files.serverCert)}, ${rel(r.files.serverKey)}  (apiserver serving certificate)`,
  );
  lines.push(
    r.agentClientCertReason
      ? `  created  ${rel(r.files.agentClientCert)}, ${rel(r.files.agentClientKey)}  (apiserver's client certificate for agents; ${r.agentClientCertReason})`
      : `  reused   ${rel(r.files.agentClientCert)}, ${rel(r.files.agentClientKey)}  (apiserver's client certificate for agents)`,
  );
  lines.push(`  ${r.serviceAccountKeyCreated ? 'created' : 'reused '}  ${rel(r.files.saKey)}, ${rel(r.files.saPub)}  (service account token signing key)`);
  if (r.tokensMigrated.length > 0) lines.push(`  tokens   ${rel(r.files.tokens)}: renamed ${r.tokensMigrated.join(', ')} (no longer system:masters; RBAC roles apply)`);
  lines.push(
    r.tokensAdded.length > 0
      ? `  tokens   ${rel(r.files.tokens)}: added ${r.tokensAdded.join(', ')}`
      : `  tokens   ${rel(r.files.tokens)}: nothing to add`,
  );
  lines.push(
    `  ${r.dataAtRestCreated.includes(rel(r.files.encryptionConfig)) ? 'created' : 'reused '}  ${rel(r.files.encryptionConfig)}  (key that encrypts Secrets in etcd: back it up, never regenerated)`,
  );
  lines.push(`  ${r.dataAtRestCreated.includes(rel(r.files.auditPolicy)) ? 'created' : 'reused '}  ${rel(r.files.auditPolicy)}  (audit policy)`);
  lines.push('', 'Keys and tokens are mode 0600. Start the API server with:');
  lines.push(`  orch apiserver --tls-cert-file ${r.files.serverCert} --tls-private-key-file ${r.files.serverKey} --token-auth-file ${r.files.tokens} \\`);
  lines.push(`    --agent-ca-file ${r.files.caCert} --agent-client-cert-file ${r.files.agentClientCert} --agent-client-key-file ${r.files.agentClientKey} \\`);
  lines.push(`    --service-account-signing-key-file ${r.files.saKey} --service-account-key-file ${r.files.saPub} \\`);
  lines.push(`    --encryption-provider-config ${r.files.encryptionConfig} --audit-policy-file ${r.files.auditPolicy} --audit-log-path /var/log/orch/audit.log`);
  lines.push(`and the controller manager with --root-ca-file ${r.files.caCert}.`);
  lines.push('', 'Each agent needs a serving certificate for its node: orch init node-cert NAME --ip ADDRESS');
  lines.push('', 'Clients trust ' + r.files.caCert + `; the admin token is in ${rel(r.files.tokens)} (user "${ADMIN_USER}").`);
  return lines.join('\n') + '\n';
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

/** `out` is injectable so tests read what a user would see. */
export function initCommand(out: (text: string) => void = (t) => process.stdout.write(t)): Command {
  const cmd = new Command('init')
    .description('create a local CA, the apiserver certificate, the service account signing key and bearer tokens (idempotent)')
    .option('--dir <dir>', 'where to write the files (default: $ORCH_HOME/pki or ~/.orch/pki)')
    .option('--hostname <name>', 'extra DNS name for the apiserver certificate (node-cert: for the node\'s) (repeatable)', collect, [])
    .option('--ip <address>', 'extra IP address for the apiserver certificate (node-cert: for the node\'s) (repeatable)', collect, [])
    .option('--node <name>', 'create a token for this node (repeatable)', collect, [])
    .option('--force', 'start over: new CA, certificate, service account key and tokens', false)
    .option('--service-cluster-ip-range <cidrs>', "the apiserver's Service range: its first address (the `kubernetes` Service) goes into the certificate", '10.96.0.0/12')
    .option('--cluster-domain <domain>', 'cluster DNS domain: kubernetes.default.svc.<domain> goes into the certificate', 'cluster.local')
    .action((o: { dir?: string; hostname: string[]; ip: string[]; node: string[]; force: boolean; serviceClusterIpRange: string; clusterDomain: string }) => {
      const result = runInit({ dir: o.dir ?? defaultPkiDir(), hostnames: o.hostname, ips: o.ip, nodes: o.node, force: o.force, serviceClusterIpRange: o.serviceClusterIpRange, clusterDomain: o.clusterDomain });
      out(describe(result));
    });

  cmd
    .command('node-token')
    .description('append a new token for a node to the token file and print it')
    .argument('<name>', 'node name')
    .action(function (this: Command, name: string) {
      const dir = this.optsWithGlobals<{ dir?: string }>().dir ?? defaultPkiDir();
      out(addNodeToken(dir, name) + '\n');
    });

  cmd
    .command('node-cert')
    .description("issue an agent's log-endpoint certificate for its node name (and --ip/--hostname addresses) from the CA")
    .argument('<name>', 'node name')
    .option('--out-dir <dir>', 'where to write agent.crt and agent.key (default: DIR/agents/NAME)')
    .action(function (this: Command, name: string) {
      const o = this.optsWithGlobals<{ dir?: string; ip: string[]; hostname: string[]; outDir?: string }>();
      const r = issueNodeCert({ dir: o.dir ?? defaultPkiDir(), nodeName: name, ips: o.ip, hostnames: o.hostname, outDir: o.outDir });
      const names = [name, ...o.hostname, ...o.ip].join(', ');
      out(`${r.reason ? `created ${r.cert} (${r.reason})` : `reused  ${r.cert}`} and ${path.basename(r.key)} for node ${name}: ${names}\n`);
    });

  cmd.addCommand(initUserCommand(out, defaultPkiDir));

  return cmd;
}
