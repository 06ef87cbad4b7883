import { CANONICAL_STAGES, type CanonicalStage, type PlanInput, type PlanResult } from '@status-bridge/core';
import { buildWebhookPayload, type WebhookPayload } from './payload';
import { endpointEnabled, endpointIncludesCandidate, endpointStages, type WebhookSection } from './section';

/** The `webhook` part of a delivery job: which endpoint, and the body every attempt sends. */
export interface WebhookDelivery {
  /** The endpoint's name in tenants.<id>.webhook.endpoints (its URL and secret are looked up when sending). */
  endpoint: string;
  /** Built once, when the change was planned, so every attempt and replay sends the same data. */
  payload: WebhookPayload;
}

export const NO_ENDPOINT_FOR_STAGE = 'no_endpoint_for_stage';

function isStage(value: string): value is CanonicalStage {
  return (CANONICAL_STAGES as readonly string[]).includes(value);
}

/**
 * One delivery job per enabled endpoint that subscribes to the change's stage (each retried, failed
 * and replayed on its own, each with its own webhook-id); a counted skip when none does. Pure.
 *
 * The stage is `status`: the webhook's vocabulary is the canonical stages, so the tenant's mapping
 * (statusMapping, then webhook.stageMapping / statusOverrides) has already chosen it.
 */
export function planWebhookDeliveries(input: PlanInput<WebhookSection>): PlanResult<WebhookDelivery> {
  const { tenantId, section, statusChange, status } = input;
  if (!isStage(status)) {
    return { skip: 'invalid_partner_status', detail: `"${status}" is not a canonical stage` };
  }
  const wanted = Object.entries(section.endpoints).filter(([, endpoint]) => endpointEnabled(endpoint) && endpointStages(endpoint).includes(status));
  if (wanted.length === 0) {
    return { skip: NO_ENDPOINT_FOR_STAGE, detail: `no enabled webhook endpoint of tenant ${tenantId} subscribes to stage ${status}` };
  }
  return {
    deliveries: wanted.map(([name, endpoint]) => ({
      part: name,
      delivery: { endpoint: name, payload: buildWebhookPayload(statusChange, status, { includeCandidate: endpointIncludesCandidate(endpoint) }) },
    })),
  };
}
