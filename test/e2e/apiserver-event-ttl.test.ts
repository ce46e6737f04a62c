// `orch apiserver --event-ttl`: Events expire through an etcd lease (Kubernetes keeps
// them 1 h by default); watchers see each expiry as DELETED, other kinds stay.

import { afterAll, beforeAll, expect, test } from 'vitest';
import { startApiserver, type RunningApiserver } from '../../apiserver/command.js';
import { startEtcd, type TestEtcd } from '../helpers/etcd.js';
import { eventually } from '../helpers/eventually.js';

let etcd: TestEtcd;
let api: RunningApiserver;

beforeAll(async () => {
  etcd = await startEtcd();
  api = await startApiserver({
    etcdServers: etcd.endpoint,
    bindAddress: '127.0.0.1',
    port: '0',
    insecureHttp: true,
    logLevel: 'silent',
    watchMaxSeconds: '1800',
    etcdPrefix: '/event-ttl',
    eventTtl: '3s',
  });
});

afterAll(async () => {
  await api?.stop();
  await etcd?.stop();
});

const EVENTS = '/api/v1/namespaces/default/events';

function event(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name },
    involvedObject: { kind: 'Pod', namespace: 'default', name: 'web' },
    reason: 'Started',
    message: `started ${name}`,
    type: 'Normal',
    count: 1,
  };
}

async function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${api.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
}

test('events disappear after --event-ttl and the watch says DELETED; a ConfigMap stays', async () => {
  const list = (await (await fetch(`${api.url}${EVENTS}`)).json()) as { metadata: { resourceVersion: string } };
  const ac = new AbortController();
  const res = await fetch(`${api.url}${EVENTS}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, { signal: ac.signal });
  let text = '';
  const reading = (async () => {
    const dec = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) text += dec.decode(chunk, { stream: true });
    } catch {
      /* aborted */
    }
  })();
  try {
    for (const name of ['one', 'two']) expect((await post(EVENTS, event(name))).status).toBe(201);
    expect((await post('/api/v1/namespaces/default/configmaps', { metadata: { name: 'stays' } })).status).toBe(201);
    const deleted = () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((e) => e.type === 'DELETED');
    await eventually('DELETED events for both Events', () => deleted().length >= 2, 20_000);
    expect(deleted().map((e) => e.object.metadata.name).sort()).toEqual(['one', 'two']);
    expect(deleted()[0].object.kind).toBe('Event');
    expect((await fetch(`${api.url}${EVENTS}/one`)).status).toBe(404);
    expect((await fetch(`${api.url}/api/v1/namespaces/default/configmaps/stays`)).status).toBe(200);
  } finally {
    ac.abort();
    await reading;
  }
});
