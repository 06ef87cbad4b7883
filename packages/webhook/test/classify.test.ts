import { PermanentError, RateLimitedError, RetryableError, type PartnerError } from '@status-bridge/core';
import { classifyWebhookAnswer, receiverMessage, redirectTarget, type WebhookAnswer } from '../src/classify';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const base: WebhookAnswer = { tenantId: '1234', endpoint: 'crm', secretEnv: 'TENANT_1234_WEBHOOK_CRM_SECRET', defaultRetryAfterMs: 60_000, maxRetryAfterMs: 3_600_000, now: NOW };

type Kind = 'delivered' | 'permanent' | 'retryable' | 'rate_limited';
const kindOf = (error: PartnerError | undefined): Kind => {
  if (error === undefined) return 'delivered';
  if (error instanceof RateLimitedError) return 'rate_limited';
  if (error instanceof PermanentError) return 'permanent';
  if (error instanceof RetryableError) return 'retryable';
  throw new Error(`unexpected ${String(error)}`);
};

describe('classifyWebhookAnswer', () => {
  const table: Array<[string, Partial<WebhookAnswer>, Kind, string | undefined]> = [
    ['200', { httpStatus: 200 }, 'delivered', undefined],
    ['202 with a body', { httpStatus: 202, body: '{"queued":true}' }, 'delivered', undefined],
    ['204', { httpStatus: 204 }, 'delivered', undefined],
    ['299', { httpStatus: 299 }, 'delivered', undefined],
    ['301', { httpStatus: 301, location: 'https://new.example.com/hook' }, 'permanent', 'REDIRECT_NOT_FOLLOWED'],
    ['302', { httpStatus: 302, location: '/elsewhere' }, 'permanent', 'REDIRECT_NOT_FOLLOWED'],
    ['307', { httpStatus: 307 }, 'permanent', 'REDIRECT_NOT_FOLLOWED'],
    ['308', { httpStatus: 308 }, 'permanent', 'REDIRECT_NOT_FOLLOWED'],
    ['304 (a 3xx all the same)', { httpStatus: 304 }, 'permanent', 'REDIRECT_NOT_FOLLOWED'],
    ['400', { httpStatus: 400, body: 'unknown field' }, 'permanent', undefined],
    ['401', { httpStatus: 401 }, 'permanent', 'REFUSED'],
    ['403', { httpStatus: 403 }, 'permanent', 'REFUSED'],
    ['404', { httpStatus: 404 }, 'permanent', undefined],
    ['405', { httpStatus: 405 }, 'permanent', undefined],
    ['409', { httpStatus: 409 }, 'permanent', undefined],
    ['410 Gone', { httpStatus: 410 }, 'permanent', 'ENDPOINT_GONE'],
    ['413', { httpStatus: 413 }, 'permanent', undefined],
    ['422', { httpStatus: 422 }, 'permanent', undefined],
    ['408', { httpStatus: 408 }, 'retryable', undefined],
    ['429 + Retry-After seconds', { httpStatus: 429, retryAfter: '7' }, 'rate_limited', 'RATE_LIMITED'],
    ['429 + Retry-After date', { httpStatus: 429, retryAfter: new Date(NOW + 30_000).toUTCString() }, 'rate_limited', 'RATE_LIMITED'],
    ['429 without Retry-After', { httpStatus: 429 }, 'rate_limited', 'RATE_LIMITED'],
    ['500', { httpStatus: 500 }, 'retryable', undefined],
    ['502', { httpStatus: 502 }, 'retryable', undefined],
    ['503 + Retry-After', { httpStatus: 503, retryAfter: '10' }, 'retryable', undefined],
    ['504', { httpStatus: 504 }, 'retryable', undefined],
    ['599', { httpStatus: 599 }, 'retryable', undefined],
    ['600 (nonsense)', { httpStatus: 600 }, 'permanent', undefined],
    ['timeout', { networkCode: 'ETIMEDOUT', networkMessage: 'no answer within 15000 ms' }, 'retryable', 'ETIMEDOUT'],
    ['refused', { networkCode: 'ECONNREFUSED' }, 'retryable', 'ECONNREFUSED'],
    ['reset', { networkCode: 'ECONNRESET' }, 'retryable', 'ECONNRESET'],
    ['DNS', { networkCode: 'ENOTFOUND' }, 'retryable', 'ENOTFOUND'],
    ['TLS certificate', { networkCode: 'CERT_HAS_EXPIRED' }, 'retryable', 'CERT_HAS_EXPIRED'],
    ['worker shutting down', { networkCode: 'ABORTED' }, 'retryable', 'ABORTED'],
    ['no status, no code', {}, 'retryable', 'NETWORK_ERROR'],
  ];
  it.each(table)('%s', (_name, answer, expected, code) => {
    const error = classifyWebhookAnswer({ ...base, ...answer });
    expect(kindOf(error)).toBe(expected);
    if (error) {
      expect(error.details).toMatchObject({ partner: 'webhook', tenantId: '1234' });
      expect(error.details.code).toBe(code);
      expect(error.message).toContain('crm');
    }
  });

  it('429: Retry-After in seconds or as a date; the default without one; never above the cap', () => {
    const delay = (answer: Partial<WebhookAnswer>): number => (classifyWebhookAnswer({ ...base, httpStatus: 429, ...answer }) as RateLimitedError).delayMs;
    expect(delay({ retryAfter: '7' })).toBe(7_000);
    expect(delay({ retryAfter: new Date(NOW + 30_000).toUTCString() })).toBe(30_000);
    expect(delay({})).toBe(60_000);
    expect(delay({ retryAfter: 'soon' })).toBe(60_000);
    expect(delay({ retryAfter: '86400' })).toBe(3_600_000);
    expect(delay({ retryAfter: '0' })).toBe(1);
  });

  it('410 tells the operator which setting to fix or remove', () => {
    const error = classifyWebhookAnswer({ ...base, httpStatus: 410, body: 'endpoint deleted' })!;
    expect(error.message).toContain('410 Gone');
    expect(error.message).toContain('tenants.1234.webhook.endpoints.crm.url');
    expect(error.message).toMatch(/fix .* or remove the endpoint/);
    expect(error.details.partnerMessage).toBe('endpoint deleted');
  });

  it('401/403 name the env var of the secret, never a secret', () => {
    const error = classifyWebhookAnswer({ ...base, httpStatus: 401 })!;
    expect(error.message).toContain('TENANT_1234_WEBHOOK_CRM_SECRET');
  });

  it('a redirect names where it pointed, without query or fragment, and the setting to change', () => {
    const error = classifyWebhookAnswer({ ...base, httpStatus: 302, location: 'https://new.example.com/hooks/x?token=abc#frag' })!;
    expect(error.message).toContain('https://new.example.com/hooks/x');
    expect(error.message).not.toContain('token=abc');
    expect(error.message).toContain('never followed');
    expect(error.message).toContain('tenants.1234.webhook.endpoints.crm.url');
  });

  it("keeps the receiver's words trimmed, with emails and phone numbers masked", () => {
    const error = classifyWebhookAnswer({ ...base, httpStatus: 400, body: `  candidate hayden@example.com (+61 400 000 000) unknown ${'x'.repeat(600)} ` })!;
    expect(error.details.partnerMessage).toContain('candidate [email] ([phone]) unknown');
    expect(error.details.partnerMessage!.length).toBeLessThanOrEqual(301);
  });
});

describe('receiverMessage and redirectTarget', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['   ', undefined],
    ['bad request', 'bad request'],
    ['ok on 2026-01-01 for id 12345678901', 'ok on 2026-01-01 for id 12345678901'],
  ])('receiverMessage(%j) → %j', (body, expected) => {
    expect(receiverMessage(body)).toBe(expected);
  });

  it.each([
    [undefined, 'no Location'],
    ['/moved', '/moved'],
    ['https://a.example/b?c=d', 'https://a.example/b'],
    ['http://[::1', 'an unreadable Location'],
  ])('redirectTarget(%j) → %j', (location, expected) => {
    expect(redirectTarget(location)).toBe(expected);
  });
});
