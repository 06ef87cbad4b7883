import Ajv, { type JSONSchemaType } from 'ajv';
import { ConfigError } from './config-error';
import { partitionEnvProperties, partitionLayout } from './partitions';
import { redisConnectionFromEnv, redisEnvProperties, type RedisEnv } from './redis-config';

export { ConfigError };

/**
 * Reads and validates environment variables once, at process start.
 *
 * Each process composes the sections it needs (see `commonEnvSchema` and the apps' `config.ts`).
 * Values are coerced (ports become numbers) and defaults filled in by ajv; any error names the
 * variable, so a bad deployment fails at start with a message an operator can act on.
 */
export type EnvSource = Record<string, string | undefined>;

// `coerceTypes` turns "3000" into 3000 and "true" into true; `useDefaults` fills missing values.
const envAjv = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });

export function loadEnv<T>(schema: JSONSchemaType<T> | Record<string, unknown>, source: EnvSource = process.env): T {
  const properties = (schema as { properties?: Record<string, unknown> }).properties ?? {};
  // Only copy the variables this schema knows; empty strings count as unset (docker-compose
  // writes `VAR=` for an unset variable, which should mean "use the default").
  const values: Record<string, unknown> = {};
  for (const name of Object.keys(properties)) {
    const raw = source[name];
    if (raw !== undefined && raw !== '') values[name] = raw;
  }
  const validate = envAjv.compile<T>(schema as JSONSchemaType<T>);
  if (!validate(values)) {
    const problems = (validate.errors ?? []).map((error) => {
      const variable =
        error.keyword === 'required'
          ? String((error.params as { missingProperty: string }).missingProperty)
          : error.instancePath.replace(/^\//, '');
      const description = (properties[variable] as { description?: string } | undefined)?.description;
      const got = error.keyword === 'required' ? 'is not set' : `${error.message ?? 'is invalid'} (got "${String(values[variable])}")`;
      return `${variable} ${got}${description ? ` — ${description}` : ''}`;
    });
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`, problems);
  }
  // The Redis variables only make sense together (one mode, TLS files readable): checked here, at
  // start, for every process whose schema has them.
  if ('REDIS_URL' in properties) redisConnectionFromEnv(values as RedisEnv);
  // The partition variables likewise (and their names are computed once, here).
  if ('QUEUE_PARTITIONS' in properties && 'QUEUE_PREFIX' in properties) partitionLayout(values as unknown as { QUEUE_PREFIX: string });
  return values as T;
}

/** Variables every process reads. */
export interface CommonEnv extends RedisEnv {
  NODE_ENV: string;
  REDIS_UNSAFE_CONFIG: 'warn' | 'refuse';
  QUEUE_PREFIX: string;
  QUEUE_PARTITIONS: number;
  QUEUE_PARTITIONS_DRAIN?: number;
  CONFIG_FILE: string;
  LOG_LEVEL: string;
  RETRY_BASE_DELAY_MS: number;
  RETRY_MAX_DELAY_MS: number;
  SHUTDOWN_TIMEOUT_MS: number;
}

export const commonEnvProperties = {
  NODE_ENV: { type: 'string', default: 'production', description: 'production, development or test' },
  ...redisEnvProperties,
  REDIS_UNSAFE_CONFIG: {
    type: 'string',
    enum: ['warn', 'refuse'],
    default: 'warn',
    description:
      'what a process does at start when Redis can evict keys (maxmemory-policy other than noeviction): warn (log an error line and start) or refuse (exit 78); appendonly off is always only a warning',
  },
  QUEUE_PREFIX: {
    type: 'string',
    // A hash tag keeps every key of every queue in one Redis Cluster slot, which BullMQ's
    // multi-key Lua scripts (and flows across queues) require.
    pattern: '^\\{[A-Za-z0-9_.-]+\\}$',
    default: '{status-bridge}',
    description: 'BullMQ key prefix, hash-tagged for Redis Cluster, e.g. {status-bridge}',
  },
  ...partitionEnvProperties,
  CONFIG_FILE: { type: 'string', minLength: 1, description: 'path to the tenants JSON file (see docs/configuration.md)' },
  LOG_LEVEL: {
    type: 'string',
    enum: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'],
    default: 'info',
    description: 'winston log level',
  },
  RETRY_BASE_DELAY_MS: {
    type: 'integer',
    minimum: 1,
    default: 5000,
    description: 'first retry delay of every queue; later retries double it (with jitter) up to RETRY_MAX_DELAY_MS',
  },
  RETRY_MAX_DELAY_MS: {
    type: 'integer',
    minimum: 1,
    default: 3_600_000,
    description: 'cap of the retry delay',
  },
  SHUTDOWN_TIMEOUT_MS: {
    type: 'integer',
    minimum: 100,
    default: 20_000,
    description: 'how long a graceful shutdown may take before the process exits anyway (keep below the orchestrator grace period, 30 s in Kubernetes and 10 s in docker compose by default)',
  },
} as const;

export const commonEnvRequired = ['CONFIG_FILE'] as const;

/** Builds an env schema from the common section plus the process's own variables. */
export function envSchema(properties: Record<string, unknown>, required: readonly string[] = []): Record<string, unknown> {
  return {
    type: 'object',
    properties: { ...commonEnvProperties, ...properties },
    required: [...commonEnvRequired, ...required],
    additionalProperties: false,
  };
}
