// The in-cluster client of orch.local/kube-client (scripts/build-kube-client-image.sh):
// @kubernetes/client-node 1.x configured by loadFromCluster() alone, listing the pods (or,
// with the argument `secrets`, the Secrets) of the pod's own namespace. Prints one JSON
// line: {"ok":true,"names":[...]} or {"ok":false,"code":403,...}.
import fs from 'node:fs';
import * as k8s from '@kubernetes/client-node';

const kc = new k8s.KubeConfig();
kc.loadFromCluster();
const namespace = fs.readFileSync('/var/run/secrets/kubernetes.io/serviceaccount/namespace', 'utf8').trim();
const api = kc.makeApiClient(k8s.CoreV1Api);
try {
  const list = process.argv[2] === 'secrets' ? await api.listNamespacedSecret({ namespace }) : await api.listNamespacedPod({ namespace });
  console.log(JSON.stringify({ ok: true, names: list.items.map((i) => i.metadata.name) }));
} catch (err) {
  console.log(JSON.stringify({ ok: false, code: err.code ?? err.statusCode, message: String(err.body ?? err.message).slice(0, 300) }));
}
