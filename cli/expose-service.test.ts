import { describe, expect, it } from 'vitest';
import type { ContainerPort, Deployment, KubeObject, Pod, ReplicaSet, Service } from '../api/types.js';
import { exposedService } from './expose-service.js';

const template = (ports: ContainerPort[][]) => ({
  metadata: { labels: { app: 'web' } },
  spec: { containers: ports.map((p, i) => ({ name: `c${i}`, image: 'i', ports: p })) },
});

const deployment = (ports: ContainerPort[][], selector: Deployment['spec']['selector'] = { matchLabels: { app: 'web' } }): Deployment => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web', team: 'a' } },
  spec: { selector, template: template(ports) } as Deployment['spec'],
});

const pod = (labels: Record<string, string> | undefined, ports: ContainerPort[] = []): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p1', namespace: 'default', ...(labels ? { labels } : {}) },
  spec: { containers: [{ name: 'a', image: 'i', ports }] },
});

describe('exposedService (kubectl expose)', () => {
  it('deploy/web --port 80: selector from matchLabels, labels from the object, targetPort = port, type left to the server', () => {
    expect(exposedService(deployment([[{ containerPort: 8080 }]]), { port: '80' })).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', labels: { app: 'web', team: 'a' } },
      spec: { selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }] },
    });
  });

  it('--target-port as a number or a container port name, --type, --name, --protocol, --cluster-ip, --labels, --session-affinity', () => {
    const s = exposedService(deployment([[{ containerPort: 8080, name: 'http' }]]), {
      port: '80', targetPort: 'http', type: 'NodePort', name: 'front', protocol: 'udp', clusterIP: '10.96.0.50', labels: 'x=y', sessionAffinity: 'ClientIP',
    });
    expect(s.metadata).toEqual({ name: 'front', namespace: 'default', labels: { x: 'y' } });
    expect(s.spec).toEqual({ selector: { app: 'web' }, ports: [{ port: 80, protocol: 'UDP', targetPort: 'http' }], type: 'NodePort', clusterIP: '10.96.0.50', sessionAffinity: 'ClientIP' });
    expect(exposedService(deployment([[]]), { port: '80', targetPort: '8080' }).spec.ports).toEqual([{ port: 80, protocol: 'TCP', targetPort: 8080 }]);
  });

  it('no --port: a single container port is taken as it is', () => {
    expect(exposedService(deployment([[{ containerPort: 8080 }]])).spec.ports).toEqual([{ port: 8080, protocol: 'TCP', targetPort: 8080 }]);
  });

  it('no --port: several container ports (any container) become port-1, port-2, ..., each with its protocol', () => {
    const d = deployment([[{ containerPort: 8080 }, { containerPort: 53, protocol: 'UDP' }], [{ containerPort: 9090 }]]);
    expect(exposedService(d).spec.ports).toEqual([
      { name: 'port-1', port: 8080, protocol: 'TCP', targetPort: 8080 },
      { name: 'port-2', port: 53, protocol: 'UDP', targetPort: 53 },
      { name: 'port-3', port: 9090, protocol: 'TCP', targetPort: 9090 },
    ]);
  });

  it('one port number over TCP and UDP: one service port per protocol; --protocol overrides', () => {
    const d = deployment([[{ containerPort: 53, protocol: 'TCP' }, { containerPort: 53, protocol: 'UDP' }]]);
    expect(exposedService(d).spec.ports).toEqual([
      { name: 'port-1-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
      { name: 'port-1-udp', port: 53, protocol: 'UDP', targetPort: 53 },
    ]);
    expect(exposedService(d, { protocol: 'UDP' }).spec.ports).toEqual([{ port: 53, protocol: 'UDP', targetPort: 53 }]);
  });

  it('--port 80,443: one named service port each', () => {
    expect(exposedService(deployment([[]]), { port: '80,443' }).spec.ports).toEqual([
      { name: 'port-1', port: 80, protocol: 'TCP', targetPort: 80 },
      { name: 'port-2', port: 443, protocol: 'TCP', targetPort: 443 },
    ]);
  });

  it('a ReplicaSet, a Pod (its labels), a Service (its selector and ports)', () => {
    const rs: ReplicaSet = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc' }, spec: { selector: { matchLabels: { app: 'web', h: '1' } }, template: template([[{ containerPort: 8080 }]]) } as ReplicaSet['spec'] };
    expect(exposedService(rs).spec).toEqual({ selector: { app: 'web', h: '1' }, ports: [{ port: 8080, protocol: 'TCP', targetPort: 8080 }] });
    expect(exposedService(pod({ app: 'one' }, [{ containerPort: 7000 }])).spec).toEqual({ selector: { app: 'one' }, ports: [{ port: 7000, protocol: 'TCP', targetPort: 7000 }] });
    const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'a' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } };
    expect(exposedService(svc, { name: 'b', type: 'NodePort' }).spec).toEqual({ selector: { app: 'web' }, ports: [{ port: 80, protocol: 'TCP', targetPort: 80 }], type: 'NodePort' });
  });

  it('--selector overrides the object\'s (and is how a pod without labels is exposed)', () => {
    expect(exposedService(pod(undefined, [{ containerPort: 80 }]), { selector: 'a=b,c=d' }).spec.selector).toEqual({ a: 'b', c: 'd' });
  });

  it('headless (--cluster-ip None) without ports is allowed; names are cut at 63 characters', () => {
    expect(exposedService(deployment([[]]), { clusterIP: 'None' }).spec).toEqual({ selector: { app: 'web' }, ports: [], clusterIP: 'None' });
    const long = { ...pod({ a: 'b' }, [{ containerPort: 80 }]), metadata: { name: 'x'.repeat(70), labels: { a: 'b' } } };
    expect(exposedService(long).metadata.name).toBe('x'.repeat(63));
  });

  describe('clear errors', () => {
    const err = (obj: KubeObject, opts = {}) => {
      try {
        exposedService(obj, opts);
      } catch (e) {
        return (e as Error).message;
      }
      return 'no error';
    };

    it('matchExpressions cannot be a Service selector', () => {
      const d = deployment([[{ containerPort: 80 }]], { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }] });
      expect(err(d)).toBe('cannot expose deployment "web": its selector has matchExpressions (tier In (a,b)), which a Service selector (labels only) cannot express; pass --selector key=value');
      expect(err(d, { selector: 'app=web' })).toBe('no error');
    });

    it('no selector, a pod without labels, a service without selector', () => {
      expect(err(deployment([[{ containerPort: 80 }]], {}))).toBe('cannot expose deployment "web": it has no selector (spec.selector.matchLabels); pass --selector key=value');
      expect(err(pod(undefined, [{ containerPort: 80 }]))).toBe('cannot expose pod "p1": it has no labels to select it by; pass --selector key=value (and label the pod)');
      expect(err({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } } as Service)).toBe('cannot expose service "s": the service has no pod selector; pass --selector key=value');
    });

    it('no port anywhere', () => {
      expect(err(deployment([[]]))).toBe('cannot expose deployment "web": it declares no ports (containerPort) and --port was not given; pass --port N (and --target-port)');
    });

    it('bad flag values name the flag', () => {
      const d = deployment([[{ containerPort: 80 }]]);
      expect(err(d, { port: '80x' })).toBe('--port: "80x" is not a port number (1-65535)');
      expect(err(d, { port: '70000' })).toBe('--port: "70000" is not a port number (1-65535)');
      expect(err(d, { targetPort: '0' })).toBe('--target-port: 0 is not a port number (1-65535)');
      expect(err(d, { targetPort: 'Not_A_Name' })).toMatch(/^--target-port: "Not_A_Name" is neither a port number nor a container port name/);
      expect(err(d, { type: 'Nodeport' })).toBe('--type: "Nodeport" is not supported: use one of ClusterIP, NodePort, LoadBalancer, ExternalName');
      expect(err(d, { protocol: 'icmp' })).toBe('--protocol: "ICMP" is not supported: use one of TCP, UDP, SCTP');
      expect(err(d, { selector: 'app' })).toBe('--selector: unexpected label spec "app" (use key=value, separated by commas)');
      expect(err(d, { sessionAffinity: 'Sticky' })).toBe('--session-affinity: "Sticky" is not supported: use one of None, ClientIP');
    });

    it('kinds that cannot be exposed', () => {
      expect(err({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } })).toBe('cannot expose a ConfigMap: use one of deployment, replicaset, pod, service');
    });
  });
});
