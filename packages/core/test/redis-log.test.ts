import { Writable } from 'node:stream';
import winston from 'winston';
import { Redis } from 'ioredis';
import { bullErrorListener, createLogger, createRedis, isConnectionError, RepeatFilter, watchRedisConnection, type Logger } from '../src';
import { startRedisServer, waitFor } from '@status-bridge/testing';

function captureLogger(): { logger: Logger; entries: Array<Record<string, unknown>> } {
  const entries: Array<Record<string, unknown>> = [];
  const logger = createLogger('test', 'debug');
  logger.clear();
  logger.add(
    new winston.transports.Stream({
      stream: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) entries.push(JSON.parse(line) as Record<string, unknown>);
          callback();
        },
      }),
    }),
  );
  return { logger, entries };
}

const withCode = (message: string, code?: string): Error => Object.assign(new Error(message), code ? { code } : {});

describe('isConnectionError', () => {
  it.each([
    [withCode('connect ECONNREFUSED 127.0.0.1:6379', 'ECONNREFUSED'), true],
    [withCode('write EPIPE', 'EPIPE'), true],
    [withCode('read ECONNRESET', 'ECONNRESET'), true],
    [new Error('Connection is closed.'), true],
    [new Error("Stream isn't writeable and enableOfflineQueue options is false"), true],
    [new Error('Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.'), true],
    [new Error('could not renew lock for job c1234-w2203'), false],
    [new Error('ERR Error running script (call to f_abc): @user_script:1: Missing key'), false],
  ])('%s → %s', (error, expected) => {
    expect(isConnectionError(error)).toBe(expected);
  });
});

describe('RepeatFilter', () => {
  it('lets the first through, holds repeats back for the window, then reports how many', () => {
    let now = 0;
    const filter = new RepeatFilter(1_000, () => now);
    expect(filter.admit('a')).toBe(0);
    expect(filter.admit('a')).toBeUndefined();
    expect(filter.admit('b')).toBe(0);
    now = 500;
    expect(filter.admit('a')).toBeUndefined();
    now = 1_000;
    expect(filter.admit('a')).toBe(2);
    expect(filter.admit('a')).toBeUndefined();
  });

  it('stays bounded with many distinct keys', () => {
    const filter = new RepeatFilter(1_000, () => 0, 10);
    for (let index = 0; index < 100; index += 1) expect(filter.admit(`key-${index}`)).toBe(0);
  });
});

describe('bullErrorListener', () => {
  it('logs connection errors at debug and others at error, once per message and window', () => {
    let now = 0;
    const { logger, entries } = captureLogger();
    const listener = bullErrorListener(logger, 'queue error', { queue: 'enrich' }, { windowMs: 60_000, now: () => now });
    for (let index = 0; index < 50; index += 1) listener(withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'));
    listener(new Error('could not renew lock for job 1'));
    listener(new Error('could not renew lock for job 1'));
    now = 60_000;
    listener(withCode('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'));
    expect(entries.map(({ level, message, queue, error, repeated }) => ({ level, message, queue, error, repeated }))).toEqual([
      { level: 'debug', message: 'queue error', queue: 'enrich', error: 'connect ECONNREFUSED 127.0.0.1:1', repeated: undefined },
      { level: 'error', message: 'queue error', queue: 'enrich', error: 'could not renew lock for job 1', repeated: undefined },
      { level: 'debug', message: 'queue error', queue: 'enrich', error: 'connect ECONNREFUSED 127.0.0.1:1', repeated: 49 },
    ]);
  });
});

describe('a watched connection through a real outage', () => {
  it('logs lost, a reminder while down, and restored, instead of every reconnect attempt', async () => {
    let redis = await startRedisServer();
    const { logger, entries } = captureLogger();
    // The client role retries quickly (1 s), so a 4 s outage has several failed attempts.
    const client = createRedis({ mode: 'single', url: redis.url }, 'client', 'test-connection', logger);
    // A second one with a short reminder period, to see the reminder.
    const reminded = captureLogger();
    const other = new Redis(redis.url, { retryStrategy: () => 300, maxRetriesPerRequest: 1 });
    watchRedisConnection(other, reminded.logger, 'reminded', { reminderMs: 1_500 });
    try {
      await waitFor(() => client.status === 'ready' && other.status === 'ready', { what: 'connections ready' });
      const port = redis.port;
      await redis.stop(true);
      await waitFor(() => entries.some((entry) => entry.message === 'redis connection lost'), { what: 'lost line' });
      await new Promise((resolve) => setTimeout(resolve, 4_000));
      redis = await startRedisServer({ port });
      await waitFor(() => entries.some((entry) => entry.message === 'redis connection restored'), { timeoutMs: 30_000, what: 'restored line' });
      const messages = entries.map((entry) => entry.message);
      expect(messages.filter((message) => message === 'redis connection lost')).toHaveLength(1);
      expect(messages.filter((message) => message === 'redis connection restored')).toHaveLength(1);
      // Default reminder: once a minute, so none in a 4 s outage.
      expect(messages.filter((message) => message === 'redis still unreachable')).toHaveLength(0);
      const restored = entries.find((entry) => entry.message === 'redis connection restored')!;
      expect(restored).toMatchObject({ level: 'info', connection: 'test-connection', failedAttempts: expect.any(Number) });
      expect(restored.failedAttempts as number).toBeGreaterThanOrEqual(2);
      expect(restored.downForMs as number).toBeGreaterThanOrEqual(4_000);

      await waitFor(() => reminded.entries.some((entry) => entry.message === 'redis connection restored'), { what: 'restored line (short reminder)' });
      const reminders = reminded.entries.filter((entry) => entry.message === 'redis still unreachable');
      // About 4 s down with a reminder at most every 1.5 s; attempts every 300 ms are not logged one by one.
      expect(reminders.length).toBeGreaterThanOrEqual(1);
      expect(reminders.length).toBeLessThanOrEqual(3);
      expect(reminders[0]).toMatchObject({ level: 'error', connection: 'reminded', error: expect.stringContaining('ECONNREFUSED') });
    } finally {
      client.disconnect();
      other.disconnect();
      await redis.stop(true);
    }
  }, 60_000);
});
