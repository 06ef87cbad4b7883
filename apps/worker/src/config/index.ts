import { ConfigError, envSchema, loadEnv, parseQueueList, type CommonEnv, type EnvSource, type QueueKey, Tenants } from '@status-bridge/core';
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
}

export const workerEnvProperties = {
  WORKER_QUEUES: { type: 'string', default: 'all', description: 'queues this process consumes: "all" or a comma list of enrich, stepstone, seek' },
  WORKER_CONCURRENCY_ENRICH: { type: 'integer', minimum: 1, default: 10, description: 'parallel enrichment jobs per process' },
  WORKER_CONCURRENCY_STEPSTONE: { type: 'integer', minimum: 1, default: 10, description: 'parallel StepStone deliveries per process' },
  WORKER_CONCURRENCY_SEEK: { type: 'integer', minimum: 1, default: 10, description: 'parallel SEEK deliveries per process' },
  METRICS_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 9464, description: 'port of /metrics, /healthz and /readyz (0: any free port)' },
  METRICS_HOST: { type: 'string', default: '0.0.0.0', description: 'interface the metrics server listens on' },
};

/** The worker's env schema (also read by the Kubernetes manifest test for its required variables). */
export const workerEnvSchema = envSchema({ ...workerEnvProperties, ...icimsEnvProperties, ...stepstoneEnvProperties, ...seekEnvProperties });

export interface WorkerConfig {
  env: WorkerEnv;
  queues: QueueKey[];
  concurrency: Record<QueueKey, number>;
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
  const tenants = Tenants.fromFile(env.CONFIG_FILE, source, ['icims', 'stepstone', 'seek']);
  return {
    env,
    queues,
    concurrency: { enrich: env.WORKER_CONCURRENCY_ENRICH, stepstone: env.WORKER_CONCURRENCY_STEPSTONE, seek: env.WORKER_CONCURRENCY_SEEK },
    tenants,
  };
}
