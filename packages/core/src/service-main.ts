import { ConfigError } from './env';
import { createLogger, type Logger } from './logger';
import { errorFields, routeProcessOutput } from './process-output';
import { checkRedisSafety, type RedisUnsafeConfigMode } from './redis-safety';
import type { RedisConnectionConfig } from './redis-config';

/**
 * The life of every long-running process (ingest, worker, dashboard, sandboxes), in one place:
 *
 * - every line the process prints is one JSON object: before its configuration is read a default
 *   logger (level info) writes, then the service's own; console output, Node warnings, uncaught
 *   exceptions (exit 1) and unhandled rejections go through it too (process-output.ts);
 * - configuration is loaded first; a ConfigError (it names the variable) is logged as one line and
 *   the process exits 78 (EX_CONFIG), before anything connects anywhere;
 * - the Redis settings jobs depend on are checked before start (redis-safety.ts), when the spec
 *   names its Redis; in refuse mode an unsafe Redis is a ConfigError too (exit 78);
 * - SIGTERM/SIGINT handlers are installed BEFORE start-up, so a signal that arrives while the
 *   process is still starting (or right after its "ready" line) still leads to a graceful stop;
 * - the first signal stops the service (readiness off, in-flight work finished, connections closed)
 *   within `shutdownTimeoutMs`, then exits 0; a second signal, or the time bound, exits 1 at once.
 */
export interface RunningService {
  stop(): Promise<void>;
}

export interface ServiceSpec<Config> {
  name: string;
  loadConfig(): Config;
  createLogger(config: Config): Logger;
  shutdownTimeoutMs(config: Config): number;
  /** The Redis this service keeps jobs in, checked at start (redis-safety.ts); omitted: no check. */
  redisSafety?(config: Config): { connection: RedisConnectionConfig; mode: RedisUnsafeConfigMode } | undefined;
  start(config: Config, logger: Logger): Promise<RunningService>;
}

export function runService<Config>(spec: ServiceSpec<Config>): void {
  let logger: Logger = createLogger(spec.name);
  routeProcessOutput(logger);

  const fail = (error: unknown, phase: string): never => {
    if (error instanceof ConfigError) {
      // One line; each problem names its variable.
      logger.error(`invalid configuration: ${error.problems.join('; ')}`, { phase, problems: error.problems, exitCode: 78 });
      process.exit(78);
    }
    logger.error(phase, { ...errorFields(error), exitCode: 1 });
    process.exit(1);
  };

  let config: Config;
  try {
    config = spec.loadConfig();
  } catch (error) {
    fail(error, 'invalid configuration');
  }
  logger = spec.createLogger(config!);
  routeProcessOutput(logger);
  const starting = (async () => {
    const redis = spec.redisSafety?.(config!);
    if (redis) await checkRedisSafety(redis.connection, redis.mode, logger);
    return spec.start(config!, logger);
  })();
  starting.catch((error: unknown) => fail(error, 'failed to start'));

  let signals = 0;
  const shutdown = (signal: NodeJS.Signals): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    logger.info('shutting down', { signal });
    const timeoutMs = spec.shutdownTimeoutMs(config);
    setTimeout(() => {
      logger.error('shutdown took too long; exiting', { timeoutMs });
      process.exit(1);
    }, timeoutMs).unref();
    starting
      .then((running) => running.stop())
      .then(
        () => {
          logger.info('stopped');
          process.exit(0);
        },
        (error: Error) => {
          logger.error('shutdown failed', { error: error.message });
          process.exit(1);
        },
      );
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
