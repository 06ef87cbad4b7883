import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from './logger';
import { watchRedisConnection } from './redis-log';

/**
 * Redis connections. Which kind a caller needs matters for the guarantees:
 *
 * - `producer`: used by the ingest API to enqueue. No offline queue and one retry per command,
 *   so a call made while Redis is down fails at once (we answer 503) instead of waiting in memory
 *   for a reconnect: nothing is acknowledged that is not stored.
 * - `worker`: BullMQ workers block on Redis and must wait out outages, so commands are retried
 *   forever (`maxRetriesPerRequest: null`, which BullMQ requires for workers).
 * - `client`: our own keys (token caches, correlation records, counters) from workers.
 *
 * BullMQ does not close connections passed to it, so whoever creates one closes it at shutdown.
 */
export type RedisRole = 'producer' | 'worker' | 'client';

// BullMQ's own reconnect curve: 1 s .. 20 s, forever.
const retryStrategy = (times: number): number => Math.max(Math.min(Math.exp(times), 20_000), 1_000);

/**
 * With a `logger`, the connection's outages are logged as state changes (lost / still unreachable
 * / restored, see redis-log.ts); without one its errors are only kept from being printed.
 */
export function createRedis(url: string, role: RedisRole, name?: string, logger?: Logger): Redis {
  const common: RedisOptions = {
    connectionName: name ? `status-bridge:${name}` : undefined,
    retryStrategy,
    lazyConnect: false,
    keepAlive: 30_000,
  };
  const byRole: Record<RedisRole, RedisOptions> = {
    producer: { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1_000 },
    worker: { maxRetriesPerRequest: null, enableReadyCheck: false },
    client: { maxRetriesPerRequest: 3, connectTimeout: 5_000 },
  };
  const redis = new Redis(url, { ...common, ...byRole[role] });
  // Without a listener ioredis prints every error event with its stack through console.error.
  if (logger) watchRedisConnection(redis, logger, name ?? role);
  else redis.on('error', () => undefined);
  return redis;
}

/** Closes a connection politely, falling back to a hard disconnect if Redis does not answer. */
export async function closeRedis(redis: Redis, timeoutMs = 1_000): Promise<void> {
  if (redis.status === 'end') return;
  try {
    await Promise.race([redis.quit(), new Promise((_, reject) => setTimeout(() => reject(new Error('quit timed out')), timeoutMs))]);
  } catch {
    redis.disconnect();
  }
}

/** Key for our own (non-queue) data, under the hash-tagged queue prefix so it moves with the queues. */
export function ownKey(prefix: string, ...parts: string[]): string {
  return [prefix, 'sb', ...parts].join(':');
}

/** Whether Redis answers PING within `timeoutMs` (readiness probes must not hang with the connection). */
export async function redisAnswers(redis: Redis, timeoutMs = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    return (await Promise.race([redis.ping(), timeout])) === 'PONG';
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Whether a Redis answers at `url` right now: one connection attempt, no retries (start-up checks). */
export async function redisUrlAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return await redisAnswers(probe, timeoutMs);
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}
