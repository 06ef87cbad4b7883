import { QUEUE_KEYS } from '@status-bridge/partners';
import { errorClassesOf, main, matchesFilter, parseFailedReason, parseReplayArgs, tenantOf, UsageError, type FailedJobView, type ReplayFilter } from '../src/replay';

// Reasons as apps/worker/src/job-wrapper.ts describeFailure writes them.
const R = {
  stepstone400: '[stepstone tenant 1234] HTTP 400 (attempt 1/35): StepStone rejected the status | partner said: unknown AtsiApplicationId',
  stepstone503: '[stepstone tenant 1234] HTTP 503 (attempt 35/35): StepStone unavailable',
  stepstoneRefused: '[stepstone tenant 1234] ECONNREFUSED (attempt 35/35): no answer from StepStone (connect ECONNREFUSED 127.0.0.1:1)',
  stepstoneTimeout: '[stepstone tenant 77] ECONNABORTED (attempt 35/35): no answer from StepStone (timeout of 10000ms exceeded)',
  seekGraphql: '[seek tenant 1234] HTTP 200 BAD_USER_INPUT (attempt 1/35): invalid hirer | partner said: hirerId not found',
  seekUnauth: '[seek] HTTP 401 UNAUTHENTICATED (attempt 1/35): SEEK rejected our token',
  seekHttp401Code: '[seek tenant 1234] HTTP 401 HTTP_401 (attempt 1/35): SEEK answered HTTP 401',
  plainError: '[icims] (attempt 20/20): something unexpected',
  stalled: 'job stalled more than allowable limit',
};

describe('parseFailedReason', () => {
  test.each<[string, string | undefined, object]>([
    ['StepStone 400', R.stepstone400, { partner: 'stepstone', tenantId: '1234', httpStatus: 400, code: undefined }],
    ['SEEK GraphQL code', R.seekGraphql, { partner: 'seek', tenantId: '1234', httpStatus: 200, code: 'BAD_USER_INPUT' }],
    ['no tenant', R.seekUnauth, { partner: 'seek', tenantId: undefined, httpStatus: 401, code: 'UNAUTHENTICATED' }],
    ['network code only', R.stepstoneRefused, { partner: 'stepstone', tenantId: '1234', httpStatus: undefined, code: 'ECONNREFUSED' }],
    ['nothing but attempt', R.plainError, { partner: 'icims', tenantId: undefined, httpStatus: undefined, code: undefined }],
    ['not ours', R.stalled, {}],
    ['undefined', undefined, {}],
  ])('%s', (_label, reason, expected) => expect(parseFailedReason(reason)).toEqual(expected));
});

describe('errorClassesOf', () => {
  test.each<[string, string | undefined, string[]]>([
    ['4xx', R.stepstone400, ['http-400', 'http-4xx']],
    ['5xx', R.stepstone503, ['http-503', 'http-5xx']],
    ['connection refused', R.stepstoneRefused, ['network']],
    ['axios timeout', R.stepstoneTimeout, ['network', 'timeout']],
    ['GraphQL code on HTTP 200', R.seekGraphql, ['http-200', 'graphql', 'graphql:BAD_USER_INPUT']],
    ['GraphQL code on HTTP 401', R.seekUnauth, ['http-401', 'http-4xx', 'graphql', 'graphql:UNAUTHENTICATED']],
    ['our HTTP_nnn fallback is not a GraphQL code', R.seekHttp401Code, ['http-401', 'http-4xx']],
    ['plain error', R.plainError, ['other']],
    ['stalled', R.stalled, ['stalled']],
    ['no reason', undefined, ['other']],
  ])('%s', (_label, reason, expected) => expect(errorClassesOf(reason)).toEqual(expected));
});

describe('tenantOf', () => {
  test.each<[string, FailedJobView, string | undefined]>([
    ['enrich payload', { id: 'x', data: { tenantId: '1234', event: {} } }, '1234'],
    ['delivery payload', { id: 'x', data: { statusChange: { tenantId: '77' } } }, '77'],
    ['job id fallback', { id: 'c555-w1-1-2-abc-seek', data: {} }, '555'],
    ['payload wins over id', { id: 'c555-w1', data: { tenantId: '1234' } }, '1234'],
    ['unknown', { id: '42', data: null }, undefined],
  ])('%s', (_label, job, expected) => expect(tenantOf(job)).toBe(expected));
});

