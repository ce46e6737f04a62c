import { describe, expect, it } from 'vitest';
import type { Pod, Service } from '../api/types.js';
import { resolveEnv } from './pod-to-container.js';
import { serviceLinkEnv } from './service-env.js';

const svc = (namespace: string, name: string, spec: Partial<Service['spec']>): Service => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [], ...spec } });

const services: Service[] = [
  svc('default', 'kubernetes', { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, targetPort: 6443 }] }),
  svc('shop', 'redis-primary', { clusterIP: '10.96.0.11', ports: [{ port: 6379 }] }),
  svc('shop', 'web', { clusterIP: '10.96.0.12', ports: [{ name: 'http', port: 80 }, { name: 'dns-udp', port: 53, protocol: 'UDP' }] }),
  svc('shop', 'headless', { clusterIP: 'None', ports: [{ port: 80 }] }),
  svc('shop', 'ext', { type: 'ExternalName', externalName: 'example.com' }),
  svc('other', 'elsewhere', { clusterIP: '10.96.0.13', ports: [{ port: 80 }] }),
  svc('shop', 'v6', { clusterIP: 'fd00:96::5', ports: [{ port: 8080 }] }),
];

describe('service link variables', () => {
  it('the kubelet names and values, for the namespace and the kubernetes service', () => {
    const env = Object.fromEntries(serviceLinkEnv(services, 'shop', undefined));
    expect(env).toMatchObject({
      KUBERNETES_SERVICE_HOST: '10.96.0.1',
      KUBERNETES_SERVICE_PORT: '443',
      KUBERNETES_SERVICE_PORT_HTTPS: '443',
      KUBERNETES_PORT: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP: 'tcp://10.96.0.1:443',
      KUBERNETES_PORT_443_TCP_PROTO: 'tcp',
      KUBERNETES_PORT_443_TCP_PORT: '443',
      KUBERNETES_PORT_443_TCP_ADDR: '10.96.0.1',
      REDIS_PRIMARY_SERVICE_HOST: '10.96.0.11',
      REDIS_PRIMARY_SERVICE_PORT: '6379',
      REDIS_PRIMARY_PORT: 'tcp://10.96.0.11:6379',
      WEB_SERVICE_PORT: '80',
      WEB_SERVICE_PORT_HTTP: '80',
      WEB_SERVICE_PORT_DNS_UDP: '53',
      WEB_PORT: 'tcp://10.96.0.12:80',
      WEB_PORT_53_UDP: 'udp://10.96.0.12:53',
      WEB_PORT_53_UDP_PROTO: 'udp',
      WEB_PORT_53_UDP_PORT: '53',
      WEB_PORT_53_UDP_ADDR: '10.96.0.12',
      V6_PORT: 'tcp://[fd00:96::5]:8080',
      V6_SERVICE_HOST: 'fd00:96::5',
    });
    // An unnamed port has no _SERVICE_PORT_<NAME>; headless, ExternalName and other namespaces give nothing.
    expect(Object.keys(env).filter((k) => k.startsWith('REDIS_PRIMARY_SERVICE_PORT_'))).toEqual([]);
    expect(Object.keys(env).some((k) => /^(HEADLESS|EXT|ELSEWHERE)_/.test(k))).toBe(false);
  });

  it('enableServiceLinks: false keeps only the kubernetes service', () => {
    expect([...serviceLinkEnv(services, 'shop', false).keys()].every((k) => k.startsWith('KUBERNETES_'))).toBe(true);
    expect(serviceLinkEnv(services, 'shop', false).size).toBe(8);
  });

  it("the container's own variables win, and $(VAR) can use the links", () => {
    const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: { containers: [] } };
    const c = { name: 'c', image: 'i', env: [{ name: 'WEB_SERVICE_HOST', value: 'mine' }, { name: 'URL', value: 'http://$(REDIS_PRIMARY_SERVICE_HOST):$(REDIS_PRIMARY_SERVICE_PORT)' }] };
    const env = resolveEnv(pod, c, { configMaps: new Map(), secrets: new Map(), serviceEnv: serviceLinkEnv(services, 'shop', true) }, {});
    expect(env).toContain('WEB_SERVICE_HOST=mine');
    expect(env).not.toContain('WEB_SERVICE_HOST=10.96.0.12');
    expect(env).toContain('URL=http://10.96.0.11:6379');
    expect(env).toContain('WEB_SERVICE_PORT=80');
  });
});
