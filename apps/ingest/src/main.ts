import { redisConnectionFromEnv, createLogger, runService } from '@status-bridge/core';
import { loadIngestConfig } from './config';
import { useBatchedStdout } from './log-output';
import { startIngest } from './server';

runService({
  name: 'ingest',
  loadConfig: () => loadIngestConfig(),
  createLogger: (config) => useBatchedStdout(createLogger('ingest', config.env.LOG_LEVEL)),
  redisSafety: (config) => ({ connection: redisConnectionFromEnv(config.env), mode: config.env.REDIS_UNSAFE_CONFIG }),
  shutdownTimeoutMs: (config) => config.env.SHUTDOWN_TIMEOUT_MS,
  start: (config, logger) => startIngest(config, logger),
});
