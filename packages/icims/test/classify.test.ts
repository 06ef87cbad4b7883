import { PermanentError, RateLimitedError, RetryableError } from '@status-bridge/core';
import { classifyIcimsNetworkError, classifyIcimsResponse, icimsErrorMessage } from '../src/classify';

const base = { tenantId: '1234', what: 'people 1364', credentialsFresh: false, headers: {}, now: Date.parse('2026-11-23T12:00:00Z') };
const notFound = { errors: [{ errorMessage: 'Person not found.', errorCode: 2 }] };

describe('classifyIcimsResponse', () => {
  type Row = [string, { status: number; body?: unknown; headers?: Record<string, unknown>; credentialsFresh?: boolean }, string, Record<string, unknown>];
  const table: Row[] = [
    ['200 with a record', { status: 200, body: { firstname: 'x' } }, 'ok', {}],
    ['200 with an HTML page', { status: 200, body: '<html>maintenance</html>' }, 'RetryableError', {}],
    ['200 with a JSON array', { status: 200, body: [] }, 'RetryableError', {}],
    ['404 not found', { status: 404, body: notFound }, 'PermanentError', { httpStatus: 404, code: '2', partnerMessage: 'Person not found.' }],
    ['404 access denied', { status: 404, body: { errors: [{ errorMessage: 'Access denied', errorCode: 3 }] } }, 'PermanentError', { code: '3' }],
    ['401 with a cached token', { status: 401 }, 'refresh-token', {}],
    ['403 with a cached token', { status: 403 }, 'refresh-token', {}],
    ['401 after refresh', { status: 401, credentialsFresh: true, body: { errors: [{ errorMessage: 'Invalid Username or Password credentials provided.', errorCode: 6 }] } }, 'PermanentError', { code: '6' }],
    ['403 after refresh', { status: 403, credentialsFresh: true }, 'PermanentError', { httpStatus: 403 }],
    ['408', { status: 408 }, 'RetryableError', {}],
    ['429 with Retry-After seconds', { status: 429, headers: { 'retry-after': '7' } }, 'RateLimitedError', { delayMs: 7000 }],
    ['429 with Retry-After date', { status: 429, headers: { 'retry-after': 'Mon, 23 Nov 2026 12:00:30 GMT' } }, 'RateLimitedError', { delayMs: 30_000 }],
    ['429 without Retry-After', { status: 429 }, 'RateLimitedError', { delayMs: 60_000 }],
    ['429 with garbage Retry-After', { status: 429, headers: { 'retry-after': 'soon' } }, 'RateLimitedError', { delayMs: 60_000 }],
    ['500 with X-Error header', { status: 500, headers: { 'x-error': '0:Internal error' } }, 'RetryableError', { partnerMessage: '0:Internal error' }],
    ['502', { status: 502 }, 'RetryableError', {}],
    ['503', { status: 503 }, 'RetryableError', {}],
    ['505 HTTP version', { status: 505 }, 'PermanentError', {}],
    ['400 bad request', { status: 400, body: { errors: [{ errorMessage: 'Field required', errorCode: 1 }] } }, 'PermanentError', { code: '1' }],
    ['409', { status: 409 }, 'PermanentError', {}],
    ['302 redirect is not followed', { status: 302, headers: { location: 'https://evil.example.com/' } }, 'PermanentError', {}],
  ];

  it.each(table)('%s', (_name, response, expected, details) => {
    const outcome = classifyIcimsResponse({ ...base, headers: {}, body: undefined, ...response });
    if (expected === 'ok' || expected === 'refresh-token') {
      expect(outcome.kind).toBe(expected);
      return;
    }
    expect(outcome.kind).toBe('error');
    if (outcome.kind !== 'error') return;
    expect(outcome.error.constructor.name).toBe(expected);
    expect(outcome.error.details).toMatchObject({ partner: 'icims', tenantId: '1234' });
    if (Object.keys(details).length > 0) {
      const { delayMs, ...rest } = details;
      expect(outcome.error.details).toMatchObject(rest);
      if (delayMs !== undefined) expect((outcome.error as RateLimitedError).delayMs).toBe(delayMs);
    }
  });

  it('404 says the record may be hidden from the integration user', () => {
    const outcome = classifyIcimsResponse({ ...base, status: 404, body: notFound });
    expect(outcome.kind === 'error' && outcome.error.message).toMatch(/people 1364.*access denied/);
  });

  it('credentials rejected after refresh names the tenant config, not the secret', () => {
    const outcome = classifyIcimsResponse({ ...base, status: 401, body: undefined, credentialsFresh: true });
    expect(outcome.kind === 'error' && outcome.error).toBeInstanceOf(PermanentError);
    expect(outcome.kind === 'error' && outcome.error.message).toContain('tenants.1234.icims.auth');
  });

  it('network errors are retryable; timeouts are named', () => {
    expect(classifyIcimsNetworkError({ code: 'ECONNRESET' }, '1234', 'jobs 1')).toBeInstanceOf(RetryableError);
    expect(classifyIcimsNetworkError({ code: 'ECONNABORTED' }, '1234', 'jobs 1').details.code).toBe('TIMEOUT');
    expect(classifyIcimsNetworkError(new Error('x'), '1234', 'jobs 1').details.code).toBe('NETWORK_ERROR');
  });

  it('reads several iCIMS errors', () => {
    expect(icimsErrorMessage({ errors: [{ errorMessage: 'a', errorCode: 1 }, { errorMessage: 'b', errorCode: 2 }] })).toEqual({ message: 'a; b', code: '1' });
    expect(icimsErrorMessage('not json')).toEqual({});
  });
});
