// metav1.Time on the wire: RFC 3339 in UTC with whole seconds, as Kubernetes writes every
// object timestamp (creationTimestamp, deletionTimestamp, condition times). One
// formatter for the apiserver, the fake client and every component (foundation/clock.ts
// re-exports it), so a timestamp never carries milliseconds on one side only.

export function isoSeconds(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
