import { ConfigError, envSchema, loadEnv, parsePartitionList, partitionLayout, type CommonEnv, type EnvProperty, type EnvSource, type PartitionLayout, type Tenants } from '@status-bridge/core';
import { concurrencyVariable, loadTenants, parseQueueList, partnerEnvProperties, partnerEnvRequired, PARTNERS, QUEUE_KEYS, QUEUES, type QueueKey } from '@status-bridge/partners';
import { icimsEnvProperties, type IcimsEnv } from './icims';

/**
 * Worker process configuration: read once at start from the environment and the tenants file.
 * The env schema is common + worker + iCIMS + every registered partner's `env`; each queue has
 * its concurrency variable (WORKER_CONCURRENCY_<KEY>). Partner variables are read by the
 * partner's deliverer through `PartnerRuntime.env`.
 */
export interface WorkerEnv extends CommonEnv, IcimsEnv {
  WORKER_QUEUES: string;
  WORKER_PARTITIONS: string;
  METRICS_PORT: number;
  METRICS_HOST: string;
  WORKER_MAX_STALLED_COUNT?: number;
  WORKER_LOCK_DURATION_MS: number;
  WORKER_STALLED_INTERVAL_MS: number;
  /** WORKER_CONCURRENCY_<KEY> of every queue, and every partner's variables. */
  [variable: string]: unknown;
}

const concurrencyProperties: Record<string, EnvProperty> = {
  [concurrencyVariable('enrich')]: { type: 'integer', minimum: 1, default: 10, description: 'parallel enrichment jobs per process' },
  ...Object.fromEntries(PARTNERS.map((partner) => [concurrencyVariable(partner.key), { type: 'integer', minimum: 1, default: 10, description: `parallel ${partner.title} deliveries per process` }])),
};

export const workerEnvProperties = {
  WORKER_QUEUES: { type: 'string', default: 'all', description: `queues this process consumes: "all" or a comma list of ${QUEUE_KEYS.join(', ')}` },
  WORKER_PARTITIONS: {
    type: 'string',
    default: 'all',
    description:
      'queue partitions this process consumes: "all" (every partition of QUEUE_PARTITIONS, and of QUEUE_PARTITIONS_DRAIN while set) or a list of numbers and ranges, e.g. "0-3,5"; every partition needs at least one worker',
  },
  ...concurrencyProperties,
  METRICS_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 9464, description: 'port of /metrics, /healthz and /readyz (0: any free port)' },
  METRICS_HOST: { type: 'string', default: '0.0.0.0', description: 'interface the metrics server listens on' },
  WORKER_MAX_STALLED_COUNT: {
    type: 'integer',
    minimum: 1,
    description:
      `how often a job may be interrupted (its worker died or lost Redis past the lock) and still be run again; unset: each queue's attempts (${QUEUE_KEYS.map((key) => `${key} ${QUEUES[key].defaultJobOptions.attempts}`).join(', ')}); the same value on every worker`,
  },
  WORKER_LOCK_DURATION_MS: {
    type: 'integer',
    minimum: 1000,
    default: 30_000,
    description:
      "lock of an active job, renewed every quarter to half of it; a job whose worker could not renew it for about half of it is taken as interrupted and run again (keep it well above the worker's longest event-loop stall)",
  },
  WORKER_STALLED_INTERVAL_MS: {
    type: 'integer',
    minimum: 500,
    default: 15_000,
    description:
      'how often a worker looks for interrupted jobs (once per interval per queue across all workers); an interrupted job waits about WORKER_LOCK_DURATION_MS plus up to this long; at most WORKER_LOCK_DURATION_MS',
  },
};

/** The worker's env schema (also read by the Kubernetes manifest test for its required variables). */
export const workerEnvSchema = envSchema({ ...workerEnvProperties, ...icimsEnvProperties, ...partnerEnvProperties }, partnerEnvRequired);
/** What BullMQ needs to notice interrupted jobs and run them again, per queue (see stalledJobSettings). */
export interface StalledJobSettings {
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: Record<QueueKey, number>;
}

