import type { RedisConnection as Redis } from '@status-bridge/core';
import { ownKey, RedisScript } from '@status-bridge/core';

/**
 * After an endpoint answers 429, the endpoint is held for its Retry-After: that tenant's other
 * deliveries to it wait too instead of each collecting its own 429 (the receiver asked for less
 * load, not for one request less). Only that endpoint waits; nothing else in the webhook queue
 * does (the worker's queue-wide rateLimit pause is for partners that limit us as a whole).
 *
 * One key per (tenant, endpoint) that expires when the hold ends, shared by every worker process,
 * under the hash-tagged prefix. A hold is only ever lengthened, so two 429s in a row cannot
 * shorten the wait the receiver asked for.
 */
const HOLD = new RedisScript<number>(`
local ttl = redis.call('PTTL', KEYS[1])
local want = tonumber(ARGV[1])
if ttl < want then
  redis.call('SET', KEYS[1], '1', 'PX', want)
  return want
end
return ttl
`, 1);

export class EndpointHolds {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(tenantId: string, endpoint: string): string {
    return ownKey(this.prefix, 'webhook', 'hold', tenantId, endpoint);
  }

  /** Holds the endpoint for at least `ms`; returns how long it is held now. */
  async hold(tenantId: string, endpoint: string, ms: number): Promise<number> {
    return Number(await HOLD.run(this.redis, [this.key(tenantId, endpoint)], [Math.max(1, Math.ceil(ms))]));
  }

  /** Milliseconds the endpoint is still held (0: send now). */
  async remainingMs(tenantId: string, endpoint: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.key(tenantId, endpoint)));
  }
}
