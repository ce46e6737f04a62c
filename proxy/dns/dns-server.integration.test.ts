// The DNS component on real UDP and TCP sockets on 127.0.0.1 (a free high port), asked
// with dns-packet as a resolver would, forwarding to a fake upstream on another port.

import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import * as dnsPacket from 'dns-packet';
import type { Answer } from 'dns-packet';
import type { EndpointSlice, Node, Service } from '../../api/types.js';
import { silentLogger } from '../../foundation/logger.js';
import { processRegistry } from '../../foundation/metrics.js';
import type { ComponentContext } from '../../foundation/component.js';
import { createDnsComponent, type DnsComponent, type DnsComponentOptions } from './dns-component.js';
import { ask, freePort, rcodeOf, udpExchange, queryPacket } from './testing/dns-client.js';
import { FakeUpstream } from './testing/fake-upstream.js';
import { endpoint, endpointSlice, ManualSource, service } from './testing/objects.js';

const HOST = '127.0.0.1';
const ctx: ComponentContext = { logger: silentLogger(), signal: new AbortController().signal, fail: () => undefined };
const started: { stop(): Promise<void> }[] = [];

afterEach(async () => {
  for (const s of started.splice(0).reverse()) await s.stop();
});

async function waitReady(c: DnsComponent): Promise<void> {
  for (let i = 0; i < 200 && (await c.ready!()) !== undefined; i++) await new Promise((r) => setTimeout(r, 25));
  expect(await c.ready!()).toBeUndefined();
}

async function setup(extra: Partial<DnsComponentOptions> = {}, upstreamRecords: Record<string, Answer[]> = {}) {
  const services = new ManualSource<Service>();
  const slices = new ManualSource<EndpointSlice>();
  const upstream = new FakeUpstream(upstreamRecords);
  const upstreamPort = await freePort();
  await upstream.start(upstreamPort);
  started.push(upstream);
  const port = await freePort();
  const registry = processRegistry({ defaultMetrics: false });
  const dns = createDnsComponent({ services, endpointSlices: slices, listenAddresses: [HOST], port, upstreams: [{ host: HOST, port: upstreamPort }], logger: silentLogger(), metrics: registry, ...extra });
  await dns.start(ctx);
  started.push(dns);
  await waitReady(dns);
  return { services, slices, upstream, port, registry, dns };
}

const rdata = (answers: Answer[] | undefined, type?: string) => (answers ?? []).filter((a) => !type || a.type === type).map((a) => (a as { data: unknown }).data);

