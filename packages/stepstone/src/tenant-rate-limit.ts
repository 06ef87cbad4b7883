import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '@status-bridge/core';
import { ownKey, RedisScript } from '@status-bridge/core';

/**
 * Per-tenant sliding-window limit on StepStone requests, shared by every worker process.
 *
 * Why our own: BullMQ's `limiter` counts per queue, and per-group limits are BullMQ Pro only; a
 * tenant whose contract with StepStone allows N updates per period must not hold up the others.
 * The caller delays only the over-limit job (without spending an attempt).
 *
 * A sorted set per tenant holds the start times of the requests in the current window; the script
 * reads Redis's clock so that workers with skewed clocks agree. Scripts replicate by effects in
 * Redis 7, so TIME inside is allowed; the one key lives under the hash-tagged prefix (Cluster-safe).
 */
const ACQUIRE = new RedisScript<number>(`
local key = KEYS[1]
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < max then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, window)
  return 0
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`, 1);

export interface RateLimit {
  max: number;
  durationMs: number;
}

export class TenantRateLimiter {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  key(tenantId: string): string {
    return ownKey(this.prefix, 'stepstone', 'rate', tenantId);
  }

  /** Takes a slot if one is free: 0. Otherwise the milliseconds until the oldest slot frees. */
  async acquire(tenantId: string, limit: RateLimit): Promise<number> {
    const waitMs = await ACQUIRE.run(this.redis, [this.key(tenantId)], [limit.max, limit.durationMs, randomUUID()]);
    return Number(waitMs);
  }
}
