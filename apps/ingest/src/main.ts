import { ConfigError, createLogger } from '@status-bridge/core';
import { loadIngestConfig } from './config';
import { useBatchedStdout } from './log-output';
import { startIngest } from './server';

async function main(): Promise<void> {
  let config;
  try {
    config = loadIngestConfig();
  } catch (error) {
    // Configuration errors name the variable; print them plainly and stop.
    process.stderr.write(`ingest: ${(error as Error).message}\n`);
    process.exit(error instanceof ConfigError ? 78 : 1);
  }
  const logger = useBatchedStdout(createLogger('ingest', config.env.LOG_LEVEL));
  const running = await startIngest(config, logger);
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
  process.stderr.write(`ingest: unhandled rejection: ${String(reason)}\n`);
});

main().catch((error: Error) => {
  process.stderr.write(`ingest: failed to start: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
