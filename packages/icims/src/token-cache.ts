import { randomBytes } from 'node:crypto';
import type { RedisConnection } from '@status-bridge/core';
import { ownKey, RetryableError } from '@status-bridge/core';

/**
 * One OAuth token per tenant, shared by every worker process through Redis. iCIMS throttles or
 * disables clients that ask for many tokens (pyicims: >500 in 10 minutes; research A1.2), so
 * processes that start together must fetch ONE token: the first to win a SET NX lock fetches,
 * the others poll the cache until the token appears (or the lock lapses and one of them retries).
 *
 * The token is kept until `expires_in` minus a margin, so it never expires mid-request. It is a
 * credential: it lives only in Redis (our own store) and is never logged or put in an error.
 */
export interface FetchedToken {
  accessToken: string;
  expiresInSeconds: number;
}

export interface TokenCacheOptions {
  /** Drop the token this long before iCIMS says it expires. */
  marginMs?: number;
  /** How long one process may hold the fetch lock (longer than a token request can take). */
  lockTtlMs?: number;
  pollIntervalMs?: number;
}

// Deletes the cached token only if it is still the one that was rejected, so a process that saw
// a 401 does not throw away the fresh token another process has just stored.
const DELETE_IF_EQUAL = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export class SharedTokenCache {
  private readonly marginMs: number;
  private readonly lockTtlMs: number;
  private readonly pollIntervalMs: number;

  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    options: TokenCacheOptions = {},
  ) {
    this.marginMs = options.marginMs ?? 5 * 60_000;
    this.lockTtlMs = options.lockTtlMs ?? 15_000;
    this.pollIntervalMs = options.pollIntervalMs ?? 50;
  }

  tokenKey(cacheId: string): string {
    return ownKey(this.prefix, 'icims', 'token', cacheId);
  }

  private lockKey(cacheId: string): string {
    return ownKey(this.prefix, 'icims', 'token-lock', cacheId);
  }

  /** The cached token, or one fetched by this process or by another one holding the lock. */
  async get(cacheId: string, fetchToken: () => Promise<FetchedToken>): Promise<string> {
    const deadline = Date.now() + this.lockTtlMs * 2;
    for (;;) {
      const cached = await this.redis.get(this.tokenKey(cacheId));
      if (cached) return cached;
      const lockValue = randomBytes(8).toString('hex');
      const locked = await this.redis.set(this.lockKey(cacheId), lockValue, 'PX', this.lockTtlMs, 'NX');
      if (locked === 'OK') {
        try {
          // Someone may have stored a token between our GET and our lock.
          const raced = await this.redis.get(this.tokenKey(cacheId));
          if (raced) return raced;
          const fetched = await fetchToken();
          // A short-lived token keeps at least half its life, so a margin larger than it cannot cause a token storm.
          const lifetimeMs = fetched.expiresInSeconds * 1000;
          const ttlMs = Math.max(1_000, lifetimeMs - Math.min(this.marginMs, lifetimeMs / 2));
          await this.redis.set(this.tokenKey(cacheId), fetched.accessToken, 'PX', ttlMs);
          return fetched.accessToken;
        } finally {
          await this.redis.eval(DELETE_IF_EQUAL, 1, this.lockKey(cacheId), lockValue).catch(() => undefined);
        }
      }
      if (Date.now() > deadline) {
        throw new RetryableError('timed out waiting for another process to fetch the iCIMS token', { partner: 'icims', code: 'TOKEN_LOCK_TIMEOUT' });
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollIntervalMs));
    }
  }

  /** Forgets `rejectedToken` (after a 401), unless another process already replaced it. */
  async invalidate(cacheId: string, rejectedToken: string): Promise<void> {
    await this.redis.eval(DELETE_IF_EQUAL, 1, this.tokenKey(cacheId), rejectedToken);
  }
}
