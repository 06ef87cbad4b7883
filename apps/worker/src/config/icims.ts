import { icimsApiBaseUrlEnvProperties, type IcimsApiBaseUrlEnv } from '@status-bridge/icims';

/** iCIMS REST API settings (issue: enrichment worker). ICIMS_API_BASE_URL is shared with ingest. */
export interface IcimsEnv extends IcimsApiBaseUrlEnv {
  ICIMS_TOKEN_URL: string;
  ICIMS_AUDIENCE: string;
  ICIMS_REQUEST_TIMEOUT_MS: number;
  ICIMS_DAILY_REQUEST_BUDGET: number;
  ICIMS_JOB_CACHE_TTL_SECONDS: number;
  ICIMS_USER_CACHE_TTL_SECONDS: number;
  ICIMS_TOKEN_MARGIN_SECONDS: number;
  ICIMS_DEFAULT_RETRY_AFTER_MS: number;
  ICIMS_LATE_RESEND_WINDOW_SECONDS: number;
  ICIMS_BACKOFF_JITTER_MS: number;
}

export const icimsEnvProperties = {
  ...icimsApiBaseUrlEnvProperties,
  ICIMS_TOKEN_URL: { type: 'string', pattern: '^https?://', default: 'https://login.icims.com/oauth/token', description: 'iCIMS OAuth token endpoint (EU: https://login.icims.eu/oauth/token)' },
  ICIMS_AUDIENCE: { type: 'string', default: 'https://api.icims.com/v1/', description: 'audience parameter of the iCIMS token request' },
  ICIMS_REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 10_000, description: 'timeout of one iCIMS API request' },
  ICIMS_DAILY_REQUEST_BUDGET: { type: 'integer', minimum: 1, default: 10_000, description: 'iCIMS API requests per customer per day (licence limit)' },
  ICIMS_JOB_CACHE_TTL_SECONDS: { type: 'integer', minimum: 0, default: 3600, description: 'how long a job profile is cached in Redis (0: no cache)' },
  ICIMS_USER_CACHE_TTL_SECONDS: {
    type: 'integer',
    minimum: 0,
    default: 86_400,
    description: "how long an acting iCIMS user's name and email (or iCIMS's 404 for them) are cached in Redis, for partners that name who changed the status (0: no cache)",
  },
  ICIMS_TOKEN_MARGIN_SECONDS: { type: 'integer', minimum: 0, default: 300, description: 'a cached iCIMS OAuth token is dropped this long before its expires_in (at most half its lifetime: the one margin rule of every cached token)' },
  // iCIMS documents no 429 or Retry-After behaviour (docs/partners/icims.md#rate-limits-and-errors); this is our guess.
  ICIMS_DEFAULT_RETRY_AFTER_MS: { type: 'integer', minimum: 100, default: 60_000, description: 'wait after an iCIMS 429 that has no usable Retry-After header' },
  // Order of a late re-send (packages/icims/src/event-order.ts): iCIMS documents no redelivery
  // (docs/partners/icims.md#the-event), so the window is ours; a day covers a re-trigger after an outage.
  ICIMS_LATE_RESEND_WINDOW_SECONDS: {
    type: 'integer',
    minimum: 60,
    default: 86_400,
    description: "an event whose workflow iCIMS already shows at another status is ordered just before that workflow update (a late re-send must not overwrite the newer status at a partner that keeps only the current one) when the update is at most this much older than the event's receipt; older workflow data is ignored",
  },
  ICIMS_BACKOFF_JITTER_MS: {
    type: 'integer',
    minimum: 0,
    maximum: 600_000,
    default: 2_000,
    description: "after an iCIMS 429 closes a tenant's back-off gate, the tenant's waiting jobs come back spread at random over this window (0: all at once)",
  },
};
