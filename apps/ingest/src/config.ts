import { ConfigError, envSchema, httpTimeoutEnvProperties, httpTimeoutsFromEnv, loadEnv, type CommonEnv, type EnvSource, type HttpServerTimeouts, type Tenants } from '@status-bridge/core';
import { loadTenants } from '@status-bridge/partners';
import { icimsApiBaseUrlEnvProperties, type IcimsApiBaseUrlEnv } from '@status-bridge/icims';
import { DEFAULT_ACCEPTED_MESSAGE } from './responses';

/** Ingest process configuration: read once at start from the environment and the tenants file. */
export interface IngestEnv extends CommonEnv, IcimsApiBaseUrlEnv {
  PORT: number;
  HOST: string;
  INGEST_BODY_LIMIT_BYTES: number;
  DEDUP_WINDOW_SECONDS: number;
  INGEST_TOKEN_SECRET?: string;
  INGEST_TOKEN_TTL_SECONDS: number;
  ENQUEUE_TIMEOUT_MS: number;
  ENQUEUE_WAIT_REPLICAS: number;
  INGEST_ACCEPTED_MESSAGE: string;
  INGEST_REQUEST_TIMEOUT_MS: number;
  INGEST_HEADERS_TIMEOUT_MS: number;
  INGEST_CONNECTIONS_CHECKING_INTERVAL_MS: number;
}

export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
export const MIN_TOKEN_SECRET_LENGTH = 32;

// iCIMS posts one small event (722 bytes in the seed) per request: 10 s for the whole request is
// generous, and a client slower than that only holds a connection.
export const DEFAULT_INGEST_HTTP_TIMEOUTS: HttpServerTimeouts = { requestTimeoutMs: 10_000, headersTimeoutMs: 5_000, connectionsCheckingIntervalMs: 1_000 };

export const ingestEnvProperties = {
  // Links are checked at ingest against the same origin the worker will call (tenant apiBaseUrl, else this).
  ...icimsApiBaseUrlEnvProperties,
  ...httpTimeoutEnvProperties('INGEST', DEFAULT_INGEST_HTTP_TIMEOUTS),
  INGEST_ACCEPTED_MESSAGE: {
    type: 'string',
    minLength: 1,
    maxLength: 500,
    default: DEFAULT_ACCEPTED_MESSAGE,
    // iCIMS shows this to the recruiter when the workflow's "Show Confirmation" is on (Status Flow
    // Update page); a customer may want it in their recruiters' language.
    description: `confirmation iCIMS shows the recruiter when an event is accepted (default "${DEFAULT_ACCEPTED_MESSAGE}")`,
  },
  PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000, description: 'port of the ingest API (0: any free port, logged in the "ready" line)' },
  HOST: { type: 'string', minLength: 1, default: '0.0.0.0', description: 'interface the ingest API listens on' },
  INGEST_BODY_LIMIT_BYTES: {
    type: 'integer',
    minimum: 1024,
    default: DEFAULT_BODY_LIMIT_BYTES,
    // The seed event is 722 bytes; 64 KiB leaves room for long link lists and iCIMS's future fields.
    description: 'largest accepted event body in bytes (default 65536), applied to the received body AND to the inflated body, so a gzip bomb gets 413',
  },
  DEDUP_WINDOW_SECONDS: {
    type: 'integer',
    minimum: 1,
    default: 600,
    description: 'the same (customerId, systemId, oldStatus, newStatus) received again within this many seconds is the same job (re-sends, double clicks)',
  },
  INGEST_TOKEN_SECRET: {
    type: 'string',
    minLength: MIN_TOKEN_SECRET_LENGTH,
    description: `HMAC key (at least ${MIN_TOKEN_SECRET_LENGTH} characters) that signs the access tokens of POST /oauth/token; the same on every ingest replica so any replica verifies any token; required when a tenant (or defaultInbound) has inbound oauth`,
  },
  INGEST_TOKEN_TTL_SECONDS: { type: 'integer', minimum: 60, maximum: 86_400, default: 3600, description: 'lifetime of an issued access token (expires_in)' },
  ENQUEUE_TIMEOUT_MS: {
    type: 'integer',
    minimum: 50,
    maximum: 10_000,
    default: 800,
    description: 'longest wait for Redis to confirm an event before answering 503 (keep below 1000 so iCIMS hears of Redis trouble within a second)',
  },
  ENQUEUE_WAIT_REPLICAS: {
    type: 'integer',
    minimum: 0,
    maximum: 10,
    default: 0,
    description: 'replicas that must hold an event (Redis WAIT, within ENQUEUE_TIMEOUT_MS) before ingest answers 200; 1 with Sentinel or Cluster, so a failover cannot lose an acknowledged event (fewer replicas connected: 503); 0 for a single Redis',
  },
};

/** The ingest's env schema (also read by the Kubernetes manifest test for its required variables). */
export const ingestEnvSchema = envSchema(ingestEnvProperties);

export interface IngestConfig {
  env: IngestEnv;
  tenants: Tenants;
  /** From INGEST_REQUEST_TIMEOUT_MS, INGEST_HEADERS_TIMEOUT_MS, INGEST_CONNECTIONS_CHECKING_INTERVAL_MS. */
  http: HttpServerTimeouts;
}

/** True when any inbound credential set (a tenant's or the partner-wide default) uses OAuth. */
export function usesInboundOAuth(tenants: Tenants): boolean {
  if (tenants.file.defaultInbound?.oauth) return true;
  return tenants.ids().some((customerId) => tenants.get(customerId)?.inbound?.oauth !== undefined);
}

export function loadIngestConfig(source: EnvSource = process.env): IngestConfig {
  const env = loadEnv<IngestEnv>(ingestEnvSchema, source);
  const http = httpTimeoutsFromEnv(env, 'INGEST');
  const tenants = loadTenants(env.CONFIG_FILE, source, ['inbound']);
  if (usesInboundOAuth(tenants) && !env.INGEST_TOKEN_SECRET) {
    throw new ConfigError(
      `INGEST_TOKEN_SECRET is not set — ${ingestEnvProperties.INGEST_TOKEN_SECRET.description}`,
    );
  }
  return { env, tenants, http };
}
