import { createHash } from 'node:crypto';
import type { RedisConnection } from '@status-bridge/core';
import { ownKey } from '@status-bridge/core';
import { USER_FIELDS, type IcimsRecord } from './records';

/**
 * The acting users (recruiters) of a tenant are few and act on many events, so what we read of
 * one (name and email, USER_FIELDS) is cached in Redis, shared by every worker process, for
 * ICIMS_USER_CACHE_TTL_SECONDS: with the job cached too, an event that needs its actor still
 * costs 2 iCIMS requests. A 404 (no such user, or hidden from the integration user) is cached as
 * well, or a tenant whose users are hidden would pay one more request on every event. Failures
 * that may pass (5xx, timeouts) are never cached.
 *
 * The entry holds a colleague's name and email (PII, like the queued jobs' candidate data): it
 * never goes into a log line, and it expires.
 */
export type CachedUser = { found: true; record: IcimsRecord } | { found: false };

// The field list is part of the key: a release that reads other fields does not see an old shape.
const SHAPE = createHash('sha256').update([...USER_FIELDS].sort().join(',')).digest('hex').slice(0, 12);

export class UserCache {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  get enabled(): boolean {
    return this.ttlSeconds > 0;
  }

  key(customerId: string, userId: string): string {
    return ownKey(this.prefix, 'icims', 'user', customerId, userId, SHAPE);
  }

  async get(customerId: string, userId: string): Promise<CachedUser | undefined> {
    if (!this.enabled) return undefined;
    const text = await this.redis.get(this.key(customerId, userId));
    if (!text) return undefined;
    try {
      const entry = JSON.parse(text) as CachedUser;
      if (entry?.found === false) return { found: false };
      if (entry?.found === true && entry.record !== null && typeof entry.record === 'object') return entry;
      return undefined;
    } catch {
      return undefined;
    }
  }

  async set(customerId: string, userId: string, entry: CachedUser): Promise<void> {
    if (!this.enabled) return;
    await this.redis.set(this.key(customerId, userId), JSON.stringify(entry), 'EX', this.ttlSeconds);
  }
}
