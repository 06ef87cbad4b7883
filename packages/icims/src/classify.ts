import { parseRetryAfter, PermanentError, RateLimitedError, RetryableError, trimPartnerMessage, type PartnerError } from '@status-bridge/core';

/**
 * The one classification of iCIMS API responses (docs/partners/icims.md#rate-limits-and-errors):
 *   2xx                → ok (a body that is not a JSON object is retryable: a proxy/maintenance page)
 *   404                → permanent: the record is gone, or hidden from the integration user
 *                        (iCIMS reports RESOURCE_ACCESS_DENIED as 404)
 *   401/403            → refresh the OAuth token once; after that (or with Basic) permanent,
 *                        naming the tenant's credentials
 *   408, 5xx, network  → retryable
 *   429                → rate limited, honouring Retry-After
 *   505                → permanent: iCIMS speaks HTTP/1.1 only (a client/proxy misconfiguration)
 *   other 4xx          → permanent (our request is wrong; retrying does not change it)
 */
export interface IcimsResponseFacts {
  status: number;
  headers: Record<string, unknown>;
  body: unknown;
  tenantId: string;
  /** What was asked for, for the message: "applicantworkflows 2203". */
  what: string;
  /** True when the request already used a freshly fetched token (or Basic auth: nothing to refresh). */
  credentialsFresh: boolean;
  /** Delay when a 429 has no usable Retry-After. */
  defaultRetryAfterMs?: number;
  now?: number;
}

export type IcimsOutcome = { kind: 'ok'; record: Record<string, unknown> } | { kind: 'refresh-token' } | { kind: 'error'; error: PartnerError };

/** iCIMS error bodies: {"errors":[{"errorMessage":"Job not found.","errorCode":2}]}; also X-Error headers. */
export function icimsErrorMessage(body: unknown, headers: Record<string, unknown> = {}): { message?: string; code?: string } {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (Array.isArray(errors) && errors.length > 0) {
    const first = errors[0] as { errorMessage?: unknown; errorCode?: unknown };
    return {
      message: trimPartnerMessage(errors.map((e) => (e as { errorMessage?: unknown }).errorMessage).filter((m) => typeof m === 'string').join('; ') || undefined),
      code: first.errorCode !== undefined ? String(first.errorCode) : undefined,
    };
  }
  const header = headers['x-error'];
  if (typeof header === 'string' || Array.isArray(header)) return { message: trimPartnerMessage([header].flat().join('; ')) };
  return {};
}

export function classifyIcimsResponse(facts: IcimsResponseFacts): IcimsOutcome {
  const { status, tenantId, what } = facts;
  const details = { partner: 'icims' as const, tenantId, httpStatus: status };
  if (status >= 200 && status < 300) {
    if (facts.body !== null && typeof facts.body === 'object' && !Array.isArray(facts.body)) return { kind: 'ok', record: facts.body as Record<string, unknown> };
    return { kind: 'error', error: new RetryableError(`iCIMS answered ${what} with a body that is not a JSON object`, { ...details, partnerMessage: trimPartnerMessage(facts.body, 200) }) };
  }
  const said = icimsErrorMessage(facts.body, facts.headers);
  const withSaid = { ...details, code: said.code, partnerMessage: said.message };
  if (status === 401 || status === 403) {
    if (!facts.credentialsFresh) return { kind: 'refresh-token' };
    return {
      kind: 'error',
      error: new PermanentError(`iCIMS rejected the credentials of tenant ${tenantId} (HTTP ${status}) for ${what}; check tenants.${tenantId}.icims.auth and its secret`, withSaid),
    };
  }
  if (status === 404) {
    return {
      kind: 'error',
      error: new PermanentError(`iCIMS has no ${what}, or hides it from the integration user (iCIMS answers 404 for access denied)`, withSaid),
    };
  }
  if (status === 429) {
    const retryAfter = parseRetryAfter(headerText(facts.headers['retry-after']), facts.now);
    const delayMs = retryAfter ?? facts.defaultRetryAfterMs ?? 60_000;
    return { kind: 'error', error: new RateLimitedError(`iCIMS asked to slow down (429) for ${what}; waiting ${delayMs} ms`, withSaid, delayMs) };
  }
  if (status === 505) {
    return { kind: 'error', error: new PermanentError(`iCIMS refused the HTTP version for ${what} (it speaks HTTP/1.1 only); check proxies between us and iCIMS`, withSaid) };
  }
  if (status === 408 || status >= 500) {
    return { kind: 'error', error: new RetryableError(`iCIMS answered ${status} for ${what}`, withSaid) };
  }
  return { kind: 'error', error: new PermanentError(`iCIMS refused the request for ${what} (HTTP ${status})`, withSaid) };
}

/** Network-level failures (no response): all retryable; the code names what happened. */
export function classifyIcimsNetworkError(error: unknown, tenantId: string, what: string): PartnerError {
  const code = (error as { code?: unknown }).code;
  const codeText = typeof code === 'string' ? code : 'NETWORK_ERROR';
  if (codeText === 'ERR_CANCELED') return new RetryableError(`request for ${what} was aborted (worker shutting down)`, { partner: 'icims', tenantId, code: 'ABORTED' });
  const timedOut = codeText === 'ECONNABORTED' || codeText === 'ETIMEDOUT';
  return new RetryableError(timedOut ? `iCIMS did not answer in time for ${what}` : `could not reach iCIMS for ${what} (${codeText})`, {
    partner: 'icims',
    tenantId,
    code: timedOut ? 'TIMEOUT' : codeText,
  });
}

function headerText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  if (typeof value === 'number') return String(value);
  return undefined;
}
