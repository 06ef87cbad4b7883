import { Redis } from 'ioredis';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix, waitFor } from '@status-bridge/testing';
import { RetryableError } from '../src/errors';
import { SharedTokenCache, tokenCacheMs, type SharedTokenCacheOptions } from '../src/token-cache';

/** The one Redis token cache (iCIMS and SEEK clients use it), against the real Redis under its own prefix. */
const prefix = uniquePrefix('token-cache');
const redis = new Redis(TEST_REDIS_URL);
const cache = (connection: Redis, options: Partial<SharedTokenCacheOptions> = {}) =>
  new SharedTokenCache({ redis: connection, prefix, namespace: 'acme', label: 'ACME token', marginSeconds: 60, lockTtlMs: 2_000, ...options });

afterAll(async () => {
  redis.disconnect();
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

describe('one margin rule: expires_in − min(margin, expires_in / 2)', () => {
  test.each<[string, number, number, number]>([
    ['a day, a minute off', 86_400, 60, 86_340_000],
    ['half an hour, a minute off', 1_800, 60, 1_740_000],
    ['an hour, five minutes off (the iCIMS default)', 3_600, 300, 3_300_000],
    ['shorter than twice the margin: half of it', 100, 60, 50_000],
    ['exactly twice the margin', 120, 60, 60_000],
    ['no margin', 30, 0, 30_000],
    ['no lifetime: not cached', 0, 60, 0],
    ['negative: not cached', -5, 60, 0],
    ['not a number: not cached', Number.NaN, 60, 0],
  ])('%s', (_label, expiresIn, margin, expected) => {
    expect(tokenCacheMs(expiresIn, margin)).toBe(expected);
  });
});

describe('SharedTokenCache', () => {
  test('two processes (separate connections) starting together fetch one token, cached for the rule', async () => {
    const other = new Redis(TEST_REDIS_URL);
    try {
      let fetches = 0;
      const fetchToken = async () => {
        fetches += 1;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return { accessToken: `token-${fetches}`, expiresInSeconds: 3600 };
      };
      const [a, b] = await Promise.all([cache(redis).get('two-processes', fetchToken), cache(other).get('two-processes', fetchToken)]);
      expect({ fetches, a, b }).toEqual({ fetches: 1, a: 'token-1', b: 'token-1' });
      const ttl = await redis.pttl(cache(redis).tokenKey('two-processes'));
      expect(ttl).toBeGreaterThan(3_540_000 - 2_000);
      expect(ttl).toBeLessThanOrEqual(3_540_000);
    } finally {
      other.disconnect();
    }
  });

  test('callers in one process share one fetch (single-flight), and the fetcher hears how long it is cached', async () => {
    const shared = cache(redis);
    let fetches = 0;
    const heard: number[] = [];
    const fetchToken = async () => {
      fetches += 1;
      await new Promise((resolve) => setTimeout(resolve, 100));
      return { accessToken: 'one', expiresInSeconds: 100 };
    };
    const tokens = await Promise.all([1, 2, 3, 4, 5].map(() => shared.get('single-flight', fetchToken, (_token, cachedForMs) => heard.push(cachedForMs))));
    expect(tokens).toEqual(['one', 'one', 'one', 'one', 'one']);
    expect(fetches).toBe(1);
    expect(heard).toEqual([50_000]);
  });

  test('a token without a lifetime is used but not cached', async () => {
    const shared = cache(redis);
    await expect(shared.get('no-lifetime', async () => ({ accessToken: 'once', expiresInSeconds: Number.NaN }))).resolves.toBe('once');
    expect(await redis.get(shared.tokenKey('no-lifetime'))).toBeNull();
  });

  test('invalidate removes only the rejected token', async () => {
    const shared = cache(redis);
    await shared.get('invalidate', async () => ({ accessToken: 'old', expiresInSeconds: 3600 }));
    await shared.invalidate('invalidate', 'not-the-cached-one');
    expect(await redis.get(shared.tokenKey('invalidate'))).toBe('old');
    await shared.invalidate('invalidate', 'old');
    expect(await redis.get(shared.tokenKey('invalidate'))).toBeNull();
  });

  test('a process keeps the token in memory for its lifetime: no Redis read per call; a rejection drops it', async () => {
    const shared = cache(redis);
    let fetches = 0;
    const fetchToken = async () => ({ accessToken: `kept-${++fetches}`, expiresInSeconds: 3600 });
    expect(await shared.get('kept', fetchToken)).toBe('kept-1');
    // Gone from Redis (as if evicted): this process still has its copy and asks neither Redis nor the partner.
    await redis.del(shared.tokenKey('kept'));
    expect(await shared.get('kept', fetchToken)).toBe('kept-1');
    expect(fetches).toBe(1);
    // Another process stored a new token; ours is refused by the partner: invalidate drops our copy and reads the new one.
    await redis.set(shared.tokenKey('kept'), 'from-another-process', 'PX', 60_000);
    await shared.invalidate('kept', 'kept-1');
    expect(await shared.get('kept', fetchToken)).toBe('from-another-process');
    expect(fetches).toBe(1);
  });

  test('the memory copy lives no longer than the Redis copy, nor than localTtlMs', async () => {
    const shortLived = cache(redis, { marginSeconds: 0 });
    let fetches = 0;
    expect(await shortLived.get('short', async () => ({ accessToken: `short-${++fetches}`, expiresInSeconds: 0.2 }))).toBe('short-1');
    await waitFor(async () => (await redis.exists(shortLived.tokenKey('short'))) === 0 || undefined, { what: 'the Redis copy to expire', timeoutMs: 5_000 });
    expect(await shortLived.get('short', async () => ({ accessToken: `short-${++fetches}`, expiresInSeconds: 0.2 }))).toBe('short-2');

    const noMemory = cache(redis, { localTtlMs: 0 });
    expect(await noMemory.get('no-memory', async () => ({ accessToken: 'first', expiresInSeconds: 3600 }))).toBe('first');
    await redis.set(noMemory.tokenKey('no-memory'), 'replaced', 'PX', 60_000);
    expect(await noMemory.get('no-memory', async () => ({ accessToken: 'never', expiresInSeconds: 3600 }))).toBe('replaced');
  });

  test('a failed fetch releases the lock so the next caller can try', async () => {
    const shared = cache(redis);
    await expect(shared.get('fails', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(shared.get('fails', async () => ({ accessToken: 'later', expiresInSeconds: 60 }))).resolves.toBe('later');
  });

  test('a lock held elsewhere past the wait is a retryable error naming the token, never the token itself', async () => {
    const shared = cache(redis, { lockTtlMs: 200 });
    // Another process holds the lock and never stores a token (it keeps renewing it).
    const lockKey = shared.tokenKey('held').replace(':token:', ':token-lock:');
    await redis.set(lockKey, 'someone-else', 'PX', 5_000);
    const failure = shared.get('held', async () => ({ accessToken: 'never', expiresInSeconds: 60 }));
    await expect(failure).rejects.toBeInstanceOf(RetryableError);
    await expect(failure).rejects.toMatchObject({ message: 'timed out waiting for another process to fetch the ACME token', details: { partner: 'acme', code: 'TOKEN_LOCK_TIMEOUT' } });
    expect(await redis.get(lockKey)).toBe('someone-else');
  });
});
