// Which container of a pod a command means when none is named: the one the annotation
// `kubectl.kubernetes.io/default-container` names (when the pod has it), else the first.
// kubectl decides this client-side (podcmd.FindOrDefaultContainerByName) and says so on
// stderr when it had to pick; the apiserver's pods/log accepts the annotation too.

import type { Pod } from './types.js';

export const DEFAULT_CONTAINER_ANNOTATION = 'kubectl.kubernetes.io/default-container';

export interface DefaultContainer {
  name: string;
  /** 'annotation', 'only' (the one app container), 'first' (picked among several). */
  reason: 'annotation' | 'only' | 'first';
}

/** The default container, or undefined for a pod without containers. */
export function defaultContainer(pod: Pod): DefaultContainer | undefined {
  const names = (pod.spec?.containers ?? []).map((c) => c.name);
  const annotated = pod.metadata.annotations?.[DEFAULT_CONTAINER_ANNOTATION];
  if (annotated && names.includes(annotated)) return { name: annotated, reason: 'annotation' };
  if (names.length === 0) return undefined;
  return { name: names[0]!, reason: names.length > 1 ? 'first' : 'only' };
}

/**
 * kubectl's stderr notice when it picked the first container of several (init containers
 * count), e.g. 'Defaulted container "a" out of: a, b, setup (init)'; undefined otherwise.
 */
export function defaultedNotice(pod: Pod, d: DefaultContainer): string | undefined {
  const init = pod.spec?.initContainers ?? [];
  if (d.reason === 'annotation' || (d.reason === 'only' && init.length === 0)) return undefined;
  const all = [...(pod.spec?.containers ?? []).map((c) => c.name), ...init.map((c) => `${c.name} (init)`)];
  return `Defaulted container "${d.name}" out of: ${all.join(', ')}`;
}

/** Names a pods/log request may ask for: app and init containers. */
export function loggableContainerNames(pod: Pod): string[] {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].map((c) => c.name);
}