describe('cluster DNS over UDP and TCP', () => {
  it('A, AAAA, SRV and the authoritative flag for a ClusterIP service', async () => {
    const { services, port } = await setup();
    services.set(service('default', 'web', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10', 'fd00:96::a'], ports: [{ name: 'http', port: 80 }] }));
    const a = await ask(HOST, port, 'web.default.svc.cluster.local', 'A');
    expect(rcodeOf(a)).toBe('NOERROR');
    expect(a.flag_aa).toBe(true);
    expect(a.answers).toMatchObject([{ type: 'A', name: 'web.default.svc.cluster.local', ttl: 5, data: '10.96.0.10' }]);
    expect(rdata((await ask(HOST, port, 'web.default.svc.cluster.local', 'AAAA', { tcp: true })).answers)).toEqual(['fd00:96::a']);
    const srv = await ask(HOST, port, '_http._tcp.web.default.svc.cluster.local', 'SRV');
    expect(rdata(srv.answers)).toEqual([{ priority: 0, weight: 100, port: 80, target: 'web.default.svc.cluster.local' }]);
    expect(rdata(srv.additionals, 'A')).toEqual(['10.96.0.10']);
  });

  it('NXDOMAIN and NODATA carry the SOA in authority; a change is answered at once', async () => {
    const { services, port } = await setup();
    const nx = await ask(HOST, port, 'nope.default.svc.cluster.local', 'A');
    expect(rcodeOf(nx)).toBe('NXDOMAIN');
    expect(nx.authorities?.map((r) => r.type)).toEqual(['SOA']);
    services.set(service('default', 'web', { clusterIP: '10.96.0.10' }));
    const nodata = await ask(HOST, port, 'web.default.svc.cluster.local', 'AAAA');
    expect(rcodeOf(nodata)).toBe('NOERROR');
    expect(nodata.answers).toEqual([]);
    expect(nodata.authorities?.map((r) => r.type)).toEqual(['SOA']);
    expect(rdata((await ask(HOST, port, 'web.default.svc.cluster.local', 'A')).answers)).toEqual(['10.96.0.10']);
    // The same question again after a change: never the earlier (cached) answer.
    services.set(service('default', 'web', { clusterIP: '10.96.0.99' }));
    expect(rdata((await ask(HOST, port, 'web.default.svc.cluster.local', 'A')).answers)).toEqual(['10.96.0.99']);
  });

  it('headless: ready endpoint addresses and hostnames; pod records', async () => {
    const { services, slices, port } = await setup();
    services.set(service('db', 'pg', { clusterIP: 'None' }));
    slices.set(endpointSlice('db', 'pg', 'pg-1', [endpoint('10.244.1.5', true, 'pg-0'), endpoint('10.244.1.6', false)]));
    expect(rdata((await ask(HOST, port, 'pg.db.svc.cluster.local', 'A')).answers)).toEqual(['10.244.1.5']);
    expect(rdata((await ask(HOST, port, 'pg-0.pg.db.svc.cluster.local', 'A')).answers)).toEqual(['10.244.1.5']);
    expect(rdata((await ask(HOST, port, '10-244-3-4.db.pod.cluster.local', 'A')).answers)).toEqual(['10.244.3.4']);
  });

  it('ExternalName: the CNAME, and the target resolved through the upstream in the same answer', async () => {
    const { services, port, upstream } = await setup({}, { 'www.example.com': [{ name: 'www.example.com', type: 'A', ttl: 60, data: '192.0.2.53' }] });
    services.set(service('default', 'ext', { type: 'ExternalName', externalName: 'www.example.com' }));
    const r = await ask(HOST, port, 'ext.default.svc.cluster.local', 'A');
    expect(r.answers?.map((a) => `${a.name} ${a.type} ${String((a as { data: unknown }).data)}`)).toEqual([
      'ext.default.svc.cluster.local CNAME www.example.com',
      'www.example.com A 192.0.2.53',
    ]);
    expect(upstream.asked).toEqual([{ name: 'www.example.com', type: 'A', transport: 'udp' }]);
  });

  it('names outside the domain are forwarded (UDP over UDP, TCP over TCP), the client id kept; cluster names never are', async () => {
    const { port, upstream } = await setup({}, { 'example.org': [{ name: 'example.org', type: 'A', ttl: 60, data: '192.0.2.1' }] });
    const msg = dnsPacket.encode(queryPacket('example.org', 'A', { id: 4242 }));
    const { packet } = await udpExchange(HOST, port, msg);
    expect(packet.id).toBe(4242);
    expect(rdata(packet.answers)).toEqual(['192.0.2.1']);
    expect(rcodeOf(await ask(HOST, port, 'missing.example.org', 'A', { tcp: true }))).toBe('NXDOMAIN');
    await ask(HOST, port, 'x.default.svc.cluster.local', 'A');
    expect(upstream.asked).toEqual([
      { name: 'example.org', type: 'A', transport: 'udp' },
      { name: 'missing.example.org', type: 'A', transport: 'tcp' },
    ]);
  });

  it('an upstream that is down gives SERVFAIL at once (port unreachable, long before the 30 s timeout)', async () => {
    const closed = await freePort();
    const { port, registry } = await setup({ upstreams: [{ host: HOST, port: closed }], forwardTimeoutMs: 30_000 });
    const r = await ask(HOST, port, 'example.org', 'A', { timeoutMs: 5000 });
    expect(rcodeOf(r)).toBe('SERVFAIL');
    expect(await registry.getSingleMetricAsString('orch_dns_queries_total')).toContain('orch_dns_queries_total{type="A",result="servfail"} 1');
  });

  it('an upstream that swallows queries gives SERVFAIL after the timeout; a resolver that is down is skipped for the next', async () => {
    const good = new FakeUpstream({ 'example.org': [{ name: 'example.org', type: 'A', ttl: 60, data: '192.0.2.1' }] });
    const goodPort = await freePort();
    await good.start(goodPort);
    started.push(good);
    const { port, upstream } = await setup({ forwardTimeoutMs: 300 });
    upstream.silent = true;
    expect(rcodeOf(await ask(HOST, port, 'example.org', 'A'))).toBe('SERVFAIL');
    // With a working second resolver the answer comes from it.
    const two = await setup({ forwardTimeoutMs: 300, upstreams: [{ host: HOST, port: (await freePort()) }, { host: HOST, port: goodPort }] });
    expect(rdata((await ask(HOST, two.port, 'example.org', 'A')).answers)).toEqual(['192.0.2.1']);
  });

  it('truncation: a big answer over UDP is cut to 512 bytes with TC; over TCP or with EDNS it comes whole', async () => {
    const { services, slices, port, registry } = await setup();
    services.set(service('big', 'many', { clusterIP: 'None' }));
    slices.set(endpointSlice('big', 'many', 'm1', Array.from({ length: 60 }, (_, i) => endpoint(`10.244.7.${i + 1}`))));
    const name = 'many.big.svc.cluster.local';
    const udp = await udpExchange(HOST, port, dnsPacket.encode(queryPacket(name, 'A')));
    expect(udp.packet.flag_tc).toBe(true);
    expect(udp.buf.length).toBeLessThanOrEqual(512);
    expect(udp.packet.answers!.length).toBeGreaterThan(0);
    expect(udp.packet.answers!.length).toBeLessThan(60);
    const tcp = await ask(HOST, port, name, 'A', { tcp: true });
    expect(tcp.flag_tc).toBe(false);
    expect(tcp.answers).toHaveLength(60);
    const edns = await udpExchange(HOST, port, dnsPacket.encode(queryPacket(name, 'A', { edns: 4096 })));
    expect(edns.packet.flag_tc).toBe(false);
    expect(edns.packet.answers).toHaveLength(60);
    expect(edns.packet.additionals?.find((a) => a.type === 'OPT')).toBeDefined();
    const small = await udpExchange(HOST, port, dnsPacket.encode(queryPacket(name, 'A', { edns: 700 })));
    expect(small.packet.flag_tc).toBe(true);
    expect(small.buf.length).toBeLessThanOrEqual(700);
    expect(await registry.getSingleMetricAsString('orch_dns_truncated_total')).toContain('orch_dns_truncated_total 2');
  });

  it('garbage gets FORMERR (or nothing when shorter than a header); the server goes on answering', async () => {
    const { services, port } = await setup();
    services.set(service('default', 'web', { clusterIP: '10.96.0.10' }));
    const junk = Buffer.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff]);
    const { packet } = await udpExchange(HOST, port, junk);
    expect(packet.id).toBe(0x1234);
    expect(rcodeOf(packet)).toBe('FORMERR');
    const s = dgram.createSocket('udp4');
    await new Promise<void>((r) => s.send(Buffer.from([1, 2, 3]), port, HOST, () => r()));
    s.close();
    expect(rdata((await ask(HOST, port, 'web.default.svc.cluster.local', 'A')).answers)).toEqual(['10.96.0.10']);
  });
});

