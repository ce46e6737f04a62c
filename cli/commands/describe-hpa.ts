// `orch describe hpa NAME`: the sections kubectl's HorizontalPodAutoscaler describer
// prints (Reference, Metrics as "current / target", replica bounds, behavior, the
// target's current and desired pods, conditions).

import type { HorizontalPodAutoscaler, HPAScalingRules } from '../../api/hpa-types.js';
import { formatTable } from '../printers/table.js';

function metricLine(hpa: HorizontalPodAutoscaler, i: number): string {
  const spec = hpa.spec.metrics![i]!;
  const r = spec.resource;
  if (spec.type !== 'Resource' || !r) return `  ${spec.type}:  <unknown>`;
  const cur = hpa.status?.currentMetrics?.[i]?.resource?.current;
  if (r.target.averageValue !== undefined) return `  resource ${r.name} on pods:  ${cur?.averageValue ?? '<unknown>'} / ${r.target.averageValue}`;
  const current = cur?.averageUtilization !== undefined ? `${cur.averageUtilization}% (${cur.averageValue ?? '?'})` : '<unknown>';
  return `  resource ${r.name} on pods  (as a percentage of request):  ${current} / ${r.target.averageUtilization ?? '<auto>'}%`;
}

function rulesLines(title: string, rules: HPAScalingRules | undefined): string[] {
  if (!rules) return [];
  return [
    `  ${title}:`,
    `    Stabilization Window: ${rules.stabilizationWindowSeconds ?? '<controller default>'} seconds`,
    `    Select Policy: ${rules.selectPolicy ?? 'Max'}`,
    '    Policies:',
    ...(rules.policies ?? []).map((p) => `      - Type: ${p.type.padEnd(7)} Value: ${p.value}  Period: ${p.periodSeconds} seconds`),
  ];
}

export function hpaSections(hpa: HorizontalPodAutoscaler): string[] {
  const ref = hpa.spec.scaleTargetRef;
  const conds = hpa.status?.conditions ?? [];
  return [
    `Reference:      ${ref.kind}/${ref.name}`,
    'Metrics:        ( current / target )',
    ...(hpa.spec.metrics ?? []).map((_, i) => metricLine(hpa, i)),
    `Min replicas:   ${hpa.spec.minReplicas ?? 1}`,
    `Max replicas:   ${hpa.spec.maxReplicas}`,
    ...(hpa.spec.behavior ? ['Behavior:', ...rulesLines('Scale Up', hpa.spec.behavior.scaleUp), ...rulesLines('Scale Down', hpa.spec.behavior.scaleDown)] : []),
    `${ref.kind} pods:  ${hpa.status?.currentReplicas ?? 0} current / ${hpa.status?.desiredReplicas ?? 0} desired`,
    ...(conds.length ? ['Conditions:', formatTable(['TYPE', 'STATUS', 'REASON', 'MESSAGE'], conds.map((c) => [c.type, c.status, c.reason ?? '', c.message ?? ''])).split('\n').map((l) => `  ${l}`).join('\n')] : []),
  ];
}
