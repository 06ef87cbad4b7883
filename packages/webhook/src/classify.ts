import { parseRetryAfter, PermanentError, RateLimitedError, RetryableError, trimPartnerMessage, type PartnerError } from '@status-bridge/core';

/**
 * The one place that decides what an endpoint's answer means. Standard Webhooks, "Delivery success
 * and failure": 2xx is success, everything else a failure, with this etiquette:
 *  - 2xx                        → delivered (the body is not read for meaning)
 *  - 3xx                        → permanent: redirects are never followed (the signed payload, candidate
 *                                 data included, would go to a URL nobody configured); fix the URL
 *  - 410 Gone                   → permanent: the receiver says it no longer wants these; fix or remove the endpoint
 *  - 429                        → rate limited: Retry-After (seconds or a date), else the default, capped.
 *                                 The definition turns it into a per-job `later`, never a queue pause
 *  - 408, 5xx, no answer        → retryable with the queue's backoff (network errors, timeouts, TLS trouble)
 *  - 401, 403                   → permanent: the receiver refused us; most likely its secret differs from ours
 *  - any other status           → permanent: sending the same bytes again will not change the answer
 *
 * Errors name the tenant, the endpoint and the env var of its secret, never the URL (it may hold a
 * token) nor the secret; the receiver's words are kept trimmed, with emails and phone numbers masked
 * (a receiver may echo the candidate we sent it).
 */
export interface WebhookAnswer {
  tenantId: string;
  /** The endpoint's name in tenants.<id>.webhook.endpoints. */
  endpoint: string;
  /** Env var of the endpoint's signing secret (named on 401/403). */
  secretEnv: string;
  httpStatus?: number;
  /** Up to the first few KiB of the answer. */
  body?: string;
  retryAfter?: string;
  /** The Location of a redirect (only its origin and path are quoted). */
  location?: string;
  /** When no answer arrived: ECONNREFUSED, ECONNRESET, ETIMEDOUT, ENOTFOUND, CERT_HAS_EXPIRED … */
  networkCode?: string;
  networkMessage?: string;
  defaultRetryAfterMs: number;
  maxRetryAfterMs: number;
  now?: number;
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const PHONE = /\+\d[\d\s().-]{6,}\d/g;

/** The receiver's words, safe to keep on a job: trimmed, emails and phone numbers masked. */
export function receiverMessage(body: string | undefined): string | undefined {
  const text = body?.trim();
  return text ? trimPartnerMessage(text.replace(EMAIL, '[email]').replace(PHONE, '[phone]'), 300) : undefined;
}

/** Where a redirect pointed, without its query or fragment (they may carry tokens). */
export function redirectTarget(location: string | undefined): string {
  if (!location) return 'no Location';
  try {
    const target = new URL(location, 'http://relative.invalid');
    return target.origin === 'http://relative.invalid' ? target.pathname : `${target.origin}${target.pathname}`;
  } catch {
    return 'an unreadable Location';
  }
}

/** undefined: delivered. Otherwise the typed error the client throws. */
export function classifyWebhookAnswer(answer: WebhookAnswer): PartnerError | undefined {
  const { tenantId, endpoint, httpStatus } = answer;
  const partner = 'webhook';
  const where = `tenants.${tenantId}.webhook.endpoints.${endpoint}`;
  if (httpStatus === undefined) {
    const code = answer.networkCode ?? 'NETWORK_ERROR';
    return new RetryableError(`no answer from webhook endpoint ${endpoint} (${answer.networkMessage ?? code})`, { partner, tenantId, code });
  }
  if (httpStatus >= 200 && httpStatus < 300) return undefined;
  const details = { partner, tenantId, httpStatus, partnerMessage: receiverMessage(answer.body) };
  if (httpStatus >= 300 && httpStatus < 400) {
    return new PermanentError(
      `webhook endpoint ${endpoint} answered HTTP ${httpStatus}, a redirect to ${redirectTarget(answer.location)}; redirects are never followed (the signed payload would go elsewhere): set ${where}.url to the final URL, then replay`,
      { ...details, code: 'REDIRECT_NOT_FOLLOWED' },
    );
  }
  if (httpStatus === 410) {
    return new PermanentError(
      `webhook endpoint ${endpoint} answered 410 Gone: the receiver no longer accepts deliveries at this URL; fix ${where}.url or remove the endpoint, then replay what failed`,
      { ...details, code: 'ENDPOINT_GONE' },
    );
  }
  if (httpStatus === 429) {
    const asked = parseRetryAfter(answer.retryAfter, answer.now);
    const delayMs = Math.min(answer.maxRetryAfterMs, Math.max(1, asked ?? answer.defaultRetryAfterMs));
    const why = asked === undefined ? `no usable Retry-After; waiting the default ${delayMs} ms` : `Retry-After ${delayMs} ms`;
    return new RateLimitedError(`webhook endpoint ${endpoint} asked us to slow down (${why})`, { ...details, code: 'RATE_LIMITED' }, delayMs);
  }
  if (httpStatus === 408 || (httpStatus >= 500 && httpStatus < 600)) {
    return new RetryableError(`webhook endpoint ${endpoint} is temporarily unavailable (HTTP ${httpStatus})`, details);
  }
  if (httpStatus === 401 || httpStatus === 403) {
    return new PermanentError(
      `webhook endpoint ${endpoint} refused the request (HTTP ${httpStatus}); check that the receiver verifies with the secret in env ${answer.secretEnv}`,
      { ...details, code: 'REFUSED' },
    );
  }
  return new PermanentError(`webhook endpoint ${endpoint} answered HTTP ${httpStatus}; not retried`, details);
}
