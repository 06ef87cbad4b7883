import { createLogger } from '@status-bridge/core';
import { loadIngestConfig } from '../../apps/ingest/src/config';
import { startIngest } from '../../apps/ingest/src/server';
import { useBatchedStdout } from '../../apps/ingest/src/log-output';

/**
 * Benchmark-only variant of the ingest process: identical, except that POST /icims/events goes
 * through Express's router instead of the server's direct dispatch. Measures what that costs.
 */
async function main(): Promise<void> {
  const config = loadIngestConfig();
  const logger = useBatchedStdout(createLogger('ingest', config.env.LOG_LEVEL));
  const running = await startIngest(config, logger, { dispatch: 'express' });
  process.on('SIGTERM', () => void running.stop().then(() => process.exit(0)));
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
