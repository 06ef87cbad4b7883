import { classifyNetworkFailure, classifySeekAnswer, scrubPartnerMessage, type SeekHttpAnswer } from '../src/classify';

const gqlError = (code: string | undefined, message = `${code ?? 'no code'} happened`) => ({
  errors: [{ message, ...(code ? { extensions: { code } } : {}) }],
  data: null,
});
const NOW = Date.parse('2026-11-23T19:00:00Z');

describe('classifySeekAnswer', () => {
  const cases: Array<[string, SeekHttpAnswer, { kind: string; code?: string; delayMs?: number }]> = [
    ['data on 200', { httpStatus: 200, body: { data: { createCandidateProcessHistoryItem: { __typename: 'x' } } } }, { kind: 'ok' }],
    ['UNAUTHENTICATED on 200 (SEEK example shape)', { httpStatus: 200, body: gqlError('UNAUTHENTICATED', 'Public test partner token is expired') }, { kind: 'unauthenticated', code: 'UNAUTHENTICATED' }],
    ['BAD_USER_INPUT on 200', { httpStatus: 200, body: gqlError('BAD_USER_INPUT') }, { kind: 'permanent', code: 'BAD_USER_INPUT' }],
    ['BAD_USER_INPUT on 400 (variable coercion)', { httpStatus: 400, body: gqlError('BAD_USER_INPUT') }, { kind: 'permanent', code: 'BAD_USER_INPUT' }],
    ['FORBIDDEN (no hirer relationship)', { httpStatus: 200, body: gqlError('FORBIDDEN') }, { kind: 'permanent', code: 'FORBIDDEN' }],
    ['GRAPHQL_VALIDATION_FAILED on 400', { httpStatus: 400, body: gqlError('GRAPHQL_VALIDATION_FAILED') }, { kind: 'permanent', code: 'GRAPHQL_VALIDATION_FAILED' }],
    ['GRAPHQL_PARSE_FAILED on 400', { httpStatus: 400, body: gqlError('GRAPHQL_PARSE_FAILED') }, { kind: 'permanent', code: 'GRAPHQL_PARSE_FAILED' }],
    ['INTERNAL_SERVER_ERROR on 200', { httpStatus: 200, body: gqlError('INTERNAL_SERVER_ERROR') }, { kind: 'retryable', code: 'INTERNAL_SERVER_ERROR' }],
    ['RATE_LIMITED on 200 without Retry-After', { httpStatus: 200, body: gqlError('RATE_LIMITED', 'Too many requests.') }, { kind: 'retryable', code: 'RATE_LIMITED' }],
    ['RATE_LIMITED on 200 with Retry-After', { httpStatus: 200, retryAfter: '7', body: gqlError('RATE_LIMITED') }, { kind: 'rate_limited', code: 'RATE_LIMITED', delayMs: 7000 }],
    ['an unknown code (SEEK: codes may change)', { httpStatus: 200, body: gqlError('SOMETHING_NEW') }, { kind: 'retryable', code: 'SOMETHING_NEW' }],
    ['an error without a code on 200', { httpStatus: 200, body: gqlError(undefined) }, { kind: 'retryable' }],
    ['an error without a code on 400', { httpStatus: 400, body: gqlError(undefined) }, { kind: 'permanent' }],
    ['UNAUTHENTICATED wins over another code', { httpStatus: 200, body: { errors: [{ message: 'a', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, { message: 'b', extensions: { code: 'UNAUTHENTICATED' } }] } }, { kind: 'unauthenticated' }],
    ['a permanent code wins over an unknown one', { httpStatus: 200, body: { errors: [{ message: 'a', extensions: { code: 'NEW_CODE' } }, { message: 'b', extensions: { code: 'FORBIDDEN' } }] } }, { kind: 'permanent', code: 'FORBIDDEN' }],
    ['partial data with errors counts as the error', { httpStatus: 200, body: { data: { x: 1 }, errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }] } }, { kind: 'permanent', code: 'FORBIDDEN' }],
    ['HTTP 500 with HTML', { httpStatus: 500, body: '<html>oops</html>' }, { kind: 'retryable' }],
    ['HTTP 502', { httpStatus: 502, body: '' }, { kind: 'retryable' }],
    ['HTTP 503 without Retry-After', { httpStatus: 503, body: '' }, { kind: 'retryable' }],
    ['HTTP 503 with Retry-After', { httpStatus: 503, retryAfter: '2', body: '' }, { kind: 'rate_limited', delayMs: 2000 }],
    ['HTTP 500 carrying BAD_USER_INPUT is still retried (the gateway failed)', { httpStatus: 500, body: gqlError('BAD_USER_INPUT') }, { kind: 'retryable', code: 'BAD_USER_INPUT' }],
    ['HTTP 429 without Retry-After', { httpStatus: 429, body: '' }, { kind: 'retryable' }],
    ['HTTP 429 with Retry-After seconds', { httpStatus: 429, retryAfter: '3', body: '' }, { kind: 'rate_limited', code: 'HTTP_429', delayMs: 3000 }],
    ['HTTP 429 with Retry-After date', { httpStatus: 429, retryAfter: 'Mon, 23 Nov 2026 19:00:05 GMT', body: '' }, { kind: 'rate_limited', delayMs: 5000 }],
    ['HTTP 429 with a garbled Retry-After', { httpStatus: 429, retryAfter: 'soon', body: '' }, { kind: 'retryable' }],
    ['HTTP 401 without a GraphQL body', { httpStatus: 401, body: 'Unauthorized' }, { kind: 'unauthenticated' }],
    ['HTTP 403 without a GraphQL body', { httpStatus: 403, body: 'Forbidden' }, { kind: 'permanent' }],
    ['HTTP 404', { httpStatus: 404, body: 'Not Found' }, { kind: 'permanent' }],
    ['HTTP 200 with neither data nor errors', { httpStatus: 200, body: {} }, { kind: 'retryable' }],
    ['HTTP 200 with a non-JSON body', { httpStatus: 200, body: 'hello' }, { kind: 'retryable' }],
    ['HTTP 200 with data null and no errors', { httpStatus: 200, body: { data: null } }, { kind: 'retryable' }],
  ];

  it.each(cases)('%s', (_what, answer, expected) => {
    const result = classifySeekAnswer(answer, NOW);
    expect(result.kind).toBe(expected.kind);
    if (expected.code !== undefined) expect('code' in result ? result.code : undefined).toBe(expected.code);
    if (expected.delayMs !== undefined) expect(result.kind === 'rate_limited' ? result.delayMs : undefined).toBe(expected.delayMs);
  });

  it("keeps SEEK's message for the operator, with emails and phone numbers masked", () => {
    const result = classifySeekAnswer({ httpStatus: 200, body: gqlError('BAD_USER_INPUT', 'Duplicate seekPrimaryEmailAddress jane.doe@example.com (+61 400 123 456)') });
    expect(result).toMatchObject({ kind: 'permanent', message: 'Duplicate seekPrimaryEmailAddress [email] ([phone])' });
  });

  it('network failures are retryable', () => {
    expect(classifyNetworkFailure('ECONNABORTED', 'timeout of 100ms exceeded')).toMatchObject({ kind: 'retryable', code: 'ECONNABORTED' });
    expect(classifyNetworkFailure(undefined, 'socket hang up')).toMatchObject({ kind: 'retryable', code: 'NETWORK_ERROR' });
  });

  it('scrubPartnerMessage leaves ids alone', () => {
    expect(scrubPartnerMessage('profile seekAnz:candidateProfile:uploaded:12uNaG7vqgW6G1jG7qp7ha not found')).toBe('profile seekAnz:candidateProfile:uploaded:12uNaG7vqgW6G1jG7qp7ha not found');
  });
});
