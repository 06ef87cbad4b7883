import { randomUUID } from 'node:crypto';
import type { RedisConnection as Redis } from './redis';
import { RetryableError } from './errors';
import { ownKey } from './redis';
import { RedisScript } from './redis-script';

/**
 * One OAuth access token per (partner, account), shared by every process through Redis, fetched
 * once when it is missing: the iCIMS client (one token per tenant; iCIMS throttles clients that ask
 * for many) and partner clients (one partner-wide token, which a partner may ask to be cached) use this.
 *
 *  - In a process, concurrent callers for one cache id share one promise (single-flight).
 *  - Across processes, the first to take a SET NX PX lock fetches; the others poll the cache until
 *    the token appears, or the lock lapses (a crashed holder) and one of them takes it.
 *  - The lock and a rejected token are removed by compare-and-delete, so a process never deletes
 *    a lock or a token another process has written since.
 *  - In a process, the token last read or fetched is kept in memory until its Redis copy expires,
 *    and at most `localTtlMs` (default a minute): a GET per request was the one Redis round trip
 *    most partner calls made. A token another process replaced after a rejection is noticed here
 *    on our own rejection (invalidate drops the local copy too, then the Redis copy is read) or
 *    after `localTtlMs`; a token is only ever replaced after the partner refused it, so the
 *    local copy never outlives what the partner accepts by more than that one refused call.
 *  - ONE margin rule: the token is cached for `expires_in − min(margin, expires_in / 2)`, so it
 *    never expires mid-request, and a lifetime shorter than twice the margin keeps half of it (a
 *    large margin cannot turn into a fetch per request). No usable `expires_in`: not cached.
 *
 * The token is a credential: it lives only in Redis (our own keys, under the hash-tagged prefix)
 * and is never logged or put in an error.
 */
export interface FetchedToken {
  accessToken: string;
  expiresInSeconds: number;
}

export interface SharedTokenCacheOptions {
  redis: Redis;
  /** Queue prefix; keys are `<prefix>:sb:<namespace>:token:<id>` and `…:token-lock:<id>`. */
  prefix: string;
  /** Whose tokens, e.g. "icims" (also the `partner` of the lock-timeout error). */
  namespace: string;
  /** What the token is, for the lock-timeout error, e.g. "iCIMS token". */
  label: string;
  /** Seconds taken off `expires_in` (at most half of it). */
  marginSeconds: number;
  /** How long one process may hold the fetch lock: longer than a token request can take. */
  lockTtlMs: number;
  pollIntervalMs?: number;
  /** At most how long a process keeps the token in memory between Redis reads (default 60 s; 0: read Redis every time). */
  localTtlMs?: number;
}

/** How long to cache a token: `expires_in − min(margin, expires_in / 2)`, in ms; 0 (do not cache) without a usable lifetime. */
export function tokenCacheMs(expiresInSeconds: number, marginSeconds: number): number {
  if (!Number.isFinite(expiresInSeconds) || expiresInSeconds <= 0) return 0;
  return Math.floor((expiresInSeconds - Math.min(Math.max(0, marginSeconds), expiresInSeconds / 2)) * 1000);
}

// Compare-and-delete: never remove a value another process has written since.
const DELETE_IF_EQUAL = new RedisScript<number>(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1);

export class SharedTokenCache {
  private readonly inflight = new Map<string, Promise<string>>();
  private readonly local = new Map<string, { token: string; untilMs: number }>();

  constructor(private readonly options: SharedTokenCacheOptions) {}

  tokenKey(cacheId: string): string {
    return ownKey(this.options.prefix, this.options.namespace, 'token', cacheId);
  }

  private lockKey(cacheId: string): string {
    return ownKey(this.options.prefix, this.options.namespace, 'token-lock', cacheId);
  }

  /**
   * The cached token, or one fetched by this process (`fetchToken`, then `onFetched` with how long it
   * is cached) or by another one holding the lock.
   */
  get(cacheId: string, fetchToken: () => Promise<FetchedToken>, onFetched?: (token: FetchedToken, cachedForMs: number) => void): Promise<string> {
    const held = this.local.get(cacheId);
    if (held && held.untilMs > Date.now()) return Promise.resolve(held.token);
    let running = this.inflight.get(cacheId);
    if (!running) {
      running = this.obtain(cacheId, fetchToken, onFetched).finally(() => this.inflight.delete(cacheId));
      this.inflight.set(cacheId, running);
    }
    return running;
  }

  /** Forgets `rejectedToken` (after the partner refused it), unless another process already replaced it. */
  async invalidate(cacheId: string, rejectedToken: string): Promise<void> {
    if (this.local.get(cacheId)?.token === rejectedToken) this.local.delete(cacheId);
    await DELETE_IF_EQUAL.run(this.options.redis, [this.tokenKey(cacheId)], [rejectedToken]);
  }

  private async obtain(cacheId: string, fetchToken: () => Promise<FetchedToken>, onFetched?: (token: FetchedToken, cachedForMs: number) => void): Promise<string> {
    const { redis, lockTtlMs } = this.options;
    const pollIntervalMs = this.options.pollIntervalMs ?? 50;
    const deadline = Date.now() + 2 * lockTtlMs;
    for (;;) {
      // The token and its remaining lifetime in one round trip (a MULTI: one key, Cluster-safe).
      const [[, cached], [, ttlMs]] = ((await redis.multi().get(this.tokenKey(cacheId)).pttl(this.tokenKey(cacheId)).exec()) ?? [[null, null], [null, -2]]) as [[Error | null, string | null], [Error | null, number]];
      if (cached) return this.keep(cacheId, cached, Number(ttlMs));
      const owner = randomUUID();
      if ((await redis.set(this.lockKey(cacheId), owner, 'PX', lockTtlMs, 'NX')) === 'OK') {
        try {
          // Another process may have stored a token between our GET and our lock.
          const raced = await redis.get(this.tokenKey(cacheId));
          if (raced) return raced;
          const fetched = await fetchToken();
          const cacheMs = tokenCacheMs(fetched.expiresInSeconds, this.options.marginSeconds);
          if (cacheMs > 0) await redis.set(this.tokenKey(cacheId), fetched.accessToken, 'PX', cacheMs);
          onFetched?.(fetched, cacheMs);
          return this.keep(cacheId, fetched.accessToken, cacheMs);
        } finally {
          await DELETE_IF_EQUAL.run(redis, [this.lockKey(cacheId)], [owner]).catch(() => undefined);
        }
      }
      if (Date.now() > deadline) {
        throw new RetryableError(`timed out waiting for another process to fetch the ${this.options.label}`, { partner: this.options.namespace, code: 'TOKEN_LOCK_TIMEOUT' });
      }
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
    }
  }

  /** Keeps `token` in memory for its remaining Redis lifetime, at most localTtlMs (not at all without a lifetime). */
  private keep(cacheId: string, token: string, ttlMs: number): string {
    const keepMs = Math.min(ttlMs, this.options.localTtlMs ?? 60_000);
    if (keepMs > 0) this.local.set(cacheId, { token, untilMs: Date.now() + keepMs });
    else this.local.delete(cacheId);
    return token;
  }
}
