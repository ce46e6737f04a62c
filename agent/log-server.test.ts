import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../foundation/logger.js';
import { LogServer } from './log-server.js';
import { DockerDemux } from './runtime/demux.js';
import { FakeRuntime } from './testing/fake-runtime.js';
import { parseLabels } from './flags.js';
import { tokenAuthenticator } from '../foundation/token-auth.js';

/** Tokens the log endpoint accepts (what --log-server-token-file holds). */
const accepted = (...tokens: string[]) => tokenAuthenticator(tokens.map((token, i) => ({ token, user: `reader-${i}`, uid: '', groups: [] })));

function frame(stream: number, text: string): Buffer {
  const payload = Buffer.from(text);
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

describe('demux', () => {
  it('strips Docker frame headers, also across chunk boundaries', async () => {
    const all = Buffer.concat([frame(1, 'out1\n'), frame(2, 'err1\n'), frame(1, 'out2\n')]);
    const d = new DockerDemux();
    const chunks: Buffer[] = [];
    d.on('data', (c: Buffer) => chunks.push(c));
    for (let i = 0; i < all.length; i += 3) d.write(all.subarray(i, i + 3));
    d.end();
    await new Promise((r) => d.on('end', r));
    expect(Buffer.concat(chunks).toString()).toBe('out1\nerr1\nout2\n');
  });
});

describe('flags', () => {
  it('parses labels', () => {
    expect(parseLabels('a=b, zone=eu-1')).toEqual({ a: 'b', zone: 'eu-1' });
    expect(() => parseLabels('novalue')).toThrow(/key=value/);
  });
});

describe('LogServer', () => {
  let srv: LogServer | undefined;
  afterEach(async () => srv?.stop());

  it('serves only /containerLogs with a valid token; 404 for unknown; previous attempt', async () => {
    const rt = new FakeRuntime();
    rt.addImage('i');
    const labels = (attempt: number) => ({ 'orch.io/node': 'n1', 'orch.io/namespace': 'd', 'orch.io/pod': 'p', 'orch.io/container': 'c', 'orch.io/pod-uid': 'u', 'orch.io/attempt': String(attempt) });
    const base = { image: 'i', env: [], ports: [], binds: [], networkMode: 'bridge' };
    const old = await rt.create({ ...base, name: 'a0', labels: labels(0) });
    const cur = await rt.create({ ...base, name: 'a1', labels: labels(1) });
    rt.containers.get(old)!.logText = 'old1\nold2\n';
    rt.exit(old, 1); // previous = a finished attempt
    await rt.start(cur);
    rt.containers.get(cur)!.logText = 'l1\nl2\nl3\n';
    const other = await rt.create({ ...base, name: 'x', labels: { ...labels(5), 'orch.io/node': 'n2' } });
    rt.containers.get(other)!.logText = 'other node\n';
    srv = new LogServer({ runtime: rt, nodeName: 'n1', logger: silentLogger(), port: 0, host: '127.0.0.1', tokens: accepted('good'), insecure: true });
    await srv.start();
    const url = (p: string) => `http://127.0.0.1:${srv!.port}${p}`;
    const auth = { headers: { authorization: 'Bearer good' } };
    expect((await fetch(url('/containerLogs/d/p/c'))).status).toBe(401);
    expect((await fetch(url('/containerLogs/d/p/c'), { headers: { authorization: 'Bearer bad' } })).status).toBe(401);
    const ok = await fetch(url('/containerLogs/d/p/c'), auth);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await ok.text()).toBe('l1\nl2\nl3\n');
    expect(await (await fetch(url('/containerLogs/d/p/c?tailLines=1'), auth)).text()).toBe('l3\n');
    expect(await (await fetch(url('/containerLogs/d/p/c?previous=true'), auth)).text()).toBe('old1\nold2\n');
    expect((await fetch(url('/containerLogs/d/p/nope'), auth)).status).toBe(404);
    expect((await fetch(url('/containers/json'), auth)).status).toBe(404);
    expect((await fetch(url('/containerLogs/d/p/c?tailLines=-1'), auth)).status).toBe(422);
  });

  it('answers errors as Status objects; takes the bearer scheme in any case; limitBytes', async () => {
    const rt = new FakeRuntime();
    rt.addImage('i');
    const id = await rt.create({ image: 'i', env: [], ports: [], binds: [], networkMode: 'bridge', name: 'a', labels: { 'orch.io/node': 'n1', 'orch.io/namespace': 'd', 'orch.io/pod': 'p', 'orch.io/container': 'c', 'orch.io/pod-uid': 'u', 'orch.io/attempt': '0' } });
    await rt.start(id);
    rt.containers.get(id)!.logText = 'hello\nworld\n';
    srv = new LogServer({ runtime: rt, nodeName: 'n1', logger: silentLogger(), port: 0, host: '127.0.0.1', tokens: accepted('good'), insecure: true });
    await srv.start();
    const get = (p: string, scheme = 'Bearer') => fetch(`http://127.0.0.1:${srv!.port}${p}`, { headers: { authorization: `${scheme} good` } });
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) expect(await (await get('/containerLogs/d/p/c', scheme)).text()).toBe('hello\nworld\n');
    expect(await (await get('/containerLogs/d/p/c?limitBytes=7')).text()).toBe('hello\nw');
    const cases: [string, number, string][] = [
      ['/containerLogs/d/%zz/c', 400, 'BadRequest'],
      ['/containerLogs/d/p/c?sinceSeconds=99999999999999999999', 400, 'BadRequest'],
      ['/containerLogs/d/p/c?tailLines=x', 400, 'BadRequest'],
      ['/containerLogs/d/p/c?sinceTime=yesterday', 400, 'BadRequest'],
      ['/containerLogs/d/p/c?limitBytes=0', 422, 'Invalid'],
      ['/containerLogs/d/p/c?sinceSeconds=0', 422, 'Invalid'],
      ['/containerLogs/d/p/c?sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z', 422, 'Invalid'],
      ['/containerLogs/d/p/nope', 404, 'NotFound'],
      ['/other', 404, 'NotFound'],
    ];
    for (const [path, code, reason] of cases) {
      const r = await get(path);
      expect([path, r.status, r.headers.get('content-type')]).toEqual([path, code, 'application/json']);
      expect(await r.json()).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason });
    }
    const unauth = await get('/containerLogs/d/p/c', 'Basic');
    expect([unauth.status, ((await unauth.json()) as { reason: string }).reason]).toEqual([401, 'Unauthorized']);
    const post = await fetch(`http://127.0.0.1:${srv.port}/containerLogs/d/p/c`, { method: 'POST', headers: { authorization: 'Bearer good' } });
    expect([post.status, ((await post.json()) as { reason: string }).reason]).toEqual([405, 'MethodNotAllowed']);
  });

  it("accepts the apiserver's client certificate from the cluster CA, and no other certificate", async () => {
    const { generateAgentServingCert, generateCA, generateClientCert } = await import('../foundation/pki.js');
    const https = await import('node:https');
    const ca = generateCA({ commonName: 'ca', validDays: 1 });
    const serving = generateAgentServingCert(ca, { nodeName: 'n1', ipAddresses: ['127.0.0.1'] });
    srv = new LogServer({ runtime: new FakeRuntime(), nodeName: 'n1', logger: silentLogger(), port: 0, host: '127.0.0.1', clientCA: ca.certPem, cert: serving.certPem, key: serving.keyPem });
    await srv.start();
    const codeWith = (client?: { certPem: string; keyPem: string }) =>
      new Promise<number>((resolve, reject) => {
        https
          .get({ host: '127.0.0.1', port: srv!.port, path: '/containerLogs/a/b/c', ca: ca.certPem, servername: 'n1', cert: client?.certPem, key: client?.keyPem }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject);
      });
    // 404: authenticated, and there is no such container.
    expect(await codeWith(generateClientCert(ca, { commonName: 'orch:apiserver-kubelet-client' }))).toBe(404);
    expect(await codeWith()).toBe(401);
    expect(await codeWith(generateClientCert(ca, { commonName: 'admin' }))).toBe(401);
    expect(await codeWith(generateClientCert(generateCA({ commonName: 'other', validDays: 1 }), { commonName: 'orch:apiserver-kubelet-client' }))).toBe(401);
    // Another node's serving certificate is no client certificate.
    expect(await codeWith(generateAgentServingCert(ca, { nodeName: 'n2' }))).toBe(401);
  });

  it('never picks a container being removed or dead: newest running, previous = newest exited before it; 404 otherwise', async () => {
    const rt = new FakeRuntime();
    rt.addImage('i');
    const labels = (c: string, attempt: number) => ({ 'orch.io/node': 'n1', 'orch.io/namespace': 'd', 'orch.io/pod': 'p', 'orch.io/container': c, 'orch.io/pod-uid': 'u', 'orch.io/attempt': String(attempt) });
    const base = { image: 'i', env: [], ports: [], binds: [], networkMode: 'bridge' };
    const mk = async (c: string, attempt: number, state: 'running' | 'exited' | 'removing' | 'dead', text: string) => {
      const id = await rt.create({ ...base, name: `${c}${attempt}`, labels: labels(c, attempt) });
      rt.containers.get(id)!.state = state;
      rt.containers.get(id)!.logText = text;
      return id;
    };
    await mk('c', 0, 'exited', 'attempt0\n');
    await mk('c', 1, 'running', 'attempt1\n');
    await mk('c', 2, 'removing', 'attempt2\n');
    await mk('c', 3, 'dead', 'attempt3\n');
    await mk('gone', 0, 'removing', 'x\n');
    srv = new LogServer({ runtime: rt, nodeName: 'n1', logger: silentLogger(), port: 0, host: '127.0.0.1', tokens: accepted('good'), insecure: true });
    await srv.start();
    const get = (p: string) => fetch(`http://127.0.0.1:${srv!.port}${p}`, { headers: { authorization: 'Bearer good' } });
    const cur = await get('/containerLogs/d/p/c');
    expect(cur.status).toBe(200);
    expect(await cur.text()).toBe('attempt1\n');
    expect(await (await get('/containerLogs/d/p/c?previous=true')).text()).toBe('attempt0\n');
    const gone = await get('/containerLogs/d/p/gone');
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { message: string }).message).toBe('container "gone" in pod "p" not found on this node');
    const noPrevious = await get('/containerLogs/d/p/gone?previous=true');
    expect(noPrevious.status).toBe(400);
    expect(((await noPrevious.json()) as { message: string }).message).toBe('previous terminated container "gone" in pod "p" not found');
  });

  it('serves HTTPS with a self-signed certificate by default', async () => {
    const rt = new FakeRuntime();
    srv = new LogServer({ runtime: rt, nodeName: 'n1', logger: silentLogger(), port: 0, host: '127.0.0.1', tokens: accepted('t') });
    await srv.start();
    const https = await import('node:https');
    const code = await new Promise<number>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: srv!.port, path: '/containerLogs/a/b/c', rejectUnauthorized: false, headers: { authorization: 'Bearer t' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    expect(code).toBe(404);
  });
});
