// The three patch types of PATCH, by name: what the apiserver applies for a request's
// Content-Type and what the fake client applies for a ResourceClient.patch call.

import { deepClone } from '../meta.js';
import { applyJsonPatch } from './json-patch.js';
import { applyMergePatch } from './merge-patch.js';
import { applyStrategicMergePatch } from './strategic-merge.js';

export type PatchType = 'merge' | 'json' | 'strategic';

/** The patched copy of `current` (never mutated). */
export function applyPatch(type: PatchType, current: unknown, patch: unknown): unknown {
  const base = deepClone(current);
  switch (type) {
    case 'merge':
      return applyMergePatch(base, patch);
    case 'json':
      return applyJsonPatch(base, patch);
    case 'strategic':
      return applyStrategicMergePatch(base, patch);
  }
}
