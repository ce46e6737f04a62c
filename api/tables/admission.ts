// Webhook configurations as `kubectl get validatingwebhookconfigurations` prints them
// (kubectl's printValidatingWebhook / printMutatingWebhook): NAME WEBHOOKS AGE.

import type { WebhookConfiguration } from '../admission-types.js';
import { AGE, column, NAME, type KindTable } from './columns.js';
import { timestampAge } from './duration.js';

const webhookTable: KindTable = {
  columns: [NAME, column('Webhooks', 'integer'), AGE],
  row(o, now) {
    const c = o as unknown as WebhookConfiguration;
    return [c.metadata.name ?? '', Array.isArray(c.webhooks) ? c.webhooks.length : 0, timestampAge(c.metadata.creationTimestamp, now)];
  },
};

export const ADMISSION_TABLES: Record<string, KindTable> = {
  validatingwebhookconfigurations: webhookTable,
  mutatingwebhookconfigurations: webhookTable,
};
