// x509 client certificates and bootstrap tokens against a real apiserver over HTTPS with
// --client-ca-file (apiserver/authentication/): who a request is, as the API reports it
// (a 403 names the user), and 401 for certificates and tokens that must not authenticate.

import https from 'node:https';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { bootstrapTokenSecret } from '../../api/bootstrap-token.js';
import { generateCA, generateClientCert } from '../../foundation/pki.js';
import { startTestApiServer, type TestApiServer } from '../helpers/apiserver.js';
import { eventually } from '../helpers/eventually.js';
import type { Authorizer } from '../../apiserver/authorization/types.js';

// Admins may do anything; everyone else is refused, so a 403's message names the user.
const mastersOnly: Authorizer = {
  name: 'test',
  authorize: (u) => (u.groups.includes('system:masters') ? { allowed: true } : { allowed: false, reason: `groups=${u.groups.join('|')}` }),
  authorizeNonResource: (u) => (u.groups.includes('system:masters') ? { allowed: true } : { allowed: false, reason: 'no' }),
};

let api: TestApiServer;

function get(path: string, opts: { cert?: string; key?: string; token?: string; method?: string; body?: unknown }): Promise<{ status: number; body: any }> {
  const u = new URL(api.url + path);
  const headers: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {};
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = https.request(
      { hostname: u.hostname, port: u.port, path: u.pathname, method: opts.method ?? 'GET', ca: api.ca, cert: opts.cert, key: opts.key, headers, agent: false },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }));
      },
    );
    req.on('error', reject);
    req.end(opts.body === undefined ? undefined : JSON.stringify(opts.body));
  });
}

beforeAll(async () => {
  api = await startTestApiServer({ tls: true, clientCA: true, server: { authorizers: [mastersOnly] } });
});
afterAll(async () => api?.stop());

describe('x509 client certificates', () => {
  test('a certificate signed by the client CA authenticates as CN, groups O', async () => {
    const c = generateClientCert({ certPem: api.ca!, keyPem: api.caKey! }, { commonName: 'system:node:n1', organization: 'system:nodes' });
    const r = await get('/api/v1/namespaces/default/secrets', { cert: c.certPem, key: c.keyPem });
    expect(r.status).toBe(403);
    expect(r.body.message).toContain('User "system:node:n1"');
    expect(r.body.message).toContain('groups=system:nodes');
    const admin = generateClientCert({ certPem: api.ca!, keyPem: api.caKey! }, { commonName: 'alice', organization: 'system:masters' });
    expect((await get('/api/v1/namespaces/default/secrets', { cert: admin.certPem, key: admin.keyPem })).status).toBe(200);
  });

  test('a certificate from another CA is a 401, and a token still works beside it', async () => {
    const other = generateCA({ commonName: 'other', validDays: 1 });
    const c = generateClientCert(other, { commonName: 'alice', organization: 'system:masters' });
    expect((await get('/api/v1/namespaces', { cert: c.certPem, key: c.keyPem })).status).toBe(401);
    expect((await get('/api/v1/namespaces', { cert: c.certPem, key: c.keyPem, token: api.token })).status).toBe(200);
  });

  test('an expired certificate is a 401', async () => {
    // Backdated 5 minutes and valid for one: expired four minutes ago.
    const c = generateClientCert({ certPem: api.ca!, keyPem: api.caKey! }, { commonName: 'alice', organization: 'system:masters', validDays: 1 / 1440 });
    expect((await get('/api/v1/namespaces', { cert: c.certPem, key: c.keyPem })).status).toBe(401);
  });

  test('no certificate and no token is a 401', async () => {
    expect((await get('/api/v1/namespaces', {})).status).toBe(401);
  });
});

