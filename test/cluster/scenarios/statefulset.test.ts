// Scenario: a StatefulSet on the multi-host harness (3 hosts, each with its agent, its own
// Docker engine and its service proxy with cluster DNS; the scheduler and the controller
// manager as processes). web-0..2 start in order, each on a local-path claim of its own on
// the host it was scheduled to, spread over the hosts; each writes its hostname into its
// volume. web-1's pod deleted → web-1 again, on its volume's host, with its data. The DNS
// name web-0.web.default.svc.cluster.local (headless Service web) resolves from web-2's container to web-0's IP.

import { describe, expect, it } from 'vitest';
import type { StatefulSet } from '../../../api/statefulset-types.js';
import type { PersistentVolume, PersistentVolumeClaim } from '../../../api/storage/types.js';
import type { Pod, Service } from '../../../api/types.js';
import { eventually } from '../../helpers/eventually.js';
import { docker } from '../docker-engine.js';
import { type Cluster } from '../harness.js';
import { record } from '../results.js';
import { useCluster, withLogs } from '../scenario-kit.js';

const SCENARIO = 'statefulset';
const NS = 'default';

const isReady = (p: Pod) => p.status?.phase === 'Running' && !!p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const hostIndex = (node: string) => Number(node.replace(/^h/, ''));

describe(SCENARIO, () => {
  let cluster!: Cluster;
  useCluster({ hosts: 3, proxies: true }, (c) => (cluster = c));

  const pods = async () => (await cluster.client.pods.list({ namespace: NS, labelSelector: 'app=web' })).items.filter((p) => !p.metadata.deletionTimestamp);
  const containerOf = async (p: Pod) => (await docker(hostIndex(p.spec.nodeName!), ['ps', '-q', '--filter', `label=orch.io/pod-uid=${p.metadata.uid}`, '--filter', 'label=orch.io/container=web', '--filter', 'status=running'])).stdout.trim().split('\n')[0]!;
  const execIn = async (p: Pod, cmd: string[]) => (await docker(hostIndex(p.spec.nodeName!), ['exec', await containerOf(p), ...cmd])).stdout;
  const volumeNode = async (claim: string) => {
    const c = await cluster.client.resource<PersistentVolumeClaim>('persistentvolumeclaims').get(claim, NS);
    const pv = await cluster.client.resource<PersistentVolume>('persistentvolumes').get(c.spec.volumeName!);
    return pv.spec.nodeAffinity!.required!.nodeSelectorTerms[0]!.matchExpressions![0]!.values![0]!;
  };

  it('3 pods in order across hosts with their claims; web-1 comes back on its volume\'s host with its data; web-0.web resolves', async () => {
    await withLogs(cluster, async () => {
      const svc: Service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: NS }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } };
      await cluster.client.services.create(svc);
      const sts: StatefulSet = {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'web', namespace: NS },
        spec: {
          replicas: 3,
          serviceName: 'web',
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              terminationGracePeriodSeconds: 1,
              containers: [{ name: 'web', image: 'orch.local/busybox:latest', imagePullPolicy: 'Never', command: ['sh', '-c', 'hostname >> /data/names; trap "exit 0" TERM; while :; do sleep 3600 & wait $!; done'], volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
            },
          },
          volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Mi' } } } }],
        },
      };
      const t0 = Date.now();
      await cluster.client.resource<StatefulSet>('statefulsets').create(sts);
      await eventually('3 ready pods', async () => (await pods()).filter(isReady).length === 3, 90_000);
      record(SCENARIO, 'StatefulSet of 3 with local-path claims -> all ready', Date.now() - t0);
      const byName = new Map((await pods()).map((p) => [p.metadata.name!, p]));
      const created = ['web-0', 'web-1', 'web-2'].map((n) => Date.parse(byName.get(n)!.metadata.creationTimestamp!));
      expect(created).toEqual([...created].sort((a, b) => a - b));
      const nodes = ['web-0', 'web-1', 'web-2'].map((n) => byName.get(n)!.spec.nodeName!);
      expect(new Set(nodes).size, `pods on ${nodes.join(',')}`).toBeGreaterThanOrEqual(2);
      for (const n of ['web-0', 'web-1', 'web-2']) {
        expect(await volumeNode(`data-${n}`)).toBe(byName.get(n)!.spec.nodeName);
        expect((await execIn(byName.get(n)!, ['cat', '/data/names'])).trim()).toBe(n);
      }

      const old = byName.get('web-1')!;
      const t1 = Date.now();
      await cluster.client.pods.delete('web-1', NS);
      const back = await eventually('web-1 back and ready', async () => {
        const p = (await pods()).find((x) => x.metadata.name === 'web-1');
        return p && p.metadata.uid !== old.metadata.uid && isReady(p) ? p : undefined;
      }, 60_000);
      record(SCENARIO, 'web-1 deleted -> web-1 ready again', Date.now() - t1);
      expect(back.spec.nodeName).toBe(old.spec.nodeName);
      expect((await execIn(back, ['cat', '/data/names'])).trim().split('\n')).toEqual(['web-1', 'web-1']);

      const web0 = byName.get('web-0')!;
      const web2 = byName.get('web-2')!;
      // The full name: busybox's nslookup does not walk resolv.conf's search list.
      let last = '';
      const answer = await eventually('web-0.web.default.svc.cluster.local resolves from web-2', async () => {
        const out = await execIn(web2, ['nslookup', 'web-0.web.default.svc.cluster.local']).catch((err: Error) => `${err.message}`);
        last = out;
        return out.includes(web0.status!.podIP!) ? out : undefined;
      }, 30_000).catch((err: Error) => {
        throw new Error(`${err.message}; last answer: ${last}`);
      });
      expect(answer).toContain(web0.status!.podIP!);
    });
  });
});
