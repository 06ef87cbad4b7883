import { PermanentError, RateLimitedError, RetryableError } from '@status-bridge/core';
import { classifyStepStoneAnswer, type StepStoneAnswer } from '../src/classify';

const base: StepStoneAnswer = { tenantId: '1234', tokenEnv: 'TENANT_1234_STEPSTONE_TOKEN', defaultRetryAfterMs: 60_000, maxRetryAfterMs: 900_000, now: Date.parse('2026-01-01T00:00:00Z') };

type Expected = 'ok' | 'permanent' | 'retryable' | 'rate_limited';
const kind = (error: unknown): Expected =>
  error === undefined ? 'ok' : error instanceof RateLimitedError ? 'rate_limited' : error instanceof PermanentError ? 'permanent' : error instanceof RetryableError ? 'retryable' : (() => { throw new Error(`unexpected ${String(error)}`); })();

describe('classifyStepStoneAnswer', () => {
  const table: Array<[string, Partial<StepStoneAnswer>, Expected]> = [
    ['200', { httpStatus: 200 }, 'ok'],
    ['201', { httpStatus: 201 }, 'ok'],
    ['204 empty body', { httpStatus: 204, body: '' }, 'ok'],
    ['400 with body', { httpStatus: 400, body: '{"error":"Status CONTACT unknown"}' }, 'permanent'],
    ['422', { httpStatus: 422, body: 'bad' }, 'permanent'],
    ['401', { httpStatus: 401 }, 'permanent'],
    ['403', { httpStatus: 403 }, 'permanent'],
    ['404', { httpStatus: 404 }, 'permanent'],
    ['302 redirect (not followed)', { httpStatus: 302 }, 'permanent'],
    ['409', { httpStatus: 409 }, 'permanent'],
    ['408', { httpStatus: 408 }, 'retryable'],
    ['429 + Retry-After seconds', { httpStatus: 429, retryAfter: '2' }, 'rate_limited'],
    ['429 without Retry-After', { httpStatus: 429 }, 'rate_limited'],
    ['500', { httpStatus: 500 }, 'retryable'],
    ['502', { httpStatus: 502 }, 'retryable'],
    ['503', { httpStatus: 503, retryAfter: '10' }, 'retryable'],
    ['599', { httpStatus: 599 }, 'retryable'],
    ['timeout', { networkCode: 'ECONNABORTED', networkMessage: 'timeout of 500ms exceeded' }, 'retryable'],
    ['refused', { networkCode: 'ECONNREFUSED' }, 'retryable'],
    ['reset', { networkCode: 'ECONNRESET' }, 'retryable'],
    ['no code at all', {}, 'retryable'],
  ];
  it.each(table)('%s', (_name, answer, expected) => {
    expect(kind(classifyStepStoneAnswer({ ...base, ...answer }))).toBe(expected);
  });

  it('keeps the partner answer (trimmed) on a 400', () => {
    const error = classifyStepStoneAnswer({ ...base, httpStatus: 400, body: `  ${'x'.repeat(800)}  ` }) as PermanentError;
    expect(error.details).toMatchObject({ partner: 'stepstone', tenantId: '1234', httpStatus: 400 });
    expect(error.details.partnerMessage).toHaveLength(501);
    const short = classifyStepStoneAnswer({ ...base, httpStatus: 400, body: '{"error":"AtsiApplicationId unknown"}' }) as PermanentError;
    expect(short.details.partnerMessage).toBe('{"error":"AtsiApplicationId unknown"}');
  });

  it('names the token env var on 401/403, never a token', () => {
    for (const httpStatus of [401, 403]) {
      const error = classifyStepStoneAnswer({ ...base, httpStatus }) as PermanentError;
      expect(error.message).toContain('TENANT_1234_STEPSTONE_TOKEN');
      expect(error.message).toContain('1234');
    }
  });

  it.each([
    ['seconds', '2', 2_000],
    ['fractional seconds', '1.5', 1_500],
    ['HTTP date', 'Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['missing → default', undefined, 60_000],
    ['garbage → default', 'soon', 60_000],
    ['huge → capped', '86400', 900_000],
    ['zero → at least 1 ms', '0', 1],
  ])('429 delay from Retry-After: %s', (_name, retryAfter, delayMs) => {
    const error = classifyStepStoneAnswer({ ...base, httpStatus: 429, retryAfter }) as RateLimitedError;
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error.delayMs).toBe(delayMs);
  });
});
