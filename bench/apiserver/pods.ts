// The pod every apiserver bench phase writes: a realistic small manifest (labels, one
// container with a command, resource requests), about what a Deployment stamps out.

export const podName = (i: number): string => `p-${String(i).padStart(6, '0')}`;

export function podManifest(namespace: string, name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace,
      labels: { app: 'bench', tier: 'backend', 'pod-template-hash': '5d8f9c7b6d' },
      annotations: { 'bench.orch.io/purpose': 'apiserver benchmark' },
    },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'orch.local/busybox:latest',
          command: ['sh', '-c', 'sleep 3600'],
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          env: [{ name: 'MODE', value: 'bench' }],
          resources: { requests: { cpu: '10m', memory: '16Mi' }, limits: { memory: '64Mi' } },
        },
      ],
    },
  };
}

export function namespaceManifest(name: string): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

/** Etcd key of a core-group pod as the apiserver stores it (default --etcd-prefix). */
export const podKeyPrefix = (namespace: string): string => `/registry/pods/${namespace}/`;
