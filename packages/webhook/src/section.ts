import { CANONICAL_STAGES, type CanonicalStage, type PartnerSectionBase } from '@status-bridge/core';

/**
 * `tenants.<id>.webhook`: the tenant's own receivers. Endpoints are keyed by a short name because
 * the name ends the delivery job's id (`<enrich id>-webhook-<name>`, hence the webhook-id): an
 * object makes names unique by construction, and renaming one is a visible decision.
 *
 * No secret is written here: `secretEnv` names the environment variable holding the endpoint's
 * Standard Webhooks signing secret (`whsec_<base64>`), like every other `...Env` field.
 */
export interface WebhookEndpointConfig {
  /** Where status changes are POSTed. https; http only to loopback, or anywhere with WEBHOOK_ALLOW_HTTP (development). */
  url: string;
  /** Env var holding the signing secret. */
  secretEnv: string;
  /** Env var holding the secret being rotated out: while set, every request carries both signatures. */
  previousSecretEnv?: string;
  /** Stages this endpoint receives (default: every stage). */
  stages?: CanonicalStage[];
  /** Adds the candidate's name and email to the payload (default false: ids and statuses only). */
  includeCandidate?: boolean;
  /** false: this endpoint gets nothing (queued jobs for it complete as skipped). */
  enabled?: boolean;
}

export interface WebhookSection extends PartnerSectionBase {
  endpoints: Record<string, WebhookEndpointConfig>;
}

/** Endpoint names: they end job ids and webhook-ids, so no `:` (BullMQ) and no `.` (Standard Webhooks). */
export const ENDPOINT_NAME_PATTERN = '^[a-z0-9][a-z0-9_-]{0,31}$';

const envName = { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' };

/** ajv schema of the section's own properties; core adds enabled, stageMapping and statusOverrides. */
export const webhookSectionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['endpoints'],
  properties: {
    endpoints: {
      type: 'object',
      minProperties: 1,
      propertyNames: { pattern: ENDPOINT_NAME_PATTERN },
      additionalProperties: {
        type: 'object',
        additionalProperties: false,
        required: ['url', 'secretEnv'],
        properties: {
          // The scheme rule (https, or http to loopback) is checked at worker start with the env: see url-policy.ts.
          url: { type: 'string', pattern: '^https?://[^\\s/?#@]+([/?#]\\S*)?$', maxLength: 2048 },
          secretEnv: envName,
          previousSecretEnv: envName,
          stages: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: [...CANONICAL_STAGES] }, default: [...CANONICAL_STAGES] },
          includeCandidate: { type: 'boolean', default: false },
          enabled: { type: 'boolean', default: true },
        },
      },
    },
  },
} as const;

// The accessors below do not rely on ajv having filled in the defaults.

export function endpointStages(endpoint: WebhookEndpointConfig): readonly CanonicalStage[] {
  return endpoint.stages ?? CANONICAL_STAGES;
}

export function endpointEnabled(endpoint: WebhookEndpointConfig): boolean {
  return endpoint.enabled !== false;
}

export function endpointIncludesCandidate(endpoint: WebhookEndpointConfig): boolean {
  return endpoint.includeCandidate === true;
}

/** The endpoint of that name, if the section still has it (own property only: names come from job data). */
export function endpointNamed(section: WebhookSection, name: string): WebhookEndpointConfig | undefined {
  return Object.prototype.hasOwnProperty.call(section.endpoints, name) ? section.endpoints[name] : undefined;
}

/** The env vars a section references, each with the field naming it (for start-up errors). */
export function sectionSecrets(section: WebhookSection): Array<{ env: string; field: string }> {
  const secrets: Array<{ env: string; field: string }> = [];
  if (section.enabled === false) return secrets;
  for (const [name, endpoint] of Object.entries(section.endpoints)) {
    if (!endpointEnabled(endpoint)) continue;
    secrets.push({ env: endpoint.secretEnv, field: `endpoints.${name}.secretEnv` });
    if (endpoint.previousSecretEnv) secrets.push({ env: endpoint.previousSecretEnv, field: `endpoints.${name}.previousSecretEnv` });
  }
  return secrets;
}