/**
 * Pure: the stalled-job settings from the worker's env.
 *
 * BullMQ 6.7 (commands/moveStalledJobsToWait-9.lua, worker.js getUnrecoverableErrorMessage):
 * every stalled-interval one worker per queue moves active jobs whose lock has expired back to
 * wait and increments the job's `stc` (stalled counter; no script resets it, neither a retry after a
 * failed attempt nor Job.retry from the failed set). Past `maxStalledCount` it also sets the deferred failure `defa`;
 * the next worker that takes the job fails it at once as an UnrecoverableError "job stalled more
 * than allowable limit", whatever attempts are left. A stall is NOT an attempt: `atm`
 * (attemptsMade) only moves when a processor finishes or throws; only `ats` (attempts started)
 * counts it. With BullMQ's default of 1, the second interruption of a job (two worker crashes in a
 * row, a deploy during a crash) failed it for good on attempt 1 of 20.
 *
 * So by default each queue allows as many interruptions as it allows attempts: an interrupted job
 * keeps being run again about as long as a failing one is retried, while a job that crashes its
 * worker every time (a poison message) still ends in the failed set instead of looping forever.
 */
export function stalledJobSettings(env: Pick<WorkerEnv, 'WORKER_MAX_STALLED_COUNT' | 'WORKER_LOCK_DURATION_MS' | 'WORKER_STALLED_INTERVAL_MS'>): StalledJobSettings {
  if (env.WORKER_STALLED_INTERVAL_MS > env.WORKER_LOCK_DURATION_MS) {
    throw new ConfigError(
      `WORKER_STALLED_INTERVAL_MS (${env.WORKER_STALLED_INTERVAL_MS}) must not exceed WORKER_LOCK_DURATION_MS (${env.WORKER_LOCK_DURATION_MS}): a check interval longer than the lock only adds to the time an interrupted job waits; to recover faster, shorten both`,
    );
  }
  const maxStalledCount = Object.fromEntries(
    QUEUE_KEYS.map((key) => [key, env.WORKER_MAX_STALLED_COUNT ?? QUEUES[key].defaultJobOptions.attempts ?? 1]),
  ) as Record<QueueKey, number>;
  return { lockDurationMs: env.WORKER_LOCK_DURATION_MS, stalledIntervalMs: env.WORKER_STALLED_INTERVAL_MS, maxStalledCount };
}

/**
 * Pure: the concurrency of each consumed partition's Worker for one queue. WORKER_CONCURRENCY_<KEY>
 * stays what it says, parallel jobs per PROCESS (what a partner and this process's CPU see), so it
 * is split over the partitions the process consumes: the first `total mod n` get one more; each
 * gets at least 1 (with more partitions than the total, the process runs one job per partition).
 * A BullMQ Worker's concurrency is its own; without the split, 8 partitions would mean 8× the
 * partner calls (measured in the cluster suite: partner timeouts and re-sent posts).
 */
export function partitionConcurrency(total: number, partitions: number): number[] {
  return Array.from({ length: partitions }, (_, index) => Math.max(1, Math.floor(total / partitions) + (index < total % partitions ? 1 : 0)));
}

export interface WorkerConfig {
  env: WorkerEnv;
  queues: QueueKey[];
  /** The queue partitions (QUEUE_PARTITIONS …) and which of them this process consumes (WORKER_PARTITIONS). */
  layout: PartitionLayout;
  partitions: number[];
  concurrency: Record<QueueKey, number>;
  stalled: StalledJobSettings;
  tenants: Tenants;
}

export function loadWorkerConfig(source: EnvSource = process.env): WorkerConfig {
  const env = loadEnv<WorkerEnv>(workerEnvSchema, source);
  let queues: QueueKey[];
  try {
    queues = parseQueueList(env.WORKER_QUEUES);
  } catch (error) {
    throw new ConfigError(`WORKER_QUEUES: ${(error as Error).message}`);
  }
  const layout = partitionLayout(env);
  let partitions: number[];
  try {
    partitions = parsePartitionList(env.WORKER_PARTITIONS, layout.all.length);
  } catch (error) {
    throw new ConfigError(`WORKER_PARTITIONS: ${(error as Error).message}${layout.drain > layout.count ? ' (QUEUE_PARTITIONS_DRAIN included)' : ''}`);
  }
  const stalled = stalledJobSettings(env);
  const tenants = loadTenants(env.CONFIG_FILE, source, ['icims', 'partners']);
  const concurrency = Object.fromEntries(QUEUE_KEYS.map((key) => [key, env[concurrencyVariable(key)] as number])) as Record<QueueKey, number>;
  return { env, queues, layout, partitions, concurrency, stalled, tenants };
}