describe('x509 on the Upgrade path (exec, attach, port-forward)', () => {
  const upgrade = (opts: { cert?: string; key?: string }) =>
    new Promise<number>((resolve, reject) => {
      const u = new URL(api.url);
      const req = https.request({
        hostname: u.hostname,
        port: u.port,
        path: '/api/v1/namespaces/default/pods/nope/exec?command=sh&stdout=true',
        method: 'GET',
        ca: api.ca,
        cert: opts.cert,
        key: opts.key,
        agent: false,
        headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('upgrade', (res, socket) => {
        socket.destroy();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });

  test('a good certificate authenticates (the pod is then looked up: 404); another CA is a 401', async () => {
    const admin = generateClientCert({ certPem: api.ca!, keyPem: api.caKey! }, { commonName: 'alice', organization: 'system:masters' });
    expect(await upgrade({ cert: admin.certPem, key: admin.keyPem })).toBe(404);
    const other = generateClientCert(generateCA({ commonName: 'other', validDays: 1 }), { commonName: 'alice', organization: 'system:masters' });
    expect(await upgrade({ cert: other.certPem, key: other.keyPem })).toBe(401);
    expect(await upgrade({})).toBe(401);
  });
});

describe('bootstrap tokens', () => {
  const secretPath = '/api/v1/namespaces/kube-system/secrets';
  const create = (id: string, secret: string, more: { expiration?: string; extraGroups?: string[]; auth?: boolean } = {}) =>
    get(secretPath, {
      token: api.token,
      method: 'POST',
      body: bootstrapTokenSecret({ tokenId: id, tokenSecret: secret, expiration: more.expiration, usageAuthentication: more.auth ?? true, usageSigning: false, extraGroups: more.extraGroups ?? [] }),
    });
  const whoAmI = async (token: string) => {
    const r = await get('/api/v1/namespaces/default/pods', { token });
    return r.status === 403 ? (r.body.message as string) : r.status;
  };

  test('a valid token authenticates as system:bootstrap:<id> in system:bootstrappers (+ extra groups)', async () => {
    expect((await create('abcdef', '0123456789abcdef', { extraGroups: ['system:bootstrappers:workers'] })).status).toBe(201);
    const msg = await eventually('token known', async () => {
      const m = await whoAmI('abcdef.0123456789abcdef');
      return typeof m === 'string' ? m : undefined;
    });
    expect(msg).toContain('User "system:bootstrap:abcdef"');
    expect(msg).toContain('groups=system:bootstrappers|system:bootstrappers:workers');
  });

  test('a wrong secret, an unknown id or a malformed token is a 401', async () => {
    expect((await create('wrongs', 'aaaaaaaaaaaaaaaa')).status).toBe(201);
    await eventually('token known', async () => typeof (await whoAmI('wrongs.aaaaaaaaaaaaaaaa')) === 'string');
    expect(await whoAmI('wrongs.aaaaaaaaaaaaaaab')).toBe(401);
    expect(await whoAmI('zzzzzz.aaaaaaaaaaaaaaaa')).toBe(401);
    expect(await whoAmI('wrongs.aaaaaaaaaaaaaaaaa')).toBe(401);
  });

  test('an expired token, or one without usage-bootstrap-authentication, is a 401', async () => {
    expect((await create('expird', 'bbbbbbbbbbbbbbbb', { expiration: new Date(Date.now() - 1000).toISOString() })).status).toBe(201);
    expect((await create('nouse1', 'cccccccccccccccc', { auth: false })).status).toBe(201);
    expect((await create('fresh1', 'dddddddddddddddd', { expiration: new Date(Date.now() + 3_600_000).toISOString() })).status).toBe(201);
    // Once the later one authenticates, the cache has seen all three.
    await eventually('fresh token known', async () => typeof (await whoAmI('fresh1.dddddddddddddddd')) === 'string');
    expect(await whoAmI('expird.bbbbbbbbbbbbbbbb')).toBe(401);
    expect(await whoAmI('nouse1.cccccccccccccccc')).toBe(401);
  });

  test('a deleted token stops authenticating', async () => {
    expect((await create('delme1', 'eeeeeeeeeeeeeeee')).status).toBe(201);
    await eventually('token known', async () => typeof (await whoAmI('delme1.eeeeeeeeeeeeeeee')) === 'string');
    expect((await get(`${secretPath}/bootstrap-token-delme1`, { token: api.token, method: 'DELETE' })).status).toBe(200);
    await eventually('token refused', async () => (await whoAmI('delme1.eeeeeeeeeeeeeeee')) === 401);
  });
});
