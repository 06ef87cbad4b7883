import { createLogger, ConfigError } from '@status-bridge/core';
import { loadWorkerConfig } from './config';
import { startWorkerProcess } from './worker-process';

async function main(): Promise<void> {
  let config;
  try {
    config = loadWorkerConfig();
  } catch (error) {
    // Configuration errors name the variable; print them plainly and stop.
    process.stderr.write(`worker: ${(error as Error).message}\n`);
    process.exit(error instanceof ConfigError ? 78 : 1);
  }
  const logger = createLogger('worker', config.env.LOG_LEVEL);
  let running;
  try {
    running = await startWorkerProcess(config, logger);
  } catch (error) {
    // Processors validate their own partner settings when built (e.g. a StepStone URL for a
    // tenant that delivers there); those are configuration errors too.
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`worker: ${error.message}\n`);
    process.exit(78);
  }
  let signals = 0;
  const shutdown = (signal: string): void => {
    signals += 1;
    if (signals > 1) {
      logger.warn('second signal: exiting now', { signal });
      process.exit(1);
    }
    logger.info('shutting down', { signal });
    const hardStop = setTimeout(() => {
      logger.error('shutdown took too long; exiting', { timeoutMs: config.env.SHUTDOWN_TIMEOUT_MS });
      process.exit(1);
    }, config.env.SHUTDOWN_TIMEOUT_MS).unref();
    running.stop().then(
      () => {
        clearTimeout(hardStop);
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

process.on('unhandledRejection', (reason) => {
  process.stderr.write(`worker: unhandled rejection: ${String(reason)}\n`);
});

main().catch((error: Error) => {
  process.stderr.write(`worker: failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
