// HorizontalPodAutoscalers as `kubectl get hpa` prints them (kubectl's
// printHorizontalPodAutoscaler, v1.32): TARGETS is one "name: current/target" per metric,
// "<unknown>" until the autoscaler has measured it, the first two joined and the rest
// counted ("+ 1 more...").

import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus } from '../hpa-types.js';
import { AGE, column, NAME, type KindTable } from './columns.js';
import { timestampAge } from './duration.js';

function metricText(spec: MetricSpec, status: MetricStatus | undefined): string {
  const r = spec.resource;
  if (spec.type !== 'Resource' || !r) return `<unknown>/<unknown>`;
  const cur = status?.type === 'Resource' && status.resource ? status.resource.current : undefined;
  if (r.target?.averageValue !== undefined) return `${r.name}: ${cur?.averageValue ?? '<unknown>'}/${r.target.averageValue}`;
  const current = cur?.averageUtilization !== undefined ? `${cur.averageUtilization}%` : '<unknown>';
  const target = r.target?.averageUtilization !== undefined ? `${r.target.averageUtilization}%` : '<auto>';
  return `${r.name}: ${current}/${target}`;
}

/** kubectl's formatHPAMetrics. */
export function hpaTargets(hpa: HorizontalPodAutoscaler): string {
  const specs = hpa.spec?.metrics ?? [];
  if (specs.length === 0) return '<none>';
  const statuses = hpa.status?.currentMetrics ?? [];
  const list = specs.map((m, i) => metricText(m, statuses[i]));
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

export const AUTOSCALING_TABLES: Record<string, KindTable> = {
  horizontalpodautoscalers: {
    columns: [NAME, column('Reference'), column('Targets'), column('MinPods'), column('MaxPods', 'integer'), column('Replicas', 'integer'), AGE],
    row(o, now) {
      const hpa = o as HorizontalPodAutoscaler;
      const ref = hpa.spec?.scaleTargetRef;
      return [
        hpa.metadata.name ?? '',
        `${ref?.kind ?? ''}/${ref?.name ?? ''}`,
        hpaTargets(hpa),
        hpa.spec?.minReplicas !== undefined ? String(hpa.spec.minReplicas) : '<unset>',
        hpa.spec?.maxReplicas ?? 0,
        hpa.status?.currentReplicas ?? 0,
        timestampAge(hpa.metadata.creationTimestamp, now),
      ];
    },
  },
};
