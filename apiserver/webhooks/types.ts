// What the registry tells admission webhooks about one write (webhooks/dispatcher.ts),
// and the hooks the store calls. Kept apart so the store depends on this shape only.

import { ApiError } from '../../api/errors.js';
import type { ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import type { RequestAdmission } from '../admission/types.js';

export type WebhookOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface WebhookAttributes {
  resource: ResourceInfo;
  subresource?: string;
  operation: WebhookOperation;
  name: string;
  /** Undefined for cluster-scoped kinds. */
  namespace?: string;
  /** The object as it would be stored (create, update); undefined on delete. */
  object?: KubeObject;
  /** The stored object (update, delete). */
  oldObject?: KubeObject;
  /** The object's namespace as stored, for namespaceSelector (namespaced kinds). */
  namespaceObject?: KubeObject;
  dryRun: boolean;
  /** CreateOptions / UpdateOptions / DeleteOptions, as the review's `options`. */
  options?: Record<string, unknown>;
  /** The request's user and its warnings / audit annotations sink. */
  request: RequestAdmission;
}

/** The store's view of admission webhooks; no configured webhook → `active()` is false and nothing is called. */
export interface WebhookHooks {
  active(): boolean;
  /** Mutating webhooks in order (with reinvocation); returns the object to store (the same one if nothing changed). `revalidate` checks a patched object and returns it prepared. */
  mutate(a: WebhookAttributes, revalidate: (patched: KubeObject) => KubeObject): Promise<KubeObject | undefined>;
  /** Validating webhooks in parallel; throws the first refusal. */
  validate(a: WebhookAttributes): Promise<void>;
}

/**
 * A webhook's refusal: the store passes it on as it is (a 409 from a webhook is the
 * webhook's word, not a storage conflict to be reworded).
 */
export class WebhookRefusal extends ApiError {}
