// Kubernetes' toleration semantics (core/v1 helper ToleratesTaint), shared by the
// plugins that look at taints; the rules live in api/ so the DaemonSet controller
// decides exactly as the scheduler does.

export { tolerates, toleratesAny } from '../../api/selectors/node-match.js';
