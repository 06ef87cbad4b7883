import { ConfigError, envSchema, loadEnv, parseQueueList, QUEUE_KEYS, QUEUES, type CommonEnv, type EnvSource, type QueueKey, Tenants } from '@status-bridge/core';
import { icimsEnvProperties, type IcimsEnv } from './icims';
import { stepstoneEnvProperties, type StepStoneEnv } from './stepstone';
import { seekEnvProperties, type SeekEnv } from './seek';

/** Worker process configuration: read once at start from the environment and the tenants file. */
export interface WorkerEnv extends CommonEnv, IcimsEnv, StepStoneEnv, SeekEnv {
  WORKER_QUEUES: string;
  WORKER_CONCURRENCY_ENRICH: number;
  WORKER_CONCURRENCY_STEPSTONE: number;
  WORKER_CONCURRENCY_SEEK: number;
  METRICS_PORT: number;
  METRICS_HOST: string;
  WORKER_MAX_STALLED_COUNT?: number;
  WORKER_LOCK_DURATION_MS: number;
  WORKER_STALLED_INTERVAL_MS: number;
}

export const workerEnvProperties = {
  WORKER_QUEUES: { type: 'string', default: 'all', description: 'queues this process consumes: "all" or a comma list of enrich, stepstone, seek' },
  WORKER_CONCURRENCY_ENRICH: { type: 'integer', minimum: 1, default: 10, description: 'parallel enrichment jobs per process' },
  WORKER_CONCURRENCY_STEPSTONE: { type: 'integer', minimum: 1, default: 10, description: 'parallel StepStone deliveries per process' },
  WORKER_CONCURRENCY_SEEK: { type: 'integer', minimum: 1, default: 10, description: 'parallel SEEK deliveries per process' },
  METRICS_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 9464, description: 'port of /metrics, /healthz and /readyz (0: any free port)' },
  METRICS_HOST: { type: 'string', default: '0.0.0.0', description: 'interface the metrics server listens on' },
  WORKER_MAX_STALLED_COUNT: {
    type: 'integer',
    minimum: 1,
    description:
      "how often a job may be interrupted (its worker died or lost Redis past the lock) and still be run again; unset: each queue's attempts (enrich 20, stepstone 35, seek 35); the same value on every worker",
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
export const workerEnvSchema = envSchema({ ...workerEnvProperties, ...icimsEnvProperties, ...stepstoneEnvProperties, ...seekEnvProperties });
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

export interface WorkerConfig {
  env: WorkerEnv;
  queues: QueueKey[];
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
  const stalled = stalledJobSettings(env);
  const tenants = Tenants.fromFile(env.CONFIG_FILE, source, ['icims', 'stepstone', 'seek']);
  return {
    env,
    queues,
    concurrency: { enrich: env.WORKER_CONCURRENCY_ENRICH, stepstone: env.WORKER_CONCURRENCY_STEPSTONE, seek: env.WORKER_CONCURRENCY_SEEK },
    stalled,
    tenants,
  };
}
