import { formatFailureReason, parseFailureReason, type FailureReasonParts, type ParsedFailureReason } from '../src/failure-reason';

// One table, read both ways: what the worker writes for these parts, and what replay reads back.
// Tags are any partner key (the registry's) or icims; "acme-board" stands for a future partner.
const table: Array<[string, FailureReasonParts, string, ParsedFailureReason]> = [
  [
    'HTTP status, tenant and the partner text',
    { partner: 'acme-board', tenantId: '1234', httpStatus: 400, message: 'rejected the status', partnerMessage: 'unknown id', attempt: 1, maxAttempts: 35 },
    '[acme-board tenant 1234] HTTP 400 (attempt 1/35): rejected the status | partner said: unknown id',
    { partner: 'acme-board', tenantId: '1234', httpStatus: 400, code: undefined },
  ],
  [
    'status and a partner code',
    { partner: 'board_2', tenantId: '1234', httpStatus: 200, code: 'BAD_USER_INPUT', message: 'invalid hirer', attempt: 2, maxAttempts: 35 },
    '[board_2 tenant 1234] HTTP 200 BAD_USER_INPUT (attempt 2/35): invalid hirer',
    { partner: 'board_2', tenantId: '1234', httpStatus: 200, code: 'BAD_USER_INPUT' },
  ],
  [
    'a network code, no status',
    { partner: 'acme-board', tenantId: '77', code: 'ECONNREFUSED', message: 'no answer', attempt: 35, maxAttempts: 35 },
    '[acme-board tenant 77] ECONNREFUSED (attempt 35/35): no answer',
    { partner: 'acme-board', tenantId: '77', httpStatus: undefined, code: 'ECONNREFUSED' },
  ],
  [
    'no tenant',
    { partner: 'acme-board', httpStatus: 401, code: 'UNAUTHENTICATED', message: 'token rejected', attempt: 1, maxAttempts: 35 },
    '[acme-board] HTTP 401 UNAUTHENTICATED (attempt 1/35): token rejected',
    { partner: 'acme-board', tenantId: undefined, httpStatus: 401, code: 'UNAUTHENTICATED' },
  ],
  [
    'nothing but the attempt (an error that is not a partner error)',
    { partner: 'icims', message: 'something unexpected', attempt: 20, maxAttempts: 20 },
    '[icims] (attempt 20/20): something unexpected',
    { partner: 'icims', tenantId: undefined, httpStatus: undefined, code: undefined },
  ],
];

describe('failure reason', () => {
  test.each(table)('format: %s', (_label, parts, text) => {
    expect(formatFailureReason(parts)).toBe(text);
  });

  test.each(table)('parse: %s', (_label, _parts, text, parsed) => {
    expect(parseFailureReason(text)).toEqual(parsed);
  });

  test.each(table)('parse(format(parts)) gives back the parts replay filters on: %s', (_label, parts) => {
    expect(parseFailureReason(formatFailureReason(parts))).toEqual({ partner: parts.partner, tenantId: parts.tenantId, httpStatus: parts.httpStatus, code: parts.code });
  });

  test.each<[string, string | undefined]>([
    ["BullMQ's own reason", 'job stalled more than allowable limit'],
    ['no reason', undefined],
    ['an upper-case tag', '[ACME] (attempt 1/2): x'],
  ])('not ours: %s', (_label, reason) => {
    expect(parseFailureReason(reason)).toEqual({});
  });

  test('with known tags, another tag is not ours', () => {
    expect(parseFailureReason('[acme-board tenant 1] HTTP 500 (attempt 1/3): x', ['icims', 'other'])).toEqual({});
    expect(parseFailureReason('[acme-board tenant 1] HTTP 500 (attempt 1/3): x', ['icims', 'acme-board'])).toMatchObject({ partner: 'acme-board', httpStatus: 500 });
  });
});