describe('cluster DNS listening', () => {
  it('not ready until the caches synced', async () => {
    const services = new ManualSource<Service>();
    services.synced = false;
    const dns = createDnsComponent({ services, endpointSlices: new ManualSource<EndpointSlice>(), listenAddresses: [HOST], port: await freePort(), upstreams: [], logger: silentLogger() });
    await dns.start(ctx);
    started.push(dns);
    expect(await dns.ready!()).toMatch(/not synced/);
    services.synced = true;
    await waitReady(dns);
  });

  it('an address it cannot bind yet is retried until it can; not ready meanwhile', async () => {
    const port = await freePort();
    const squatter = dgram.createSocket('udp4');
    await new Promise<void>((r) => squatter.bind(port, HOST, () => r()));
    const dns = createDnsComponent({ services: new ManualSource<Service>(), endpointSlices: new ManualSource<EndpointSlice>(), listenAddresses: [HOST, '192.0.2.77'], port, upstreams: [], bindRetryMs: 50, logger: silentLogger() });
    await dns.start(ctx);
    started.push(dns);
    await new Promise((r) => setTimeout(r, 200));
    const why = await dns.ready!();
    expect(why).toContain(`cannot listen on ${HOST}:${port} yet`);
    expect(why).toContain('cannot listen on 192.0.2.77');
    expect(why).toContain('the address is not on this host (yet)');
    squatter.close();
    for (let i = 0; i < 100 && !String(await dns.ready!()).startsWith('cannot listen on 192.0.2.77'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(await dns.ready!()).not.toContain(`${HOST}:${port}`);
    expect(rcodeOf(await ask(HOST, port, 'x.default.svc.cluster.local', 'A'))).toBe('NXDOMAIN');
  });

  it('an explicitly empty address list turns the server off: ready, nothing bound', async () => {
    const dns = createDnsComponent({ services: new ManualSource<Service>(), endpointSlices: new ManualSource<EndpointSlice>(), listenAddresses: [], port: await freePort(), upstreams: [], logger: silentLogger() });
    await dns.start(ctx);
    started.push(dns);
    expect(await dns.ready!()).toBeUndefined();
  });

  it('follows the node: listens on the first address of its pod CIDR once it has one', async () => {
    const nodes = new ManualSource<Node>();
    const port = await freePort();
    const dns = createDnsComponent({ services: new ManualSource<Service>(), endpointSlices: new ManualSource<EndpointSlice>(), node: { name: 'n1', nodes }, port, upstreams: [], logger: silentLogger() });
    await dns.start(ctx);
    started.push(dns);
    // No pod CIDR yet: nothing to serve, and nothing that keeps the proxy from being ready.
    expect(await dns.ready!()).toBeUndefined();
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '127.0.0.0/24', podCIDRs: ['127.0.0.0/24'] } } as Node;
    nodes.set(node);
    await waitReady(dns);
    const r = await ask(HOST, port, 'ns.dns.cluster.local', 'A');
    expect(rdata(r.answers)).toEqual(['127.0.0.1']);
  });
});
