// Which Docker container an exec or attach reaches: the pod's container on this node, found
// by labels as the log server finds them; of several attempts, the newest running one. A
// pod not on this node, a container it does not have or one not running are answered
// before any upgrade, with the kubelet's words where it has them.

import { errors } from '../../api/errors.js';
import { LABEL_CONTAINER, LABEL_NAMESPACE, LABEL_NODE, LABEL_POD, attemptOf } from '../labels.js';
import type { ContainerInfo, ContainerRuntime } from '../runtime/types.js';

export async function runningContainer(runtime: ContainerRuntime, nodeName: string, namespace: string, pod: string, container: string, o: { details?: boolean } = {}): Promise<ContainerInfo> {
  const ofPod = { [LABEL_NODE]: nodeName, [LABEL_NAMESPACE]: namespace, [LABEL_POD]: pod };
  // The container's attempts only, from the engine's list without an inspect each (an exec
  // needs only the id: one Docker call less on every exec); the whole pod only to word a
  // miss. `details`: the chosen container inspected (attach needs its tty and stdin flags).
  const found = await runtime.listContainers({ ...ofPod, [LABEL_CONTAINER]: container }, { details: false });
  if (!found.length && !(await runtime.listContainers(ofPod, { details: false })).length) {
    throw errors.notFoundMessage(`pod does not exist: no pod "${pod}" in namespace "${namespace}" runs on node ${nodeName}`);
  }
  const attempts = found
    .filter((c) => c.state !== 'removing' && c.state !== 'dead')
    .sort((a, b) => attemptOf(b.labels) - attemptOf(a.labels) || (b.createdAt ?? '').localeCompare(a.createdAt ?? ''));
  if (!attempts.length) throw errors.notFoundMessage(`container not found ("${container}") in pod "${pod}" on node ${nodeName}`);
  const running = attempts.find((c) => c.state === 'running');
  if (running && o.details) return (await runtime.inspect(running.id)) ?? running;
  if (!running) {
    // The exit code is not in the list: ask for it.
    const last = (await runtime.inspect(attempts[0]!.id)) ?? attempts[0]!;
    const how = last.state === 'exited' ? `exited with code ${last.exitCode ?? 'unknown'}` : last.state;
    throw errors.badRequest(`container "${container}" in pod "${pod}" is not running (${how})`);
  }
  return running;
}
