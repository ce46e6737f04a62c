// `npm run bench -- webhooks`: what one validating admission webhook adds to a create.
// One apiserver process (the real CLI) over a throw-away etcd; a local HTTPS webhook in
// this process (certificate from a fresh CA made with foundation/pki.ts, given as
// caBundle) that allows at once. Rounds alternate "with the webhook configured" and
// "without" (the configuration deleted: no webhook, the request path is the plain one),
// the order flipping every round; each round creates --count ConfigMaps one after another
// (one client, so the figure is latency, not throughput) in a fresh namespace. Printed:
// p50/p99 create latency with (orch) and without (baseline) the webhook over all rounds,
// the added p50, and the load average.
// Options: --rounds N (4), --count N (300), --keep.

import https from 'node:https';
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { generateCA, generateServerCert } from '../foundation/pki.js';
import { startAdminApiserver } from './lib/admin-apiserver.js';
import { startEtcd } from './lib/etcd.js';
import { percentile } from './lib/stats.js';
import { renderTable, type ResultRow } from './lib/table.js';
import type { Bench, BenchContext } from './lib/types.js';
import { intOption } from './lib/options.js';

async function startWebhook(): Promise<{ url: string; caBundle: string; calls: () => number; stop: () => Promise<void> }> {
  const ca = generateCA({ commonName: 'bench-webhook-ca', validDays: 1 });
  const cert = generateServerCert(ca, { commonName: 'bench-webhook', validDays: 1 });
  let calls = 0;
  const server = https.createServer({ key: cert.keyPem, cert: cert.certPem, keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      calls++;
      const uid = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { request: { uid: string } }).request.uid;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid, allowed: true } }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}/validate`,
    caBundle: Buffer.from(ca.certPem).toString('base64'),
    calls: () => calls,
    stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

export const bench: Bench = {
  description: 'p50/p99 ConfigMap create latency with one validating webhook (local HTTPS, allows at once) vs none, alternating rounds',
  async run(ctx: BenchContext): Promise<number> {
    const { args, say } = ctx;
    const rounds = intOption(args, '--rounds', 4);
    const count = intOption(args, '--count', 300);
    if (args.includes('--keep')) ctx.keepWorkDir();

    const etcd = await startEtcd();
    ctx.cleanup.add('etcd', () => etcd.stop());
    const hook = await startWebhook();
    ctx.cleanup.add('webhook', () => hook.stop());
    const { api, http } = await startAdminApiserver(ctx, etcd.endpoint, 1);
    say(`apiserver: ${api.url} (pid ${api.pid}); webhook: ${hook.url}`);

    const VWC = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
    const config = JSON.stringify({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'bench' },
      webhooks: [
        {
          name: 'bench.webhooks.example',
          clientConfig: { url: hook.url, caBundle: hook.caBundle },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }],
          sideEffects: 'None',
          admissionReviewVersions: ['v1'],
          failurePolicy: 'Fail',
        },
      ],
    });
    const samples = { with: [] as number[], without: [] as number[] };
    const measure = async (mode: 'with' | 'without', round: number, keep: boolean) => {
      if (mode === 'with') await http.expect('POST', VWC, [201], config);
      else await http.expect('DELETE', `${VWC}/bench`, [200, 404]);
      const ns = `bench-${mode}-${round}`;
      await http.expect('POST', '/api/v1/namespaces', [201], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }));
      const callsBefore = hook.calls();
      const times: number[] = [];
      for (let i = 0; i < count; i++) {
        const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `c-${i}` }, data: { a: 'b' } });
        const t0 = process.hrtime.bigint();
        await http.expect('POST', `/api/v1/namespaces/${ns}/configmaps`, [201], body);
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
      const called = hook.calls() - callsBefore;
      // The webhook really ran once per create with it, never without.
      if (called !== (mode === 'with' ? count : 0)) throw new Error(`round ${round} ${mode}: the webhook was called ${called} times for ${count} creates`);
      if (mode === 'with') await http.expect('DELETE', `${VWC}/bench`, [200]);
      if (keep) samples[mode].push(...times);
      return percentile(times, 50);
    };
    // Warm-up (JIT, connections, the webhook's TLS session), not counted.
    await measure('with', 0, false);
    await measure('without', 0, false);
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? (['with', 'without'] as const) : (['without', 'with'] as const);
      const line: string[] = [];
      for (const mode of order) line.push(`${mode} webhook p50 ${(await measure(mode, round, true)).toFixed(2)} ms`);
      say(`round ${round}/${rounds}: ${line.join(', ')}`);
    }
    const p = (mode: 'with' | 'without', q: number) => percentile(samples[mode], q);
    const rows: ResultRow[] = [
      { metric: 'create p50', unit: 'ms', orch: p('with', 50), baseline: p('without', 50), direction: 'lower', note: `${rounds} rounds × ${count} sequential creates per mode` },
      { metric: 'create p99', unit: 'ms', orch: p('with', 99), baseline: p('without', 99), direction: 'lower' },
    ];
    say('');
    say(renderTable('webhooks: ConfigMap create with one validating webhook (orch) vs without (baseline)', rows));
    say(`added p50 per create (one webhook call): ${(p('with', 50) - p('without', 50)).toFixed(2)} ms`);
    say(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    return 0;
  },
};
