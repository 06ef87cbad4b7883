import { redisConnectionFromEnv, createLogger, runService } from '@status-bridge/core';
import { loadDashboardEnv } from './config';
import { startDashboard } from './server';

runService({
  name: 'dashboard',
  loadConfig: () => loadDashboardEnv(),
  createLogger: (env) => createLogger('dashboard', env.LOG_LEVEL),
  redisSafety: (env) => ({ connection: redisConnectionFromEnv(env), mode: env.REDIS_UNSAFE_CONFIG }),
  shutdownTimeoutMs: (env) => env.SHUTDOWN_TIMEOUT_MS,
  start: (env, logger) => startDashboard(env, logger),
});
