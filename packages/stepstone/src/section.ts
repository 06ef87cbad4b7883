import type { PartnerSectionBase } from '@status-bridge/core';

/**
 * `tenants.<customerId>.stepstone`: one customer's StepStone settings (documented in
 * docs/configuration.md). `enabled`, `stageMapping` and `statusOverrides` are every partner's
 * (core adds them to the schema).
 */
export interface StepStoneSection extends PartnerSectionBase {
  /** Overrides STEPSTONE_STATUS_URL for this customer (e.g. .../qs-api/public/atsi/v1/{ATS_ID}). */
  statusUrl?: string;
  /** Env var holding this customer's X-AtsiToken. */
  tokenEnv: string;
  /** iCIMS applicant-workflow field that holds the AtsiApplicationId (e.g. "field51234"); absent: our correlation records only. */
  applicationIdField?: string;
  /** Send RawStatus (the iCIMS status name); default true. */
  sendRawStatus?: boolean;
  /** Send BusinessDate (the change's time); default true. */
  sendBusinessDate?: boolean;
  /** Statuses StepStone accepts beyond the seed's eight (e.g. "CONTACT"). */
  extraStatuses?: string[];
  /** At most `max` posts per `durationMs` for this customer (its contract with StepStone). */
  rateLimit?: { max: number; durationMs: number };
}

const envName = { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' };

/** The partner's own properties of the section (ajv; core merges the common ones). */
export const stepstoneSectionSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['tokenEnv'],
  properties: {
    statusUrl: { type: 'string', pattern: '^https?://' },
    tokenEnv: envName,
    applicationIdField: { type: 'string', pattern: '^[a-z0-9_]+$' },
    sendRawStatus: { type: 'boolean', default: true },
    sendBusinessDate: { type: 'boolean', default: true },
    extraStatuses: { type: 'array', items: { type: 'string', pattern: '^[A-Z_]+$' } },
    rateLimit: {
      type: 'object',
      additionalProperties: false,
      required: ['max', 'durationMs'],
      properties: { max: { type: 'integer', minimum: 1 }, durationMs: { type: 'integer', minimum: 1 } },
    },
  },
};
