import { describe, expect, it } from 'vitest';
import { defaultContainer, defaultedNotice, loggableContainerNames } from './default-container.js';
import type { Pod } from './types.js';

const pod = (containers: string[], init: string[] = [], annotation?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', annotations: annotation ? { 'kubectl.kubernetes.io/default-container': annotation } : undefined },
  spec: { containers: containers.map((name) => ({ name, image: 'i' })), initContainers: init.map((name) => ({ name, image: 'i' })) },
});

describe('default container (kubectl podcmd.FindOrDefaultContainerByName)', () => {
  it('the annotation when it names a container, else the first; a notice only when there was a choice', () => {
    expect(defaultContainer(pod(['a', 'b'], [], 'b'))).toEqual({ name: 'b', reason: 'annotation' });
    expect(defaultContainer(pod(['a', 'b'], [], 'nope'))).toEqual({ name: 'a', reason: 'first' });
    expect(defaultContainer(pod(['a']))).toEqual({ name: 'a', reason: 'only' });
    expect(defaultContainer(pod([]))).toBeUndefined();
    const two = pod(['a', 'b'], ['setup']);
    expect(defaultedNotice(two, defaultContainer(two)!)).toBe('Defaulted container "a" out of: a, b, setup (init)');
    const oneWithInit = pod(['a'], ['setup']);
    expect(defaultedNotice(oneWithInit, defaultContainer(oneWithInit)!)).toBe('Defaulted container "a" out of: a, setup (init)');
    expect(defaultedNotice(pod(['a']), defaultContainer(pod(['a']))!)).toBeUndefined();
    expect(defaultedNotice(pod(['a', 'b'], [], 'b'), { name: 'b', reason: 'annotation' })).toBeUndefined();
    expect(loggableContainerNames(two)).toEqual(['a', 'b', 'setup']);
  });
});
