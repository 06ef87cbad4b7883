import { redisConnectionFromEnv, createLogger, runService } from '@status-bridge/core';
import { loadWorkerConfig } from './config';
import { startWorkerProcess } from './worker-process';

// Processors validate their own partner settings when built (e.g. a partner URL for a tenant
// that delivers there): those ConfigErrors also end in a plain message and exit 78.
runService({
  name: 'worker',
  loadConfig: () => loadWorkerConfig(),
  createLogger: (config) => createLogger('worker', config.env.LOG_LEVEL),
  redisSafety: (config) => ({ connection: redisConnectionFromEnv(config.env), mode: config.env.REDIS_UNSAFE_CONFIG }),
  shutdownTimeoutMs: (config) => config.env.SHUTDOWN_TIMEOUT_MS,
  start: (config, logger) => startWorkerProcess(config, logger),
});
