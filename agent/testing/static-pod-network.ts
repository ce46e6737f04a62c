// A PodNetworkView stand-in for tests: the pod network as the test sets it, with no
// network component behind it. Tests with real Docker point it at a network they created.

import type { PodNetworkState, PodNetworkView } from '../network/pod-network-state.js';

export class StaticPodNetwork implements PodNetworkView {
  private readonly listeners: (() => void)[] = [];

  constructor(private current: PodNetworkState) {}

  state(): PodNetworkState {
    return this.current;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Changes the state and tells the listeners, as the network component does. */
  set(next: PodNetworkState): void {
    this.current = next;
    for (const l of this.listeners) l();
  }
}
