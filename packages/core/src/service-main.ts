import { ConfigError } from './env';
import type { Logger } from './logger';

/**
 * The life of every long-running process (ingest, worker, dashboard, sandboxes), in one place:
 *
 * - configuration is loaded first; a ConfigError (it names the variable) is printed plainly and the
 *   process exits 78 (EX_CONFIG), before anything connects anywhere;
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
  start(config: Config, logger: Logger): Promise<RunningService>;
}

export function runService<Config>(spec: ServiceSpec<Config>): void {
  const fail = (error: unknown, phase: string): never => {
    if (error instanceof ConfigError) {
      process.stderr.write(`${spec.name}: ${error.message}\n`);
      process.exit(78);
    }
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`${spec.name}: ${phase}: ${text}\n`);
    process.exit(1);
  };

  process.on('unhandledRejection', (reason) => {
    process.stderr.write(`${spec.name}: unhandled rejection: ${String(reason)}\n`);
  });

  let config: Config;
  try {
    config = spec.loadConfig();
  } catch (error) {
    fail(error, 'invalid configuration');
  }
  const logger = spec.createLogger(config!);
  const starting = spec.start(config!, logger);
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
