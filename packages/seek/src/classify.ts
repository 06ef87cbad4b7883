import { parseRetryAfter, trimPartnerMessage } from '@status-bridge/core';

/**
 * One place that decides what a SEEK GraphQL answer means for us.
 *
 * SEEK reports failures in `errors[].extensions.code`, not in the HTTP status
 * ("GraphQL servers don't use HTTP status codes to indicate unsuccessful requests",
 * developer.seek.com/graphql/error-responses), so GraphQL codes win over the status where both
 * exist; 429 and 5xx still come from gateways in front of the API and are retried.
 *
 *  - UNAUTHENTICATED                    → refresh the token and retry once (the client does it)
 *  - BAD_USER_INPUT, FORBIDDEN, and the
 *    graphql-js document/variable codes → permanent, SEEK's message kept for the operator
 *  - RATE_LIMITED, INTERNAL_SERVER_ERROR,
 *    any code we do not know            → retryable ("Error codes ... may change over time ... handle
 *                                          unknown and changing error codes gracefully", same page)
 *  - HTTP 429 / 503 with Retry-After     → rate limited for that long (attempts not spent)
 *  - HTTP 429 or 5xx, network errors     → retryable with backoff
 */
export type SeekClassification =
  | { kind: 'ok'; data: Record<string, unknown> }
  | { kind: 'unauthenticated'; httpStatus?: number; code?: string; message: string }
  | { kind: 'permanent'; httpStatus?: number; code?: string; message: string }
  | { kind: 'retryable'; httpStatus?: number; code?: string; message: string }
  | { kind: 'rate_limited'; httpStatus?: number; code?: string; message: string; delayMs: number };

export interface SeekHttpAnswer {
  httpStatus: number;
  /** The Retry-After header, if sent. */
  retryAfter?: string;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
}

/** Codes that retrying cannot change. The GRAPHQL_* codes are the document errors Apollo-style servers report. */
export const PERMANENT_CODES: ReadonlySet<string> = new Set(['BAD_USER_INPUT', 'FORBIDDEN', 'GRAPHQL_VALIDATION_FAILED', 'GRAPHQL_PARSE_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_SUPPORTED']);

interface GraphqlErrorLike {
  message?: unknown;
  extensions?: { code?: unknown };
}

// SEEK's messages "are safe to expose to SEEK hirers" but may quote input (e.g. a duplicate
// email). They end up on jobs and in logs, so email addresses and phone numbers are masked.
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
const PHONE = /\+\d[\d\s().-]{6,}\d/g;

export function scrubPartnerMessage(text: string): string {
  return text.replace(EMAIL, '[email]').replace(PHONE, '[phone]');
}

function errorsOf(body: unknown): GraphqlErrorLike[] {
  if (body === null || typeof body !== 'object') return [];
  const errors = (body as { errors?: unknown }).errors;
  return Array.isArray(errors) ? (errors.filter((error) => error !== null && typeof error === 'object') as GraphqlErrorLike[]) : [];
}

function messageOf(errors: GraphqlErrorLike[]): string {
  const text = errors.map((error) => (typeof error.message === 'string' ? error.message : 'no message')).join('; ');
  return trimPartnerMessage(scrubPartnerMessage(text)) ?? '';
}

function codeOf(error: GraphqlErrorLike): string | undefined {
  const code = error.extensions?.code;
  return typeof code === 'string' && code !== '' ? code : undefined;
}

function bodySnippet(body: unknown): string {
  return trimPartnerMessage(scrubPartnerMessage(typeof body === 'string' ? body : JSON.stringify(body ?? '')), 200) ?? '';
}

export function classifySeekAnswer(answer: SeekHttpAnswer, now: number = Date.now()): SeekClassification {
  const { httpStatus } = answer;
  const retryAfterMs = parseRetryAfter(answer.retryAfter, now);
  const errors = errorsOf(answer.body);

  if ((httpStatus === 429 || httpStatus === 503) && retryAfterMs !== undefined) {
    const code = errors.map(codeOf).find(Boolean) ?? `HTTP_${httpStatus}`;
    return { kind: 'rate_limited', httpStatus, code, delayMs: retryAfterMs, message: errors.length > 0 ? messageOf(errors) : `SEEK answered HTTP ${httpStatus} with Retry-After` };
  }
  if (httpStatus === 429 || httpStatus >= 500) {
    const code = errors.map(codeOf).find(Boolean);
    return { kind: 'retryable', httpStatus, code, message: errors.length > 0 ? messageOf(errors) : `SEEK answered HTTP ${httpStatus}: ${bodySnippet(answer.body)}` };
  }

  if (errors.length > 0) {
    const codes = errors.map(codeOf);
    const message = messageOf(errors);
    if (codes.includes('UNAUTHENTICATED')) return { kind: 'unauthenticated', httpStatus, code: 'UNAUTHENTICATED', message };
    const permanent = codes.find((code) => code !== undefined && PERMANENT_CODES.has(code));
    if (permanent) return { kind: 'permanent', httpStatus, code: permanent, message };
    const known = codes.find(Boolean);
    if (known === 'RATE_LIMITED' && retryAfterMs !== undefined) return { kind: 'rate_limited', httpStatus, code: known, message, delayMs: retryAfterMs };
    // No code at all on a 4xx: the server refused the request itself; retrying sends the same bytes.
    if (known === undefined && httpStatus >= 400) return { kind: 'permanent', httpStatus, message };
    return { kind: 'retryable', httpStatus, code: known, message };
  }

  if (httpStatus === 401) return { kind: 'unauthenticated', httpStatus, code: 'HTTP_401', message: 'SEEK answered HTTP 401' };
  if (httpStatus >= 400) return { kind: 'permanent', httpStatus, message: `SEEK answered HTTP ${httpStatus}: ${bodySnippet(answer.body)}` };

  const data = answer.body !== null && typeof answer.body === 'object' ? (answer.body as { data?: unknown }).data : undefined;
  if (httpStatus >= 200 && httpStatus < 300 && data !== null && typeof data === 'object') return { kind: 'ok', data: data as Record<string, unknown> };
  return { kind: 'retryable', httpStatus, message: `SEEK answered HTTP ${httpStatus} without data or errors: ${bodySnippet(answer.body)}` };
}

/** Network-level failures (no HTTP answer): timeouts, resets, DNS. Always retryable; the idempotencyId makes a resend safe. */
export function classifyNetworkFailure(code: string | undefined, message: string): SeekClassification {
  return { kind: 'retryable', code: code ?? 'NETWORK_ERROR', message: trimPartnerMessage(message) ?? 'network error' };
}
