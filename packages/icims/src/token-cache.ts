import type { RedisConnection as Redis } from '@status-bridge/core';
import { SharedTokenCache } from '@status-bridge/core';

/**
 * One OAuth token per tenant, shared by every worker process through Redis (core's
 * SharedTokenCache: single-flight in the process and across processes, one margin rule). iCIMS
 * throttles or disables clients that ask for many tokens (pyicims, a public iCIMS client: more
 * than 500 in 10 minutes), so processes that start together must fetch ONE token.
 */
export interface TokenCacheOptions {
  /** Drop the token this long before iCIMS says it expires (at most half its lifetime). */
  marginMs?: number;
  /** How long one process may hold the fetch lock (longer than a token request can take). */
  lockTtlMs?: number;
  pollIntervalMs?: number;
}

export function icimsTokenCache(redis: Redis, prefix: string, options: TokenCacheOptions = {}): SharedTokenCache {
  return new SharedTokenCache({
    redis,
    prefix,
    namespace: 'icims',
    label: 'iCIMS token',
    marginSeconds: (options.marginMs ?? 5 * 60_000) / 1000,
    lockTtlMs: options.lockTtlMs ?? 15_000,
    pollIntervalMs: options.pollIntervalMs,
  });
}
