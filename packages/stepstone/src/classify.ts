import { parseRetryAfter, PermanentError, RateLimitedError, RetryableError, trimPartnerMessage, type PartnerError } from '@status-bridge/core';

/**
 * The one place that decides what a StepStone answer means.
 *
 * The ATSi Application Status service does NOT document its response codes, error bodies, rate
 * limits or idempotency (docs/partners/stepstone.md#what-is-not-documented). This table is therefore our
 * reading of plain HTTP semantics, to be confirmed with StepStone before go-live:
 *  - 2xx                       → delivered
 *  - 400, 422                  → permanent: the message is wrong; the body is kept for operators
 *  - 401, 403                  → permanent: the token is wrong; names the env var, never the token
 *  - 408, 5xx, network/timeout → retryable with the queue's backoff
 *  - 429                       → rate limited: Retry-After, else a default delay; pauses the queue
 *  - any other status (3xx: we never follow redirects, a redirect would carry the token elsewhere;
 *    404, 405, 409, 413 …)     → permanent: retrying the same request will not change the answer
 */
export interface StepStoneAnswer {
  tenantId: string;
  /** Name of the env var holding the tenant's X-AtsiToken (never the token itself). */
  tokenEnv: string;
  /** HTTP status, when a response arrived. */
  httpStatus?: number;
  /** Response body as text. */
  body?: string;
  /** The Retry-After header, if any. */
  retryAfter?: string;
  /** Network error code (ECONNREFUSED, ECONNRESET, ECONNABORTED for timeouts …) when no response arrived. */
  networkCode?: string;
  /** Readable network error text (axios message), when no response arrived. */
  networkMessage?: string;
  /** Delay used for a 429 without a usable Retry-After. */
  defaultRetryAfterMs: number;
  /** Upper bound on any Retry-After (a 429 pauses the whole queue, so we cap how long). */
  maxRetryAfterMs: number;
  now?: number;
}

/** undefined: delivered. Otherwise the typed error the caller throws. */
export function classifyStepStoneAnswer(answer: StepStoneAnswer): PartnerError | undefined {
  const { tenantId, httpStatus } = answer;
  const partner = 'stepstone' as const;
  if (httpStatus === undefined) {
    const code = answer.networkCode ?? 'NETWORK_ERROR';
    return new RetryableError(`no answer from StepStone (${answer.networkMessage ?? code})`, { partner, tenantId, code });
  }
  if (httpStatus >= 200 && httpStatus < 300) return undefined;
  const partnerMessage = trimPartnerMessage(answer.body?.trim() || undefined);
  const details = { partner, tenantId, httpStatus, partnerMessage };
  if (httpStatus === 400 || httpStatus === 422) {
    return new PermanentError('StepStone rejected the status message', details);
  }
  if (httpStatus === 401 || httpStatus === 403) {
    return new PermanentError(`StepStone refused the X-AtsiToken from env ${answer.tokenEnv}; check that token for tenant ${tenantId}`, details);
  }
  if (httpStatus === 429) {
    const asked = parseRetryAfter(answer.retryAfter, answer.now);
    const delayMs = Math.min(answer.maxRetryAfterMs, Math.max(1, asked ?? answer.defaultRetryAfterMs));
    const why = asked === undefined ? `no usable Retry-After; waiting the default ${delayMs} ms` : `Retry-After ${delayMs} ms`;
    return new RateLimitedError(`StepStone rate limit reached (${why})`, details, delayMs);
  }
  if (httpStatus === 408 || httpStatus >= 500) {
    return new RetryableError('StepStone is temporarily unavailable', details);
  }
  return new PermanentError(`StepStone answered HTTP ${httpStatus}; not retried`, details);
}
