/**
 * Retry delays for every queue: exponential from a base, capped, with "full jitter" on the upper
 * half so that a partner outage does not end with every job retrying in the same second.
 * Registered on each Worker as its `backoffStrategy` (jobs carry `backoff: { type: BACKOFF_TYPE }`).
 */
export const BACKOFF_TYPE = 'jittered-exponential';

export function backoffDelay(attemptsMade: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, attemptsMade - 1);
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(exponent, 40));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Sum of the un-jittered ceilings: how long a job keeps trying before it fails for good. */
export function retrySpanMs(attempts: number, baseMs: number, maxMs: number): number {
  let total = 0;
  for (let made = 1; made < attempts; made++) total += Math.min(maxMs, baseMs * 2 ** (made - 1));
  return total;
}
