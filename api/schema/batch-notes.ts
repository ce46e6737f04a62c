// Descriptions of batch/v1 (Job, CronJob) for the OpenAPI documents and `kubectl explain`,
// in orch's words (the generated upstream-notes.ts predates these kinds), with upstream's
// list markers (conditions merge by type).

import type { UpstreamNotes } from './notes.js';

const B = 'io.k8s.api.batch.v1';
const META = { d: "Standard object's metadata." };
const LIST_META = { d: 'Standard list metadata.' };

export const BATCH_NOTES: UpstreamNotes = {
  [`${B}.Job`]: { d: 'A Job runs pods until a number of them succeed.', f: { metadata: META, spec: { d: 'What the Job runs and how often.' }, status: { d: 'What the Job controller last observed.' } } },
  [`${B}.JobList`]: { d: 'A list of Jobs.', f: { metadata: LIST_META, items: { d: 'The Jobs.', required: true } } },
  [`${B}.JobSpec`]: {
    d: 'The desired behaviour of a Job.',
    f: {
      parallelism: { d: 'At most this many pods run at once (default 1).' },
      completions: { d: 'How many pods must succeed (default 1; unset with parallelism set: any success finishes the Job).' },
      activeDeadlineSeconds: { d: 'Seconds after startTime at which a running Job is stopped: its pods are deleted and it fails with reason DeadlineExceeded.' },
      podFailurePolicy: { d: 'Rules on exit codes and pod conditions deciding whether a failed pod fails the Job, is ignored, or counts against backoffLimit.' },
      successPolicy: { d: 'Indexed Jobs: rules (succeededIndexes and/or succeededCount) tried in order; the first one met ends the Job as a success (SuccessCriteriaMet, reason SuccessPolicy) and deletes its other pods.' },
      backoffLimit: { d: 'Failed pods allowed before the Job fails with reason BackoffLimitExceeded (default 6). Retries wait 10 s, doubling up to 6 minutes.' },
      backoffLimitPerIndex: { d: 'Indexed Jobs: failures allowed per index; an index past it is given up (status.failedIndexes) while the others go on.' },
      maxFailedIndexes: { d: 'With backoffLimitPerIndex: more failed indexes than this fail the Job (MaxFailedIndexesExceeded).' },
      selector: { d: 'The pods the Job counts; generated from the Job uid unless manualSelector is true.' },
      manualSelector: { d: 'True: the selector and the template labels are the user\'s (no generated selector).' },
      template: { d: 'The pod the Job creates; restartPolicy must be OnFailure or Never. Immutable.', required: true },
      ttlSecondsAfterFinished: { d: 'Seconds after the Job finished (Complete or Failed) at which it is deleted with its pods.' },
      completionMode: { d: 'NonIndexed (default) or Indexed: each index 0..completions-1 succeeds once, given to its pod as the batch.kubernetes.io/job-completion-index annotation and JOB_COMPLETION_INDEX.' },
      suspend: { d: 'True: no pods are created and running ones are deleted; startTime is reset when resumed.' },
      podReplacementPolicy: { d: 'TerminatingOrFailed (default): replace a pod as soon as it is terminating; Failed: only once it has failed.' },
      managedBy: { d: 'The controller that manages the Job: kubernetes.io/job-controller (default, orch) or another controller, in which case orch leaves the Job alone. Immutable.' },
    },
  },
  [`${B}.JobStatus`]: {
    d: 'The observed state of a Job.',
    f: {
      conditions: { d: 'FailureTarget / SuccessCriteriaMet when decided, then Failed / Complete once no pod runs (reasons BackoffLimitExceeded, DeadlineExceeded, PodFailurePolicy, MaxFailedIndexesExceeded, FailedIndexes, SuccessPolicy, CompletionsReached); Suspended.', listType: 'atomic', patchStrategy: 'merge', patchMergeKey: 'type' },
      startTime: { d: 'When the controller started the Job (reset on resume).' },
      completionTime: { d: 'When the Job completed successfully.' },
      active: { d: 'Pods pending or running and not terminating.' },
      succeeded: { d: 'Pods that succeeded.' },
      failed: { d: 'Pods that failed.' },
      terminating: { d: 'Pods being deleted.' },
      completedIndexes: { d: 'Indexed Jobs: the indexes that succeeded, as "1,3-5,7".' },
      failedIndexes: { d: 'Indexed Jobs with backoffLimitPerIndex: the indexes given up, as "1,3-5,7".' },
      uncountedTerminatedPods: { d: 'Finished pods counted by the controller but whose tracking finalizer is not yet removed.' },
      ready: { d: 'Active pods that are Ready.' },
    },
  },
  [`${B}.JobCondition`]: {
    d: 'One condition of a Job.',
    f: {
      type: { d: 'Complete, Failed, Suspended, FailureTarget, SuccessCriteriaMet.', required: true },
      status: { d: 'True, False or Unknown.', required: true },
      lastProbeTime: { d: 'When the condition was last checked.' },
      lastTransitionTime: { d: 'When the status last changed.' },
      reason: { d: 'Why, in one word.' },
      message: { d: 'Why, for people.' },
    },
  },
  [`${B}.UncountedTerminatedPods`]: { d: 'Finished pods not yet in the counters.', f: { succeeded: { d: 'UIDs of succeeded pods.', listType: 'set' }, failed: { d: 'UIDs of failed pods.', listType: 'set' } } },
  [`${B}.PodFailurePolicy`]: { d: 'How failed pods affect a Job.', f: { rules: { d: 'Checked in order; the first that matches decides. At most 20.', required: true, listType: 'atomic' } } },
  [`${B}.PodFailurePolicyRule`]: {
    d: 'One rule: an action when a failed pod matches its exit codes or its conditions (one of the two).',
    f: {
      action: { d: 'FailJob (the Job fails, its pods are deleted), Ignore (not counted, replaced) or Count (counted against backoffLimit).', required: true },
      onExitCodes: { d: 'Matches on the exit codes of the containers.' },
      onPodConditions: { d: 'Matches when one of these patterns matches a pod condition.', listType: 'atomic' },
    },
  },
  [`${B}.PodFailurePolicyOnExitCodesRequirement`]: {
    d: 'Exit codes of the failed pod\'s containers (exit code 0 never matches).',
    f: {
      containerName: { d: 'Only this container (default: every container).' },
      operator: { d: 'In or NotIn.', required: true },
      values: { d: 'Exit codes, ordered, without duplicates.', required: true, listType: 'set' },
    },
  },
  [`${B}.PodFailurePolicyOnPodConditionsPattern`]: { d: 'A pod condition to match.', f: { type: { d: 'The condition type (e.g. DisruptionTarget).', required: true }, status: { d: 'The condition status (default True).' } } },
  [`${B}.SuccessPolicy`]: { d: 'Not implemented by orch.', f: { rules: { d: 'Not implemented by orch.', required: true, listType: 'atomic' } } },
  [`${B}.SuccessPolicyRule`]: { d: 'Not implemented by orch.', f: { succeededIndexes: { d: 'Not implemented by orch.' }, succeededCount: { d: 'Not implemented by orch.' } } },
  [`${B}.JobTemplateSpec`]: { d: 'The Job a CronJob creates.', f: { metadata: { d: 'Labels and annotations of the Jobs created.' }, spec: { d: 'The spec of the Jobs created.' } } },
  [`${B}.CronJob`]: { d: 'A CronJob creates Jobs on a schedule.', f: { metadata: META, spec: { d: 'The schedule and the Job.' }, status: { d: 'What the CronJob controller last observed.' } } },
  [`${B}.CronJobList`]: { d: 'A list of CronJobs.', f: { metadata: LIST_META, items: { d: 'The CronJobs.', required: true } } },
  [`${B}.CronJobSpec`]: {
    d: 'When and what a CronJob runs.',
    f: {
      schedule: { d: 'Five cron fields (minute hour day-of-month month day-of-week) or @hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually.', required: true },
      timeZone: { d: 'IANA time zone of the schedule (default UTC).' },
      startingDeadlineSeconds: { d: 'A run more than this late is skipped.' },
      concurrencyPolicy: { d: 'Allow (default), Forbid (skip a run while one is active) or Replace (delete the active Job first).' },
      suspend: { d: 'True: no new runs (active Jobs go on).' },
      jobTemplate: { d: 'The Job each run creates.', required: true },
      successfulJobsHistoryLimit: { d: 'Successful Jobs kept (default 3).' },
      failedJobsHistoryLimit: { d: 'Failed Jobs kept (default 1).' },
    },
  },
  [`${B}.CronJobStatus`]: {
    d: 'The observed state of a CronJob.',
    f: {
      active: { d: 'The Jobs of this CronJob that are running.', listType: 'atomic' },
      lastScheduleTime: { d: 'The scheduled time of the last Job created.' },
      lastSuccessfulTime: { d: 'When a Job of this CronJob last completed successfully.' },
    },
  },
};
