import type { EnvSource } from '@status-bridge/core';
import { ingestEnvSchema, loadIngestConfig } from '../../apps/ingest/src/config';
import { loadWorkerConfig, workerEnvSchema } from '../../apps/worker/src/config';
import { dashboardEnvSchema, loadDashboardEnv } from '../../apps/dashboard/src/config';

/**
 * Our long-running processes as a container runs them: its entry point, the env schema and loader
 * the process itself uses (imported, so the required and known variables are never copied here),
 * and the variables that set its HTTP port and interface.
 */
export interface EnvSchema {
  properties: Record<string, { default?: unknown; pattern?: string; minLength?: number }>;
  required: string[];
}

export interface ProcessSpec {
  name: 'ingest' | 'worker' | 'dashboard';
  entry: string;
  envSchema: EnvSchema;
  /** The process's own configuration loader: throws a ConfigError naming what is wrong. */
  loadConfig(env: EnvSource): unknown;
  /** Variable holding the port of /healthz, /readyz and /metrics. */
  portVariable: string;
  hostVariable: string;
  /** Takes traffic through a Service that must stop sending before SIGTERM (a preStop sleep). */
  drainsBeforeShutdown: boolean;
}

export const PROCESSES: ProcessSpec[] = [
  {
    name: 'ingest',
    entry: 'apps/ingest/src/main.ts',
    envSchema: ingestEnvSchema as unknown as EnvSchema,
    loadConfig: (env) => loadIngestConfig(env),
    portVariable: 'PORT',
    hostVariable: 'HOST',
    drainsBeforeShutdown: true,
  },
  {
    name: 'worker',
    entry: 'apps/worker/src/main.ts',
    envSchema: workerEnvSchema as unknown as EnvSchema,
    loadConfig: (env) => loadWorkerConfig(env),
    portVariable: 'METRICS_PORT',
    hostVariable: 'METRICS_HOST',
    drainsBeforeShutdown: false,
  },
  {
    name: 'dashboard',
    entry: 'apps/dashboard/src/main.ts',
    envSchema: dashboardEnvSchema as unknown as EnvSchema,
    loadConfig: (env) => loadDashboardEnv(env),
    portVariable: 'DASHBOARD_PORT',
    hostVariable: 'DASHBOARD_HOST',
    drainsBeforeShutdown: false,
  },
];

/** Read by node or tsx rather than by our config loaders; allowed in a Deployment's env. */
export const RUNTIME_VARIABLES = new Set(['NODE_OPTIONS']);

/** The process a container runs, from its command (`node --import tsx apps/<app>/src/main.ts`). */
export function processOf(container: { command?: string[]; args?: string[] }): ProcessSpec | undefined {
  const words = [...(container.command ?? []), ...(container.args ?? [])];
  return PROCESSES.find((process) => words.includes(process.entry));
}

/** A value that passes the variable's own schema, standing in for a secret the operator fills in. */
export function dummySecretValue(name: string, spec: ProcessSpec): string {
  const pattern = spec.envSchema.properties[name]?.pattern;
  if (pattern?.startsWith('^rediss?://')) return 'redis://redis.invalid:6379';
  if (pattern?.startsWith('^https?://')) return 'https://secret.invalid';
  // Longer than any minLength our schemas ask of a secret (INGEST_TOKEN_SECRET: 32).
  return `dummy-${name.toLowerCase()}-`.padEnd(48, 'x');
}
