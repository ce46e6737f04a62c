// The autoscaler's flags, Kubernetes' names: --horizontal-pod-autoscaler-sync-period
// (orch's default 5s, see DEFAULT_HPA_OPTIONS), -downscale-stabilization (5m),
// -tolerance (0.1), -cpu-initialization-period (5m), -initial-readiness-delay (30s).

import { InvalidArgumentError, type Command } from 'commander';
import { parseDuration } from '../../foundation/duration.js';
import type { HpaOptions } from './controller.js';

export interface HpaFlagValues {
  horizontalPodAutoscalerSyncPeriod: string;
  horizontalPodAutoscalerDownscaleStabilization: string;
  horizontalPodAutoscalerTolerance: string;
  horizontalPodAutoscalerCpuInitializationPeriod: string;
  horizontalPodAutoscalerInitialReadinessDelay: string;
}

export function addHpaOptions(cmd: Command): Command {
  return cmd
    .option('--horizontal-pod-autoscaler-sync-period <duration>', 'how often each HorizontalPodAutoscaler is evaluated (Kubernetes: 15s)', '5s')
    .option('--horizontal-pod-autoscaler-downscale-stabilization <duration>', 'scale-down window for autoscalers that set none: the highest recommendation within it wins', '5m')
    .option('--horizontal-pod-autoscaler-tolerance <ratio>', 'no rescale while usage/target is within 1 ± this', '0.1')
    .option('--horizontal-pod-autoscaler-cpu-initialization-period <duration>', 'after a pod starts, cpu samples count only once a full metric window has passed since it became Ready', '5m')
    .option('--horizontal-pod-autoscaler-initial-readiness-delay <duration>', 'after a pod starts, readiness changes within this are taken as its first readiness', '30s');
}

export function hpaOptionsFromFlags(f: HpaFlagValues): HpaOptions {
  const tolerance = Number(f.horizontalPodAutoscalerTolerance);
  if (!Number.isFinite(tolerance) || tolerance < 0) throw new InvalidArgumentError(`--horizontal-pod-autoscaler-tolerance: "${f.horizontalPodAutoscalerTolerance}" is not a non-negative number`);
  const syncPeriodMs = parseDuration(f.horizontalPodAutoscalerSyncPeriod, '--horizontal-pod-autoscaler-sync-period');
  if (syncPeriodMs <= 0) throw new InvalidArgumentError('--horizontal-pod-autoscaler-sync-period must be positive');
  return {
    syncPeriodMs,
    downscaleStabilizationSeconds: Math.round(parseDuration(f.horizontalPodAutoscalerDownscaleStabilization, '--horizontal-pod-autoscaler-downscale-stabilization') / 1000),
    tolerance,
    cpuInitializationPeriodMs: parseDuration(f.horizontalPodAutoscalerCpuInitializationPeriod, '--horizontal-pod-autoscaler-cpu-initialization-period'),
    initialReadinessDelayMs: parseDuration(f.horizontalPodAutoscalerInitialReadinessDelay, '--horizontal-pod-autoscaler-initial-readiness-delay'),
  };
}
