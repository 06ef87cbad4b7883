import { types } from 'node:util';
import type { RedisConnection } from './redis';
import type { Logger } from './logger';

/**
 * Redis trouble as a few log lines per outage instead of one per reconnect attempt (the fault
 * run counted 93 to 117 lines of stack traces per outage before): a connection logs when it is
 * lost, a reminder while it stays down, and when it is back; BullMQ objects' errors are logged
 * once per distinct message and window, with the count of repeats left out in between.
 */

// Node's socket errors and ioredis's own words for "Redis is not there (right now)".
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
const CONNECTION_MESSAGE = /Connection is closed|Stream isn't writeable|max retries per request|Socket closed unexpectedly|connect ETIMEDOUT|ECONNREFUSED|ECONNRESET|EPIPE/i;

/** Whether an error only says that Redis cannot be reached (as opposed to a command or script failing). */
export function isConnectionError(error: unknown): boolean {
  // isNativeError also knows errors from another realm (a socket's error inside a jest sandbox).
  if (!(error instanceof Error) && !types.isNativeError(error)) return false;
  const code = (error as { code?: unknown }).code;
  return (typeof code === 'string' && CONNECTION_CODES.has(code)) || CONNECTION_MESSAGE.test(error.message);
}

/**
 * Lets the first occurrence of a key through, then at most one per `windowMs`, telling each
 * admitted line how many were held back since the previous one. Pure apart from the clock.
 */
export class RepeatFilter {
  private readonly seen = new Map<string, { lastAt: number; heldBack: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 1_000,
  ) {}

  /** The number held back since the last admitted one if this occurrence is to be logged, else undefined. */
  admit(key: string): number | undefined {
    const now = this.now();
    const entry = this.seen.get(key);
    if (entry && now - entry.lastAt < this.windowMs) {
      entry.heldBack += 1;
      return undefined;
    }
    if (!entry && this.seen.size >= this.maxKeys) this.forgetOld(now);
    this.seen.set(key, { lastAt: now, heldBack: 0 });
    return entry?.heldBack ?? 0;
  }

  private forgetOld(now: number): void {
    for (const [key, entry] of this.seen) if (now - entry.lastAt >= this.windowMs) this.seen.delete(key);
    // Still full (many distinct messages at once): start over rather than grow without bound.
    if (this.seen.size >= this.maxKeys) this.seen.clear();
  }
}

export interface RedisLogOptions {
  /** While a connection stays down, how often to say so again (default 60 s). */
  reminderMs?: number;
  now?: () => number;
}

/**
 * Follows one ioredis connection: `redis connection lost` (error level, with the first error)
 * when it drops or cannot connect, `redis still unreachable` at most once per reminder period
 * while reconnect attempts keep failing, and `redis connection restored` (info) with how long it
 * was down when it is ready again. Also keeps ioredis from printing unhandled error events.
 */
export function watchRedisConnection(redis: RedisConnection, logger: Logger, connection: string, options: RedisLogOptions = {}): void {
  const reminderMs = options.reminderMs ?? 60_000;
  const now = options.now ?? Date.now;
  let everReady = redis.status === 'ready';
  let down: { since: number; failures: number; lastReportAt: number; lastError?: string } | undefined;

  const trouble = (error?: Error): void => {
    const at = now();
    if (!down) {
      down = { since: at, failures: error ? 1 : 0, lastReportAt: at, lastError: error?.message };
      logger.error(everReady ? 'redis connection lost' : 'redis unreachable', {
        connection,
        ...(error ? { error: error.message, code: (error as { code?: unknown }).code } : { error: 'connection closed' }),
      });
      return;
    }
    if (error) {
      down.failures += 1;
      down.lastError = error.message;
    }
    if (at - down.lastReportAt >= reminderMs) {
      down.lastReportAt = at;
      logger.error('redis still unreachable', { connection, downForMs: at - down.since, failedAttempts: down.failures, error: down.lastError });
    }
  };

  redis.on('error', (error: Error) => {
    if (isConnectionError(error)) trouble(error);
    else logger.error('redis error', { connection, error: error.message });
  });
  // Emitted when ioredis schedules a reconnect, i.e. the connection went away without us closing it.
  redis.on('reconnecting', () => trouble());
  redis.on('ready', () => {
    if (down) {
      logger.info('redis connection restored', { connection, downForMs: now() - down.since, failedAttempts: down.failures });
      down = undefined;
    }
    everReady = true;
  });
}

/**
 * A listener for the 'error' event of a BullMQ object (Queue, Worker, FlowProducer, QueueEvents).
 * Without one, a Queue prints every error with its stack through console.error. Connection errors
 * are echoes of what `watchRedisConnection` already reports, so they go to debug; anything else
 * (a script error, a lock that could not be renewed) is an error line. Both once per message and
 * window, with `repeated` counting what was held back.
 */
export function bullErrorListener(logger: Logger, message: string, fields: Record<string, unknown> = {}, options: { windowMs?: number; now?: () => number } = {}): (error: Error) => void {
  const filter = new RepeatFilter(options.windowMs ?? 60_000, options.now);
  return (error: Error) => {
    const connection = isConnectionError(error);
    const heldBack = filter.admit(`${connection ? 'connection' : 'other'}:${error.message}`);
    if (heldBack === undefined) return;
    logger.log(connection ? 'debug' : 'error', message, { ...fields, error: error.message, ...(heldBack > 0 ? { repeated: heldBack } : {}) });
  };
}
