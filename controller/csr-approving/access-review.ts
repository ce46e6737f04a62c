// "May this requester create certificatesigningrequests/<subresource>?", asked of the
// apiserver's authorizer with a SubjectAccessReview (authorization.k8s.io/v1), as
// Kubernetes' csrapproving does, so the cluster's RBAC bindings decide who may join
// (nodeclient) and who may renew (selfnodeclient).
//
// An apiserver that does not serve SubjectAccessReview yet (404: orch before RBAC)
// gets Kubernetes' default bindings instead: nodeclient for system:bootstrappers,
// selfnodeclient for system:nodes. This is logged once, so it is never a surprise.

import { isNotFound } from '../../api/errors.js';
import type { Logger } from '../../foundation/logger.js';

export type NodeClientSubresource = 'nodeclient' | 'selfnodeclient';

export interface Requester {
  name: string;
  uid?: string;
  groups: string[];
}

export interface AccessReviewer {
  mayCreate(user: Requester, subresource: NodeClientSubresource): Promise<boolean>;
}

const DEFAULT_GROUP: Record<NodeClientSubresource, string> = { nodeclient: 'system:bootstrappers', selfnodeclient: 'system:nodes' };

/** The default bindings, for an apiserver without SubjectAccessReview. */
export const defaultBindingsReviewer: AccessReviewer = {
  mayCreate: async (user, sub) => user.groups.includes(DEFAULT_GROUP[sub]),
};

type Post = (path: string, body: unknown) => Promise<unknown>;

export function subjectAccessReviewer(post: Post, logger: Logger): AccessReviewer {
  let served = true;
  return {
    async mayCreate(user, subresource) {
      if (!served) return defaultBindingsReviewer.mayCreate(user, subresource);
      try {
        const answer = (await post('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SubjectAccessReview',
          spec: {
            user: user.name,
            ...(user.uid ? { uid: user.uid } : {}),
            groups: user.groups,
            resourceAttributes: { group: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource, verb: 'create' },
          },
        })) as { status?: { allowed?: boolean } };
        return answer?.status?.allowed === true;
      } catch (err) {
        if (!isNotFound(err)) throw err;
        served = false;
        logger.warn('the apiserver serves no SubjectAccessReview: approving node CSRs by the default bindings (nodeclient: system:bootstrappers, selfnodeclient: system:nodes)');
        return defaultBindingsReviewer.mayCreate(user, subresource);
      }
    },
  };
}
