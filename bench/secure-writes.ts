// `npm run bench -- secure-writes`: what Secrets encryption and the audit log cost on the
// write path. Two apiserver processes (the real CLI) share one throw-away etcd, under
// different --etcd-prefix:
//   off  plain: no encryption, no audit log
//   on   --encryption-provider-config (Secrets under AES-GCM, as orch init writes it)
//        + --audit-policy-file (orch's default policy: Metadata for everything but leases
//        and events) + --audit-log-path (a file in the work dir, rotated at 100 MB)
//        [+ --authorization-mode Node,RBAC with --rbac, once the apiserver has the flag]
// Both authenticate the same admin token. Each round creates --count ConfigMaps and then
// --count Secrets (same ~1 KiB of data each) with --clients concurrent keep-alive
// clients, on off and on in alternating order (off,on / on,off), each in a fresh
// namespace; the table shows the median creates/s over the rounds, on vs off, and the
// apiserver's CPU time per create (utime + stime of its process from /proc): on a machine
// shared with other work, throughput swings with the neighbours, CPU per create much less.
// Target: on ≥ 0.8 × off (issue 18); for CPU, on < off / 0.8.
// Options: --rounds N (6), --count N (1000), --clients N (16), --rbac, --keep, --strict.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { DEFAULT_POLICY_YAML } from '../apiserver/audit/policy.js';
import { generatedEncryptionConfig } from '../apiserver/storage/encryption/config.js';
import { generateToken, writeTokenFile } from '../foundation/token-file.js';
import { cliEntry, startApiServerPreferCli } from './lib/apiserver-process.js';
import { runPool } from './lib/concurrency.js';
import { startEtcd } from './lib/etcd.js';
import { BenchHttp } from './lib/http.js';
import { median } from './lib/stats.js';
import { renderTable, verdict, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';
import { intOption } from './lib/options.js';

type Mode = 'off' | 'on';
type Kind = 'configmaps' | 'secrets';

/** CPU time (user + system) a process has used, ms (Linux /proc). */
function cpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) in parentheses: utime is the 14th field, stime the 15th.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(rest[11]) + Number(rest[12]);
  return (ticks * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** The same ~1 KiB of data for every object of both kinds. */
const VALUE = crypto.randomBytes(768).toString('base64');

function manifest(kind: Kind, ns: string, name: string): string {
  return kind === 'configmaps'
    ? JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data: { value: VALUE } })
    : JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ns }, type: 'Opaque', data: { value: Buffer.from(VALUE).toString('base64') } });
}

