// The DNS server under test, in a process of its own (so the load generator does not share
// its event loop): `node dist-bench/bench/lib/dns-server-main.js <mode> <port> <services>`.
//   orch      the cluster DNS component (proxy/dns) with <services> ClusterIP Services and
//             as many headless ones, from in-memory sources, on 127.0.0.1:<port>
//   baseline  a bare dns-packet UDP responder answering every question with one fixed A
//             record: what Node and dns-packet cost by themselves
// Prints "ready" once it listens.

import dgram from 'node:dgram';
import * as dnsPacket from 'dns-packet';
import { silentLogger } from '../../foundation/logger.js';
import { createDnsComponent } from '../../proxy/dns/dns-component.js';
import { UDP_BUFFER_BYTES } from '../../proxy/dns/dns-listeners.js';
import { endpoint, endpointSlice, ManualSource, service } from '../../proxy/dns/testing/objects.js';
import type { EndpointSlice, Service } from '../../api/types.js';

const [mode, portText, servicesText] = process.argv.slice(2);
const port = Number(portText);
const count = Number(servicesText ?? '1000');

if (mode === 'baseline') {
  // The same socket buffers as the server under test (dns-listeners.ts).
  const s = dgram.createSocket({ type: 'udp4', recvBufferSize: UDP_BUFFER_BYTES, sendBufferSize: UDP_BUFFER_BYTES });
  s.on('message', (msg, r) => {
    const q = dnsPacket.decode(msg);
    const res = dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.AUTHORITATIVE_ANSWER, questions: q.questions, answers: q.questions![0]!.type === 'A' ? [{ name: q.questions![0]!.name, type: 'A', ttl: 5, data: '10.96.0.1' }] : [] });
    s.send(res, r.port, r.address);
  });
  s.bind(port, '127.0.0.1', () => process.stdout.write('ready\n'));
} else {
  const services = new ManualSource<Service>();
  const slices = new ManualSource<EndpointSlice>();
  for (let i = 0; i < count; i++) {
    services.set(service('bench', `svc-${i}`, { clusterIP: `10.96.${i >> 8}.${i & 255}`, ports: [{ name: 'http', port: 80 }] }));
    services.set(service('bench', `headless-${i}`, { clusterIP: 'None' }));
    slices.set(endpointSlice('bench', `headless-${i}`, `headless-${i}-a`, [endpoint(`10.244.${i >> 8}.${i & 255}`), endpoint(`10.245.${i >> 8}.${i & 255}`)]));
  }
  const dns = createDnsComponent({ services, endpointSlices: slices, listenAddresses: ['127.0.0.1'], port, upstreams: [], logger: silentLogger() });
  await dns.start({ logger: silentLogger(), signal: new AbortController().signal, fail: () => process.exit(1) });
  while (dns.ready!() !== undefined) await new Promise((r) => setTimeout(r, 10));
  process.stdout.write('ready\n');
  process.on('SIGTERM', () => void dns.stop().then(() => process.exit(0)));
}
