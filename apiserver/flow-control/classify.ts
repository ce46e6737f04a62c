// Which priority level and flow a request belongs to: APF's FlowSchemas, as an ordered
// list of rules over the authenticated user and the request (first match wins). The flow
// is the user (APF's "ByUser" distinguisher), so one node or one client flooding fills
// only its own queue.

import type { UserInfo } from '../../foundation/token-auth.js';
import type { RequestInfo } from '../request-info.js';
import { EXEMPT_LEVEL } from './config.js';

export interface Classification {
  /** The rule that matched (APF's flow schema name; a metrics label). */
  flowSchema: string;
  priorityLevel: string;
  /** The flow within the level: who is asking. */
  flow: string;
}

export const MASTERS_GROUP = 'system:masters';
export const NODES_GROUP = 'system:nodes';
/** The control plane's own identities (`orch init` writes the first of each; the second is Kubernetes' name). */
const SCHEDULERS = new Set(['system:scheduler', 'system:kube-scheduler']);
const CONTROLLER_MANAGERS = new Set(['system:controller-manager', 'system:kube-controller-manager']);
export const ANONYMOUS = 'system:anonymous';

const HEARTBEAT_RESOURCES = new Set(['nodes', 'leases']);

/**
 * `user` undefined: the server runs without authentication (--insecure-http without a
 * token file) and every request is the one anonymous flow of workload-low.
 */
export function classify(user: UserInfo | undefined, info: RequestInfo | undefined): Classification {
  const plural = info?.type === 'resource' ? info.resource.plural : undefined;
  if (!user) return { flowSchema: 'global-default', priorityLevel: 'workload-low', flow: ANONYMOUS };
  const flow = user.name;
  if (user.groups.includes(MASTERS_GROUP)) return { flowSchema: 'exempt', priorityLevel: EXEMPT_LEVEL, flow };
  const controlPlane = SCHEDULERS.has(user.name) || CONTROLLER_MANAGERS.has(user.name);
  if (controlPlane && plural === 'leases') return { flowSchema: 'system-leader-election', priorityLevel: 'leader-election', flow };
  if (user.groups.includes(NODES_GROUP)) {
    if (plural !== undefined && HEARTBEAT_RESOURCES.has(plural)) return { flowSchema: 'system-node-high', priorityLevel: 'node-high', flow };
    return { flowSchema: 'system-nodes', priorityLevel: 'system', flow };
  }
  if (SCHEDULERS.has(user.name)) return { flowSchema: 'kube-scheduler', priorityLevel: 'workload-high', flow };
  if (CONTROLLER_MANAGERS.has(user.name)) return { flowSchema: 'kube-controller-manager', priorityLevel: 'workload-high', flow };
  return { flowSchema: 'global-default', priorityLevel: 'workload-low', flow };
}
