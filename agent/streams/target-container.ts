// Which Docker container an exec or attach reaches: the pod's container on this node, found
// by labels as the log server finds them; of several attempts, the newest running one. A
// pod not on this node, a container it does not have or one not running are answered
// before any upgrade, with the kubelet's words where it has them.

import { errors } from '../../api/errors.js';
import { LABEL_CONTAINER, LABEL_NAMESPACE, LABEL_NODE, LABEL_POD, attemptOf } from '../labels.js';
import type { ContainerInfo, ContainerRuntime } from '../runtime/types.js';

export async function runningContainer(runtime: ContainerRuntime, nodeName: string, namespace: string, pod: string, container: string): Promise<ContainerInfo> {
  const ofPod = { [LABEL_NODE]: nodeName, [LABEL_NAMESPACE]: namespace, [LABEL_POD]: pod };
  // The container's attempts only (every listed container is inspected: the sandbox and
  // siblings would cost a Docker call each on every exec); the whole pod only to word a miss.
  const found = await runtime.listContainers({ ...ofPod, [LABEL_CONTAINER]: container });
  if (!found.length && !(await runtime.listContainers(ofPod)).length) {
    throw errors.notFoundMessage(`pod does not exist: no pod "${pod}" in namespace "${namespace}" runs on node ${nodeName}`);
  }
  const attempts = found
    .filter((c) => c.state !== 'removing' && c.state !== 'dead')
    .sort((a, b) => attemptOf(b.labels) - attemptOf(a.labels) || (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  if (!attempts.length) throw errors.notFoundMessage(`container not found ("${container}") in pod "${pod}" on node ${nodeName}`);
  const running = attempts.find((c) => c.state === 'running');
  if (!running) {
    const last = attempts[0]!;
    const how = last.state === 'exited' ? `exited with code ${last.exitCode ?? 'unknown'}` : last.state;
    throw errors.badRequest(`container "${container}" in pod "${pod}" is not running (${how})`);
  }
  return running;
}