describe('matchesFilter', () => {
  const job = (reason: string, tenantId: string, finishedOn?: number): FailedJobView => ({ id: `c${tenantId}-w1`, data: { statusChange: { tenantId } }, failedReason: reason, finishedOn });
  test.each<[string, FailedJobView, ReplayFilter, boolean]>([
    ['no filter matches all', job(R.stepstone400, '1234', 1000), {}, true],
    ['tenant matches', job(R.stepstone400, '1234'), { tenant: '1234' }, true],
    ['other tenant', job(R.stepstone400, '1234'), { tenant: '12345' }, false],
    ['class matches', job(R.stepstone503, '1234'), { errorClass: 'http-5xx' }, true],
    ['exact status matches', job(R.stepstone503, '1234'), { errorClass: 'http-503' }, true],
    ['class differs', job(R.stepstone400, '1234'), { errorClass: 'http-5xx' }, false],
    ['graphql code', job(R.seekGraphql, '1234'), { errorClass: 'graphql:BAD_USER_INPUT' }, true],
    ['other graphql code', job(R.seekGraphql, '1234'), { errorClass: 'graphql:UNAUTHENTICATED' }, false],
    ['network', job(R.stepstoneRefused, '1234'), { errorClass: 'network' }, true],
    ['since: inclusive', job(R.stepstone400, '1234', 1000), { sinceMs: 1000 }, true],
    ['since: before', job(R.stepstone400, '1234', 999), { sinceMs: 1000 }, false],
    ['until: inclusive', job(R.stepstone400, '1234', 2000), { untilMs: 2000 }, true],
    ['until: after', job(R.stepstone400, '1234', 2001), { untilMs: 2000 }, false],
    ['window without finishedOn', job(R.stepstone400, '1234'), { sinceMs: 1 }, false],
    ['all filters at once', job(R.stepstone503, '77', 1500), { tenant: '77', errorClass: 'http-5xx', sinceMs: 1000, untilMs: 2000 }, true],
    ['all but one', job(R.stepstone503, '77', 1500), { tenant: '77', errorClass: 'network', sinceMs: 1000, untilMs: 2000 }, false],
  ])('%s', (_label, failed, filter, expected) => expect(matchesFilter(failed, filter)).toBe(expected));
});

describe('parseReplayArgs', () => {
  test('all options', () => {
    expect(parseReplayArgs(['--queue', 'seek', '--tenant', '1234', '--error-class', 'graphql:BAD_USER_INPUT', '--since', '2026-11-23T00:00:00Z', '--until', '2026-11-24T00:00:00Z', '--limit', '10', '--dry-run'])).toEqual({
      queue: 'seek',
      tenant: '1234',
      errorClass: 'graphql:BAD_USER_INPUT',
      sinceMs: Date.parse('2026-11-23T00:00:00Z'),
      untilMs: Date.parse('2026-11-24T00:00:00Z'),
      limit: 10,
      dryRun: true,
    });
  });
  test('defaults', () => {
    expect(parseReplayArgs(['--queue', 'enrich'])).toMatchObject({ queue: 'enrich', dryRun: false, limit: undefined, tenant: undefined });
    expect(parseReplayArgs(['--queue', 'enrich'])).not.toHaveProperty('partitions');
  });
  test('--partition narrows the partitions read (QUEUE_PARTITIONS > 1)', () => {
    expect(parseReplayArgs(['--queue', 'seek', '--partition', '0-3,5'])).toMatchObject({ queue: 'seek', partitions: '0-3,5' });
  });
  test.each<[string, Record<string, string>, string[], RegExp]>([
    ['a partition that does not exist', { QUEUE_PARTITIONS: '4' }, ['--partition', '4'], /--partition: partition 4 does not exist: there are 4 \(0-3\)/],
    ['a partition list that is not one', { QUEUE_PARTITIONS: '4' }, ['--partition', 'odd'], /--partition: "odd" is not a partition number or range/],
    ['a bad QUEUE_PARTITIONS', { QUEUE_PARTITIONS: '0' }, [], /QUEUE_PARTITIONS must be >= 1/],
  ])('replay refuses %s before it touches Redis (exit 64)', async (_label, env, args, message) => {
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(await main(['--queue', 'seek', '--dry-run', ...args], { REDIS_URL: 'redis://127.0.0.1:1', ...env })).toBe(64);
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toMatch(message);
  });
  test.each<[string, string[], RegExp]>([
    ['no queue', [], new RegExp(`--queue must be one of ${QUEUE_KEYS.join(', ')}`)],
    ['unknown queue', ['--queue', 'deliver-seek'], /got "deliver-seek"/],
    ['unknown class', ['--queue', 'seek', '--error-class', 'http-6xx'], /unknown class "http-6xx"/],
    ['lower-case graphql code', ['--queue', 'seek', '--error-class', 'graphql:bad'], /unknown class/],
    ['bad time', ['--queue', 'seek', '--since', 'yesterday'], /--since: "yesterday" is not an ISO-8601 time/],
    ['inverted window', ['--queue', 'seek', '--since', '2026-11-24T00:00:00Z', '--until', '2026-11-23T00:00:00Z'], /--since is after --until/],
    ['zero limit', ['--queue', 'seek', '--limit', '0'], /--limit: a positive integer/],
    ['tenant not digits', ['--queue', 'seek', '--tenant', 'acme'], /--tenant/],
    ['unknown flag', ['--queue', 'seek', '--force'], /Unknown option '--force'/],
  ])('%s is refused', (_label, args, message) => {
    expect(() => parseReplayArgs(args)).toThrow(UsageError);
    expect(() => parseReplayArgs(args)).toThrow(message);
  });
});
