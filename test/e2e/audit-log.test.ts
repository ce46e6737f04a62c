// The audit log of a real apiserver over a real etcd: audit.k8s.io/v1 Event lines with the
// levels the policy selects (request and response bodies at RequestResponse), Secrets at
// Metadata even under a RequestResponse rule (their values never in the file), a watch
// audited once when it starts, refused requests (401, 403) audited with the decision, and
// the file rotated by size.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Authorizer } from '../../apiserver/authorization/types.js';
import { parseAuditPolicy } from '../../apiserver/audit/policy.js';
import { AuditWriter } from '../../apiserver/audit/writer.js';
import { silentLogger } from '../../foundation/logger.js';
import { apiRequest, startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';

const POLICY = parseAuditPolicy(`apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    nonResourceURLs: ["/healthz*"]
  - level: RequestResponse
    resources:
      - group: ""
        resources: [secrets, configmaps]
  - level: Request
    resources:
      - group: ""
        resources: [pods]
  - level: Metadata
`);

let etcd: TestEtcd;
let dir: string;

beforeAll(async () => {
  etcd = await startEtcd();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'orch-audit-e2e-'));
});
afterAll(async () => {
  await etcd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function auditedServer(file: string, maxSizeBytes = 0, maxBackups = 0): Promise<{ s: TestApiServer; writer: AuditWriter }> {
  const writer = new AuditWriter({ path: file, maxSizeBytes, maxBackups, maxAgeDays: 0, logger: silentLogger() });
  // The default chain (Node, RBAC): the admin is in system:masters, a node may not list Secrets.
  const s = await startTestApiServer({ etcd, server: { audit: { policy: POLICY, writer } } });
  return { s, writer };
}

function events(file: string): any[] {
  return fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

describe('audit log', () => {
  test('levels, Secrets capped at Metadata, watches once, 401 and 403', async () => {
    const file = path.join(dir, 'audit.log');
    const { s, writer } = await auditedServer(file);
    try {
      const cm = await apiRequest(s, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: 'cm1' }, data: { colour: 'blue' } });
      expect(cm.status).toBe(201);
      const cmAuditId = cm.headers.get('audit-id');
      const sec = await apiRequest(s, 'POST', '/api/v1/namespaces/default/secrets', { metadata: { name: 'db' }, stringData: { password: 'TopSecretPw9' } });
      expect(sec.status).toBe(201);
      expect((await apiRequest(s, 'GET', '/api/v1/namespaces/default/secrets/db')).status).toBe(200);
      expect((await apiRequest(s, 'GET', '/api/v1/namespaces/default/secrets')).status).toBe(200);
      const watch = await fetch(`${s.url}/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1`, { headers: { Authorization: `Bearer ${s.token}`, 'User-Agent': 'audit-test/1.0' } });
      // Changes during the watch are not audited per event.
      await apiRequest(s, 'PUT', '/api/v1/namespaces/default/configmaps/cm1', { ...cm.body, data: { colour: 'red' } });
      await watch.text();
      expect((await apiRequest(s, 'GET', '/api/v1/namespaces', undefined, { token: 'not-a-token' })).status).toBe(401);
      expect((await apiRequest(s, 'GET', '/api/v1/secrets', undefined, { token: s.nodeToken })).status).toBe(403);
      expect((await apiRequest(s, 'GET', '/healthz')).status).toBe(200);
      await writer.flush();

      const all = events(file);
      const text = fs.readFileSync(file, 'utf8');
      expect(text).not.toContain('TopSecretPw9');
      expect(text).not.toContain(Buffer.from('TopSecretPw9').toString('base64'));
      for (const e of all) {
        expect(e.kind).toBe('Event');
        expect(e.apiVersion).toBe('audit.k8s.io/v1');
        expect(e.auditID).toMatch(/^[0-9a-f-]{36}$/);
        expect(typeof e.requestReceivedTimestamp).toBe('string');
        expect(typeof e.stageTimestamp).toBe('string');
        expect(e.sourceIPs).toEqual(['127.0.0.1']);
      }
      // RequestReceived and ResponseComplete per request, sharing the auditID.
      const createCm = all.filter((e) => e.verb === 'create' && e.objectRef?.resource === 'configmaps');
      expect(createCm.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseComplete']);
      expect(createCm[0].auditID).toBe(createCm[1].auditID);
      expect(createCm[0].auditID).toBe(cmAuditId);
      const done = createCm[1];
      expect(done.level).toBe('RequestResponse');
      expect(done.requestURI).toBe('/api/v1/namespaces/default/configmaps');
      expect(done.user.username).toBe('admin');
      expect(done.user.groups).toContain('system:masters');
      expect(done.objectRef).toEqual({ resource: 'configmaps', namespace: 'default', apiVersion: 'v1' });
      expect(done.responseStatus.code).toBe(201);
      // The body as the client sent it (not with the uid and timestamps the server added).
      expect(done.requestObject).toEqual({ metadata: { name: 'cm1' }, data: { colour: 'blue' } });
      expect(done.responseObject.metadata.uid).toBe(cm.body.metadata.uid);
      expect(done.annotations['authorization.k8s.io/decision']).toBe('allow');

      // Secrets: Metadata whatever the rule says, for every verb.
      const secretLines = all.filter((e) => e.objectRef?.resource === 'secrets' && e.user.username === 'admin');
      expect(secretLines.map((e) => `${e.verb} ${e.stage}`)).toEqual([
        'create RequestReceived', 'create ResponseComplete', 'get RequestReceived', 'get ResponseComplete', 'list RequestReceived', 'list ResponseComplete',
      ]);
      for (const e of secretLines) {
        expect(e.level).toBe('Metadata');
        expect(e.requestObject).toBeUndefined();
        expect(e.responseObject).toBeUndefined();
      }

      // The watch: audited when it started, once; no line per event, none at its end.
      const watches = all.filter((e) => e.verb === 'watch');
      expect(watches.map((e) => e.stage)).toEqual(['RequestReceived', 'ResponseStarted']);
      expect(watches[1].userAgent).toBe('audit-test/1.0');
      expect(watches[1].responseStatus.code).toBe(200);
      expect(all.filter((e) => e.verb === 'update')).toHaveLength(2);

      // 401: anonymous, ResponseComplete only.
      const unauth = all.filter((e) => e.responseStatus?.code === 401);
      expect(unauth).toHaveLength(1);
      expect(unauth[0].user).toEqual({ username: 'system:anonymous', groups: ['system:unauthenticated'] });
      expect(unauth[0].stage).toBe('ResponseComplete');
      // 403: the decision and its reason.
      const denied = all.filter((e) => e.responseStatus?.code === 403);
      expect(denied).toHaveLength(1);
      expect(denied[0].user.username).toBe('system:node:node-1');
      expect(denied[0].annotations['authorization.k8s.io/decision']).toBe('forbid');
      expect(denied[0].annotations['authorization.k8s.io/reason']).toMatch(/secrets/);
      expect(denied[0].responseStatus.reason).toBe('Forbidden');
      // /healthz: level None.
      expect(all.some((e) => e.requestURI === '/healthz')).toBe(false);
      // Counted in the metrics: every line written, none lost.
      const metrics = (await apiRequest(s, 'GET', '/metrics')).body as string;
      expect(Number(/^apiserver_audit_event_total (\d+)/m.exec(metrics)?.[1])).toBe(all.length);
      expect(metrics).toMatch(/^apiserver_audit_error_total 0$/m);
    } finally {
      await s.stop();
    }
  });

  test('rotation by size keeps numbered backups', async () => {
    const file = path.join(dir, 'rotating', 'audit.log');
    const { s, writer } = await auditedServer(file, 8 * 1024, 3);
    try {
      for (let i = 0; i < 40; i++) {
        expect((await apiRequest(s, 'POST', '/api/v1/namespaces/default/configmaps', { metadata: { name: `c${i}` }, data: { v: 'x'.repeat(200) } })).status).toBe(201);
      }
      await writer.flush();
      const files = fs.readdirSync(path.dirname(file)).sort();
      expect(files).toEqual(['audit.log', 'audit.log.1', 'audit.log.2', 'audit.log.3']);
      for (const f of files) expect(fs.statSync(path.join(path.dirname(file), f)).size).toBeLessThanOrEqual(8 * 1024);
      // The newest create is in audit.log.
      expect(events(file).some((e) => e.objectRef?.name === undefined && e.requestObject?.metadata?.name === 'c39')).toBe(true);
    } finally {
      await s.stop();
    }
  });
});
