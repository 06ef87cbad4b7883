import { Writable } from 'node:stream';
import winston from 'winston';
import { createLogger } from '../src/logger';

/** The JSON logger: disabled levels cost nothing, enabled ones still write redacted JSON lines. */
function capture(level: string): { logger: winston.Logger; lines: () => Array<Record<string, unknown>> } {
  const logger = createLogger('test', level);
  const chunks: string[] = [];
  // Replace the console transport by one writing into memory, same format chain.
  logger.clear();
  logger.add(new winston.transports.Stream({ stream: new Writable({ write: (chunk, _encoding, done) => void (chunks.push(String(chunk)), done()) }) }));
  return { logger, lines: () => chunks.join('').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>) };
}

/** A meta object that counts how often any of its fields is read. */
function watched(): { meta: Record<string, unknown>; reads: () => number } {
  let reads = 0;
  const meta = {};
  for (const key of ['jobId', 'queue', 'detail']) {
    Object.defineProperty(meta, key, { enumerable: true, get: () => (reads++, 'x') });
  }
  return { meta, reads: () => reads };
}

test('a disabled level builds nothing: its meta is never read, nothing is written (also through a child and log(level, …))', () => {
  const { logger, lines } = capture('info');
  const { meta, reads } = watched();
  logger.debug('job started', meta);
  logger.child({ queue: 'enrich' }).debug('job started', meta);
  logger.log('debug', 'delayed', meta);
  expect(reads()).toBe(0);
  expect(lines()).toEqual([]);
});

test('enabled levels still write one redacted JSON line each, with the child context; changing the level later applies', () => {
  const { logger, lines } = capture('info');
  logger.child({ queue: 'enrich' }).info('job completed', { jobId: 'j1', email: 'someone@example.com' });
  logger.log('warn', 'slow down', { delayMs: 5 });
  logger.level = 'debug';
  logger.debug('now visible', { jobId: 'j2' });
  expect(lines()).toEqual([
    expect.objectContaining({ level: 'info', message: 'job completed', queue: 'enrich', jobId: 'j1', email: '[redacted]', service: 'test' }),
    expect.objectContaining({ level: 'warn', message: 'slow down', delayMs: 5 }),
    expect.objectContaining({ level: 'debug', message: 'now visible', jobId: 'j2' }),
  ]);
});
