// Kubernetes' root CA certificate publisher: ConfigMap `kube-root-ca.crt` in every
// namespace holds `ca.crt`, the CA in-cluster clients trust for the apiserver (read from
// the controller manager's --root-ca-file). The kube-api-access volume of every pod
// projects it. Created for new namespaces, put back when deleted or edited.

import type { ConfigMap, Namespace } from '../../api/types.js';
import { isAlreadyExists, isConflict, isForbidden, isNotFound } from '../../api/errors.js';
import type { Client } from '../../client/types.js';
import type { Logger } from '../../foundation/logger.js';
import { done, type Result } from '../../client/reconcile-loop.js';
import { isTerminating } from '../serviceaccounts/controller.js';
import type { Controller, InformerView, QueueView } from '../shared/types.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';
const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export interface RootCaPublisherDeps {
  client: Client;
  namespaces: InformerView<Namespace>;
  /** ConfigMaps named kube-root-ca.crt (the manager's informer selects the name). */
  configMaps: InformerView<ConfigMap>;
  /** PEM of the cluster CA. */
  rootCa: string;
  logger: Logger;
  queue: QueueView;
}

export class RootCaPublisher implements Controller {
  readonly name = 'root-ca-cert-publisher';

  constructor(private readonly deps: RootCaPublisherDeps) {
    const q = deps.queue;
    deps.namespaces.addEventHandler({ onAdd: (n) => q.add(n.metadata.name!), onUpdate: (_o, n) => q.add(n.metadata.name!) });
    const onCm = (cm: ConfigMap) => q.add(cm.metadata.namespace!);
    deps.configMaps.addEventHandler({ onUpdate: (_o, cm) => onCm(cm), onDelete: onCm });
  }

  async reconcile(ns: string): Promise<Result> {
    if (isTerminating(this.deps.namespaces.get(ns))) return done;
    const cms = this.deps.client.configmaps;
    const cur = this.deps.configMaps.get(`${ns}/${ROOT_CA_CONFIGMAP}`);
    const want = { 'ca.crt': this.deps.rootCa };
    try {
      if (!cur) {
        await cms.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIGMAP, namespace: ns, annotations: { 'kubernetes.io/description': DESCRIPTION } }, data: want });
        this.deps.logger.debug({ namespace: ns }, 'root CA config map created');
      } else if (cur.data?.['ca.crt'] !== want['ca.crt'] || Object.keys(cur.data ?? {}).length !== 1 || cur.binaryData) {
        const { binaryData: _drop, ...rest } = cur;
        await cms.update({ ...rest, data: want });
        this.deps.logger.info({ namespace: ns }, 'root CA config map put back');
      }
    } catch (err) {
      // A conflict or a create that lost a race is retried (with backoff) on a fresher cache;
      // a namespace that went away or is terminating needs nothing.
      if (isConflict(err) || isAlreadyExists(err) || (!isNotFound(err) && !isForbidden(err))) throw err;
    }
    return done;
  }
}
