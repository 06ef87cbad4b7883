import { backoffDelay, retrySpanMs } from '../src/backoff';
import { QUEUES } from '@status-bridge/partners';

describe('backoffDelay', () => {
  it.each([
    // attemptsMade, random, expected (base 1000, cap 60000)
    [1, 0, 500],
    [1, 1, 1000],
    [2, 0.5, 1500],
    [3, 1, 4000],
    [10, 1, 60000],
    [60, 0, 30000],
  ])('attempt %i with random %f waits %i ms', (attemptsMade, random, expected) => {
    expect(backoffDelay(attemptsMade, 1000, 60_000, () => random)).toBe(expected);
  });

  it('spreads partner deliveries over more than a day with the default delays', () => {
    const span = retrySpanMs(Number(QUEUES.stepstone.defaultJobOptions.attempts), 5000, 3_600_000);
    expect(span).toBeGreaterThan(24 * 3600 * 1000);
    expect(retrySpanMs(Number(QUEUES.seek.defaultJobOptions.attempts), 5000, 3_600_000)).toBeGreaterThan(24 * 3600 * 1000);
  });
});
