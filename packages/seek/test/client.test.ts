import { Redis } from 'ioredis';
import { PermanentError, RateLimitedError, RetryableError, USER_AGENT } from '@status-bridge/core';
import { cleanupPrefix, sampleStatusChange, TEST_REDIS_URL, uniquePrefix } from '@status-bridge/testing';
import { start, SANDBOX_SEEK_CLIENT, type SeekSandbox } from '../src/sandbox';
import { SeekClient } from '../src/client';
import { tokenCacheMs } from '@status-bridge/core';
import { SeekTokenCache } from '../src/token';
import { planProcessHistoryItem, planUploadCandidate } from '../src/inputs';
import type { StatusChange } from '@status-bridge/core';

/** The client and token cache against the SEEK sandbox over HTTP, with the shared Redis. */
const prefix = uniquePrefix('seek-client');
const HIRER = 'seekAnz:organization:seek:clienttest';
const UUID = /^[0-9a-f-]{36}$/;

const change = (email: string): StatusChange =>
  sampleStatusChange({ newStatus: { id: '9782', name: 'Interview' }, candidate: { formattedName: 'Hayden Robinson', email }, job: { title: 'Driver' }, enrichJobId: 'e1' });

describe('SEEK client and token cache', () => {
  let sandbox: SeekSandbox;
  const connections: Redis[] = [];
  const clients: SeekClient[] = [];
  let caseNo = 0;

  const redis = (): Redis => {
    const connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
    connections.push(connection);
    return connection;
  };
  /** A token cache as one worker process would build it (own Redis connection), under a per-test prefix. */
  const tokens = (casePrefix: string, overrides: Partial<ConstructorParameters<typeof SeekTokenCache>[0]> = {}) =>
    new SeekTokenCache({
      redis: redis(),
      prefix: casePrefix,
      tokenUrl: sandbox.tokenUrl,
      audience: 'https://graphql.seek.com',
      clientId: SANDBOX_SEEK_CLIENT.clientId,
      clientSecret: SANDBOX_SEEK_CLIENT.clientSecret,
      marginSeconds: 60,
      timeoutMs: 2_000,
      ...overrides,
    });
  const client = (source: SeekTokenCache, timeoutMs = 2_000): SeekClient => {
    const built = new SeekClient({ graphqlUrl: sandbox.graphqlUrl, tokens: source, timeoutMs });
    clients.push(built);
    return built;
  };
  const nextPrefix = (): string => `${prefix.slice(0, -1)}-${++caseNo}}`;
  const uploadInput = (email: string) => {
    const plan = planUploadCandidate(change(email), HIRER);
    if (plan.kind !== 'upload') throw new Error('expected upload');
    return plan.input;
  };

  beforeAll(async () => {
    sandbox = await start();
  });
  beforeEach(() => sandbox.reset());
  afterAll(async () => {
    await Promise.all(clients.map((built) => built.close()));
    await sandbox.close();
    for (const connection of connections) connection.disconnect();
    await cleanupPrefix(TEST_REDIS_URL, prefix.slice(0, -1));
  });

  it('tokenCacheMs: expires_in less the margin, never hard-coded', () => {
    expect(tokenCacheMs(1800, 60)).toBe(1_740_000);
    expect(tokenCacheMs(86400, 60)).toBe(86_340_000);
    expect(tokenCacheMs(100, 60)).toBe(50_000);
    expect(tokenCacheMs(0, 60)).toBe(0);
    expect(tokenCacheMs(Number.NaN, 60)).toBe(0);
  });

  it('caches the token in Redis for expires_in minus the margin and reuses it across calls', async () => {
    sandbox.settings({ tokenLifetimeSeconds: 1800 });
    const cache = tokens(nextPrefix());
    const seek = client(cache);
    await seek.uploadCandidate(uploadInput('a@example.com'), { sessionId: 's' });
    await seek.uploadCandidate(uploadInput('b@example.com'), { sessionId: 's' });
    expect(sandbox.state.tokenRequests).toHaveLength(1);
    const ttl = await redis().pttl(cache.cacheKey);
    expect(ttl).toBeGreaterThan(1_700_000);
    expect(ttl).toBeLessThanOrEqual(1_740_000);
  });

  it('two processes (separate connections and caches) share one token; concurrent first use requests it once', async () => {
    const casePrefix = nextPrefix();
    const first = tokens(casePrefix);
    const second = tokens(casePrefix);
    const got = await Promise.all([first.get(), second.get(), first.get(), second.get()]);
    expect(new Set(got).size).toBe(1);
    expect(sandbox.state.tokenRequests.filter((request) => request.httpStatus === 200)).toHaveLength(1);
  });

  it('UNAUTHENTICATED: drops the token, gets a new one and retries once', async () => {
    const cache = tokens(nextPrefix());
    const seek = client(cache);
    await seek.uploadCandidate(uploadInput('a@example.com'), { sessionId: 's' });
    const before = await redis().get(cache.cacheKey);
    sandbox.expireTokens();
    const result = await seek.uploadCandidate(uploadInput('b@example.com'), { sessionId: 's' });
    expect(result.conflict).toBe(false);
    expect(sandbox.state.tokenRequests).toHaveLength(2);
    expect(await redis().get(cache.cacheKey)).not.toBe(before);
    expect(sandbox.operations.map((operation) => operation.outcome)).toEqual(['success', 'error:UNAUTHENTICATED', 'success']);
  });

  it('UNAUTHENTICATED twice: permanent after the single refresh', async () => {
    const seek = client(tokens(nextPrefix()));
    sandbox.faults({ graphqlError: { count: 2, code: 'UNAUTHENTICATED', message: 'Public test partner token is expired' } });
    const error = await seek.uploadCandidate(uploadInput('a@example.com'), { sessionId: 's' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect(sandbox.state.tokenRequests).toHaveLength(2);
    expect(sandbox.operations).toHaveLength(2);
  });

  it('sends the SEEK headers: User-Agent, a fresh X-Request-Id per attempt, a stable X-Session-Id', async () => {
    const seek = client(tokens(nextPrefix()));
    sandbox.faults({ graphqlError: { count: 1, code: 'UNAUTHENTICATED' } });
    await seek.uploadCandidate(uploadInput('a@example.com'), { sessionId: 'session-1' });
    const [first, second] = sandbox.operations;
    expect(first.userAgent).toBe(USER_AGENT);
    expect(first.contentType).toMatch(/^application\/json/);
    expect(first.requestId).toMatch(UUID);
    expect(second.requestId).toMatch(UUID);
    expect(second.requestId).not.toBe(first.requestId);
    expect([first.sessionId, second.sessionId]).toEqual(['session-1', 'session-1']);
    expect(sandbox.state.tokenRequests[0].userAgent).toBe(USER_AGENT);
  });

  it.each([
    ['BAD_USER_INPUT', { graphqlError: { count: 1, code: 'BAD_USER_INPUT', message: 'Duplicate seekPrimaryEmailAddress x@example.com' } }, PermanentError, 'Duplicate seekPrimaryEmailAddress [email]'],
    ['FORBIDDEN', { graphqlError: { count: 1, code: 'FORBIDDEN', message: 'No relationship' } }, PermanentError, 'No relationship'],
    ['INTERNAL_SERVER_ERROR', { graphqlError: { count: 1, code: 'INTERNAL_SERVER_ERROR' } }, RetryableError, undefined],
    ['an unknown code', { graphqlError: { count: 1, code: 'BRAND_NEW' } }, RetryableError, undefined],
    ['HTTP 502', { serverError: { count: 1, status: 502 } }, RetryableError, undefined],
    ['HTTP 429 without Retry-After', { rateLimit: { count: 1 } }, RetryableError, undefined],
  ])('%s → %p', async (_what, fault, type, partnerMessage) => {
    const seek = client(tokens(nextPrefix()));
    await tokens(nextPrefix()).get();
    sandbox.faults(fault);
    const error = await seek.uploadCandidate(uploadInput('a@example.com'), { sessionId: 's', tenantId: '1234' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(type);
    expect((error as PermanentError).details).toMatchObject({ partner: 'seek', tenantId: '1234' });
    if (partnerMessage) expect((error as PermanentError).details.partnerMessage).toBe(partnerMessage);
  });

  it('HTTP 429 with Retry-After → RateLimitedError with that delay', async () => {
    const seek = client(tokens(nextPrefix()));
    sandbox.faults({ rateLimit: { count: 1, retryAfter: 4 } });
    const error = await seek.uploadCandidate(uploadInput('a@example.com'), { sessionId: 's' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).delayMs).toBe(4000);
  });

  it('a timeout is retryable, and the retry of a create that landed gets _Conflict with the same item', async () => {
    const seek = client(tokens(nextPrefix()), 300);
    const { profileId } = await seek.uploadCandidate(uploadInput('t@example.com'), { sessionId: 's' });
    const plan = planProcessHistoryItem({ statusChange: change('t@example.com'), seek: { idempotencyId: 'b3b0c8a2-0000-5000-8000-000000000001', statusCode: 'Interview', sourceName: 'iCIMS' }, tenant: { withoutPosition: 'interaction' }, positionProfileId: 'pp' });
    if (plan.kind !== 'create') throw new Error('expected create');
    const input = { candidateProfile: { profileId }, candidateProcessHistoryItem: plan.item };
    sandbox.faults({ hang: { count: 1 } });
    const error = await seek.createProcessHistoryItem(input, { sessionId: 's' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as RetryableError).details.code).toBe('ETIMEDOUT');
    expect(sandbox.state.items.size).toBe(1);
    const retried = await seek.createProcessHistoryItem(input, { sessionId: 's' });
    expect(retried.conflict).toBe(true);
    expect(retried.itemId).toBe([...sandbox.state.items.keys()][0]);
    expect(sandbox.state.items.size).toBe(1);
  });

  it('token endpoint refusing the credentials is permanent and names the variables, never the secret', async () => {
    const cache = tokens(nextPrefix(), { clientSecret: 'wrong-secret-value' });
    const error = await cache.get().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(/SEEK_CLIENT_SECRET/);
    expect(JSON.stringify({ message: (error as Error).message, details: (error as PermanentError).details })).not.toContain('wrong-secret-value');
  });

  it('update and delete address the item by id', async () => {
    const seek = client(tokens(nextPrefix()));
    const { profileId } = await seek.uploadCandidate(uploadInput('u@example.com'), { sessionId: 's' });
    const plan = planProcessHistoryItem({ statusChange: change('u@example.com'), seek: { idempotencyId: 'i-1', statusCode: 'Interview', sourceName: 'iCIMS' }, tenant: { withoutPosition: 'interaction' }, positionProfileId: 'pp' });
    if (plan.kind !== 'create') throw new Error('expected create');
    const { itemId } = await seek.createProcessHistoryItem({ candidateProfile: { profileId }, candidateProcessHistoryItem: plan.item }, { sessionId: 's' });
    const { idempotencyId: _unused, ...rest } = plan.item;
    expect(await seek.updateProcessHistoryItem({ ...rest, id: itemId, status: { code: 'Offer' } }, { sessionId: 's' })).toBe(itemId);
    expect((sandbox.state.items.get(itemId)?.item.status as { code: string }).code).toBe('Offer');
    expect(await seek.deleteProcessHistoryItem(itemId, { sessionId: 's' })).toBe(itemId);
    expect(sandbox.state.items.size).toBe(0);
  });
});