export const bench: Bench = {
  description: 'creates/s of ConfigMaps and Secrets with encryption at rest + audit log on vs off, alternating rounds',
  async run(ctx: BenchContext): Promise<number> {
    const { args, say } = ctx;
    const rounds = intOption(args, '--rounds', 6);
    const count = intOption(args, '--count', 1000);
    const clients = intOption(args, '--clients', 16);
    const rbac = args.includes('--rbac');
    if (args.includes('--keep')) ctx.keepWorkDir();

    const etcd = await startEtcd();
    ctx.cleanup.add('etcd', () => etcd.stop());
    const token = generateToken();
    const tokenFile = path.join(ctx.workDir, 'tokens.csv');
    writeTokenFile(tokenFile, [{ token, user: 'admin', uid: 'admin', groups: ['system:masters'] }]);
    const encFile = path.join(ctx.workDir, 'encryption-config.yaml');
    fs.writeFileSync(encFile, generatedEncryptionConfig(), { mode: 0o600 });
    const policyFile = path.join(ctx.workDir, 'audit-policy.yaml');
    fs.writeFileSync(policyFile, DEFAULT_POLICY_YAML);
    const auditLog = path.join(ctx.workDir, 'audit.log');

    const onArgs = ['--etcd-prefix', '/on', '--encryption-provider-config', encFile, '--audit-policy-file', policyFile, '--audit-log-path', auditLog];
    const offArgs = ['--etcd-prefix', '/off'];
    if (rbac) {
      const help = spawnSync(process.execPath, [cliEntry(), 'apiserver', '--help'], { encoding: 'utf8' }).stdout;
      if (!help.includes('--authorization-mode')) {
        say('--rbac: this apiserver has no --authorization-mode flag yet (the RBAC branch has not landed); measuring without it');
      } else {
        onArgs.push('--authorization-mode', 'Node,RBAC');
        offArgs.push('--authorization-mode', 'AlwaysAllow');
      }
    }
    const servers: Record<Mode, BenchHttp> = {} as Record<Mode, BenchHttp>;
    const pids = {} as Record<Mode, number>;
    for (const [mode, extraArgs] of [['off', offArgs], ['on', onArgs]] as const) {
      const api = await startApiServerPreferCli({ etcdEndpoint: etcd.endpoint, workDir: ctx.workDir, tokenAuthFile: tokenFile, extraArgs }, say);
      ctx.cleanup.add(`apiserver ${mode}`, () => api.stop());
      servers[mode] = new BenchHttp({ baseUrl: api.url, token, maxSockets: clients });
      pids[mode] = api.pid;
      ctx.cleanup.add(`http ${mode}`, () => servers[mode].close());
      say(`apiserver ${mode}: ${api.url} (pid ${api.pid}) ${extraArgs.join(' ')}`);
    }

    const rates: Record<Mode, Record<Kind, number[]>> = { off: { configmaps: [], secrets: [] }, on: { configmaps: [], secrets: [] } };
    const cpu: Record<Mode, Record<Kind, number[]>> = { off: { configmaps: [], secrets: [] }, on: { configmaps: [], secrets: [] } };
    const measure = async (mode: Mode, kind: Kind, round: number) => {
      const http = servers[mode];
      const ns = `bench-${kind}-${round}`;
      await http.expect('POST', '/api/v1/namespaces', [201, 409], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
      const bodies = Array.from({ length: count }, (_, i) => manifest(kind, ns, `o-${i}`));
      const cpuBefore = cpuMs(pids[mode]);
      const r = await runPool({ concurrency: clients, total: count, maxMs: 120_000 }, async (i) => {
        await http.expect('POST', `/api/v1/namespaces/${ns}/${kind}`, [201], bodies[i]!);
      });
      if (r.errors > 0) throw new Error(`${mode} ${kind} round ${round}: ${r.errors} creates failed: ${String(r.firstError)}`);
      const rate = (r.done * 1000) / r.elapsedMs;
      rates[mode][kind].push(rate);
      cpu[mode][kind].push((cpuMs(pids[mode]) - cpuBefore) / r.done);
      return rate;
    };
    // One warm-up round per server (JIT, connections, etcd's first pages), not counted.
    for (const mode of ['off', 'on'] as const) for (const kind of ['configmaps', 'secrets'] as const) await measure(mode, kind, 0);
    for (const mode of ['off', 'on'] as const) for (const kind of ['configmaps', 'secrets'] as const) rates[mode][kind].length = cpu[mode][kind].length = 0;

    for (let round = 1; round <= rounds; round++) {
      const order: Mode[] = round % 2 === 1 ? ['off', 'on'] : ['on', 'off'];
      const line: string[] = [];
      for (const kind of ['configmaps', 'secrets'] as const) {
        for (const mode of order) line.push(`${kind} ${mode} ${(await measure(mode, kind, round)).toFixed(0)}/s`);
      }
      say(`round ${round}/${rounds}: ${line.join(', ')}`);
    }

    // The "on" server really encrypted and audited: check, so the figures mean what they say.
    const logLines = fs.existsSync(auditLog) ? fs.readFileSync(auditLog, 'utf8').split('\n').filter(Boolean).length : 0;
    if (logLines < rounds * count * 2) throw new Error(`the audit log has ${logLines} lines, expected at least ${rounds * count * 2}`);

    const rows: ResultRow[] = [];
    for (const kind of ['configmaps', 'secrets'] as const) {
      const on = median(rates.on[kind]);
      const off = median(rates.off[kind]);
      rows.push({
        metric: `${kind} creates/s (${clients} clients)`,
        unit: '/s',
        orch: on,
        baseline: off,
        target: 0.8 * off,
        direction: 'higher',
        note: `median of ${rounds} rounds of ${count}; on ${rates.on[kind].map((r) => r.toFixed(0)).join(', ')}; off ${rates.off[kind].map((r) => r.toFixed(0)).join(', ')}`,
      });
    }
    for (const kind of ['configmaps', 'secrets'] as const) {
      const on = median(cpu.on[kind]);
      const off = median(cpu.off[kind]);
      rows.push({
        metric: `apiserver CPU per ${kind === 'configmaps' ? 'ConfigMap' : 'Secret'} create`,
        unit: 'ms',
        orch: on,
        baseline: off,
        target: off / 0.8,
        direction: 'lower',
        note: `utime+stime of the apiserver process / creates; on ${cpu.on[kind].map((r) => r.toFixed(2)).join(', ')}; off ${cpu.off[kind].map((r) => r.toFixed(2)).join(', ')}`,
      });
    }
    say('');
    say(renderTable(`secure-writes: encryption + audit${rbac ? ' (+ RBAC when available)' : ''} on (orch) vs off (baseline); target on ≥ 0.8 × off`, rows));
    say(`audit log: ${logLines} lines written by the "on" server`);
    const failed = rows.filter((r) => verdict(r) === 'FAIL');
    return args.includes('--strict') && failed.length > 0 ? 1 : 0;
  },
};
