import { describe, expect, it } from 'vitest';
import type { EndpointSlice, Event, Service } from '../../api/types.js';
import { tabbed } from '../printers/tabwriter.js';
import { describeService, kubectlEvents, sliceEndpointsForPort } from './describe-service.js';

const NOW = Date.parse('2026-01-01T12:00:00Z');

describe('tabbed (Go text/tabwriter, padding 2)', () => {
  it('a column is as wide as its widest cell in each run of lines that have it', () => {
    expect(tabbed('a:\t1\nlonger:\t2\nbreak\nb:\t3\n')).toBe('a:       1\nlonger:  2\nbreak\nb:  3\n');
  });

  it('nested columns align within their own block; text after the last tab is free; empty cells pad', () => {
    expect(tabbed('Port:\thttp\t80/TCP\nTargetPort:\t8080/TCP\nIP:\t\n')).toBe('Port:        http  80/TCP\nTargetPort:  8080/TCP\nIP:          \n');
  });
});

const slice = (ports: EndpointSlice['ports'], endpoints: EndpointSlice['endpoints']): EndpointSlice => ({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name: 's' }, addressType: 'IPv4', ports, endpoints });

describe('sliceEndpointsForPort (kubectl formatEndpointSlices)', () => {
  const eps = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((ip, i) => ({ addresses: [ip], conditions: i === 1 ? { ready: false } : i === 2 ? {} : { ready: true } }));

  it('ready (or unknown) endpoints of the named port, across slices, the first three then "+ N more..."', () => {
    expect(sliceEndpointsForPort([slice([{ name: 'http', port: 8080 }], eps)], new Set(['http']))).toBe('10.0.0.1:8080,10.0.0.3:8080,10.0.0.4:8080');
    const two = [slice([{ name: 'http', port: 8080 }], eps), slice([{ name: 'http', port: 8080 }], [{ addresses: ['fd00::5'] }])];
    expect(sliceEndpointsForPort(two, new Set(['http']))).toBe('10.0.0.1:8080,10.0.0.3:8080,10.0.0.4:8080 + 1 more...');
  });

  it('other ports do not count; slices without ports list addresses; no slice at all is <none>', () => {
    expect(sliceEndpointsForPort([slice([{ name: 'dns', port: 53 }], eps)], new Set(['http']))).toBe('');
    expect(sliceEndpointsForPort([slice([], eps)], new Set(['']))).toBe('10.0.0.1,10.0.0.3,10.0.0.4');
    expect(sliceEndpointsForPort([], new Set(['']))).toBe('<none>');
  });
});

describe('describeService', () => {
  const svc: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'lb', namespace: 'default', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', note: 'x' } },
    spec: { type: 'LoadBalancer', clusterIP: '10.96.0.7', clusterIPs: ['10.96.0.7'], ports: [{ port: 443, targetPort: 8443, nodePort: 31000, protocol: 'TCP' }], selector: { app: 'a' }, sessionAffinity: 'None', internalTrafficPolicy: 'Local', externalTrafficPolicy: 'Local', healthCheckNodePort: 32000 },
    status: { loadBalancer: { ingress: [{ ip: '192.168.0.9' }, { hostname: 'lb.example' }] } },
  };

  it('kubectl\'s fields in kubectl\'s order; the Endpoints object when there are no slices', () => {
    const out = describeService(svc, { endpoints: { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'lb' }, subsets: [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ port: 8443 }] }] } }, [], NOW);
    expect(out).toBe(
      [
        'Name:                     lb',
        'Namespace:                default',
        'Labels:                   <none>',
        'Annotations:              note: x',
        'Selector:                 app=a',
        'Type:                     LoadBalancer',
        'IP Families:              <none>',
        'IP:                       10.96.0.7',
        'IPs:                      10.96.0.7',
        'LoadBalancer Ingress:     192.168.0.9, lb.example',
        'Port:                     <unset>  443/TCP',
        'TargetPort:               8443/TCP',
        'NodePort:                 <unset>  31000/TCP',
        'Endpoints:                10.244.0.5:8443',
        'Session Affinity:         None',
        'External Traffic Policy:  Local',
        'Internal Traffic Policy:  Local',
        'HealthCheck NodePort:     32000',
        'Events:                   <none>',
        '',
      ].join('\n'),
    );
    expect(describeService(svc, { endpoints: undefined }, [], NOW)).toMatch(/^Endpoints:\s+<none>$/m);
  });

  it('Events as kubectl lists them: oldest first, repeats as "(xN over AGE)"', () => {
    const ev = (reason: string, last: number, count: number, first = last): Event => ({
      apiVersion: 'v1', kind: 'Event', metadata: { name: reason }, involvedObject: { kind: 'Service', name: 'lb' }, type: 'Normal', reason, message: ` ${reason} happened\n`, count,
      firstTimestamp: new Date(NOW - first * 1000).toISOString(), lastTimestamp: new Date(NOW - last * 1000).toISOString(), source: { component: 'service-controller' },
    });
    expect(tabbed(kubectlEvents([ev('Updated', 30, 1), ev('Ensured', 90, 3, 600)], NOW))).toBe(
      'Events:\n  Type    Reason   Age                From                Message\n  ----    ------   ----               ----                -------\n' +
        '  Normal  Ensured  90s (x3 over 10m)  service-controller  Ensured happened\n  Normal  Updated  30s                service-controller  Updated happened\n',
    );
  });
});
