import { CANONICAL_STAGES, definePartner, type CanonicalStage } from '@status-bridge/core';
import { createWebhookDeliverer } from './deliverer';
import { webhookEnvProperties, type WebhookEnv } from './env';
import { planWebhookDeliveries, type WebhookDelivery } from './plan';
import { webhookSandbox } from './sandbox';
import { sectionSecrets, webhookSectionSchema, type WebhookSection } from './section';

/** A receiver gets stages: the partner status of a stage is the stage itself. */
const STAGE_IS_STATUS = Object.fromEntries(CANONICAL_STAGES.map((stage) => [stage, stage])) as Readonly<Record<CanonicalStage, string>>;

/**
 * The `webhook` partner: each status change as a signed HTTP POST (Standard Webhooks) to the
 * endpoints a tenant configures, for integrators who want status changes in their own systems.
 * Receivers' side in docs/webhook.md.
 */
export const partner = definePartner<'webhook', WebhookSection, WebhookDelivery, WebhookEnv>({
  key: 'webhook',
  title: 'Webhook',
  queue: {
    // DO NOT RENAME: queued jobs live under it.
    name: 'deliver-webhook',
    // Job ids end with the endpoint's name; the job name carries no PII and no URL.
    jobName: 'webhook-status',
    description: "Signed HTTP POSTs of status changes to the tenants' own webhook endpoints",
    // 35 attempts: about 26 hours of retries with the default delays, like the job boards.
    attempts: 35,
  },
  tenant: { schema: webhookSectionSchema, secrets: sectionSecrets },
  env: { properties: webhookEnvProperties },
  statuses: {
    accepted: () => CANONICAL_STAGES,
    defaultsByStage: STAGE_IS_STATUS,
  },
  // Ids, statuses, times and the candidate's name and email: all standard fields of the enrichment.
  icimsNeeds: () => ({}),
  plan: async (input) => planWebhookDeliveries(input),
  createDeliverer: createWebhookDeliverer,
  sandbox: webhookSandbox,
});
