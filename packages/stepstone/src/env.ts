import type { EnvProperty } from '@status-bridge/core';

/** StepStone ATSi Application Status settings: partner-wide, read by the worker that runs the deliver-stepstone queue. */
export interface StepStoneEnv {
  STEPSTONE_STATUS_URL?: string;
  STEPSTONE_REQUEST_TIMEOUT_MS: number;
  STEPSTONE_DEFAULT_RETRY_AFTER_MS: number;
  STEPSTONE_MAX_RETRY_AFTER_MS: number;
  STEPSTONE_MAX_SOCKETS: number;
  STEPSTONE_APPLICATION_LOCK_MS?: number;
  STEPSTONE_ORDER_MARK_TTL_DAYS: number;
}

/** The per-application lock's default: two request timeouts and a margin (a POST is bounded by one timeout). */
export function applicationLockMs(env: Pick<StepStoneEnv, 'STEPSTONE_APPLICATION_LOCK_MS' | 'STEPSTONE_REQUEST_TIMEOUT_MS'>): number {
  return env.STEPSTONE_APPLICATION_LOCK_MS ?? 2 * env.STEPSTONE_REQUEST_TIMEOUT_MS + 5_000;
}

export const stepstoneEnvProperties: Record<string, EnvProperty> = {
  // No default: the status URL carries the ATS_ID that StepStone issues to us, and the seed's host
  // (atsi-prod) is a placeholder. The StepStone processor refuses to start while a tenant that
  // delivers to StepStone has neither this nor its own stepstone.statusUrl.
  STEPSTONE_STATUS_URL: {
    type: 'string',
    pattern: '^https?://',
    description:
      'ATSi Application Status URL, e.g. https://www.at-ats.com/qs-api/public/atsi/v1/{ATS_ID} (current docs; confirm host and ATS_ID with StepStone); a tenant may override it with stepstone.statusUrl',
  },
  STEPSTONE_REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 10_000, description: 'timeout of one StepStone request' },
  // StepStone documents no rate limits and no Retry-After (docs/partners/stepstone.md), so both bounds are ours.
  STEPSTONE_DEFAULT_RETRY_AFTER_MS: {
    type: 'integer',
    minimum: 1,
    default: 60_000,
    description: 'how long the StepStone queue pauses after a 429 without a usable Retry-After',
  },
  STEPSTONE_MAX_RETRY_AFTER_MS: {
    type: 'integer',
    minimum: 1,
    default: 900_000,
    description: 'upper bound on a StepStone Retry-After (a 429 pauses the whole StepStone queue)',
  },
  STEPSTONE_MAX_SOCKETS: { type: 'integer', minimum: 1, default: 50, description: 'keep-alive sockets per StepStone host' },
  // Newest wins per application (packages/stepstone/src/application-order.ts). No default here: it
  // follows STEPSTONE_REQUEST_TIMEOUT_MS (applicationLockMs); the processor refuses one <= the timeout.
  STEPSTONE_APPLICATION_LOCK_MS: {
    type: 'integer',
    minimum: 1_000,
    description: 'how long one StepStone delivery holds its application (default 2 x STEPSTONE_REQUEST_TIMEOUT_MS + 5000); lapses if the worker dies',
  },
  STEPSTONE_ORDER_MARK_TTL_DAYS: {
    type: 'integer',
    minimum: 1,
    default: 40,
    description: 'how long the newest delivered position of an application is remembered; keep it above the 30 days failed jobs can be replayed',
  },
};
