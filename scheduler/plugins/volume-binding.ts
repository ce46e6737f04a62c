// Filter VolumeBinding: the node must suit every claim of the pod (bound volumes' node
// affinity, volumes or provisioning for claims waiting for their first consumer), as the
// pod's volume plan (../volume-binding.ts) computed once per scheduling cycle says.

import { fail, PASS, type FilterPlugin } from '../types.js';

export const volumeBinding: FilterPlugin = {
  name: 'VolumeBinding',
  filter(pod, node) {
    const reason = pod.volumes?.check(node.node);
    return reason ? fail(reason) : PASS;
  },
};
