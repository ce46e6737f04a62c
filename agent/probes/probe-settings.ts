// A probe's timing and thresholds with the kubelet's defaults filled in, and the probe of
// each kind a container declares.

import type { Container, Probe } from '../../api/types.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** In the order a container's workers are started (startup first: it gates the others). */
export const PROBE_KINDS: readonly ProbeKind[] = ['startup', 'liveness', 'readiness'];

export interface ProbeSettings {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

/** Kubernetes' defaults: initialDelaySeconds 0, periodSeconds 10, timeoutSeconds 1, successThreshold 1, failureThreshold 3. */
export function probeSettings(p: Probe): ProbeSettings {
  return {
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: (p.periodSeconds || 10) * 1000,
    timeoutMs: (p.timeoutSeconds || 1) * 1000,
    successThreshold: p.successThreshold || 1,
    failureThreshold: p.failureThreshold || 3,
  };
}

export function probeOf(c: Container, kind: ProbeKind): Probe | undefined {
  return kind === 'liveness' ? c.livenessProbe : kind === 'readiness' ? c.readinessProbe : c.startupProbe;
}

export function hasProbes(c: Container): boolean {
  return !!(c.livenessProbe || c.readinessProbe || c.startupProbe);
}

/** "Liveness", as the kubelet's Event messages and metric labels spell the kind. */
export function probeTitle(kind: ProbeKind): string {
  return kind[0]!.toUpperCase() + kind.slice(1);
}
