import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { PermanentError, RateLimitedError } from '@status-bridge/core';
import { TEST_REDIS_URL } from '@status-bridge/testing';
import { SANDBOX_ICIMS_AUDIENCE, SANDBOX_ICIMS_CLIENT } from '@status-bridge/sandbox/src/icims';
import { IcimsClient, type IcimsTenantAccess } from '../src/client';
import { RequestBudget, msLeftInUtcDay } from '../src/request-budget';
import { icimsTokenCache } from '../src/token-cache';
import { useIcimsClientHarness } from './client-harness';

/** The client against the iCIMS sandbox over HTTP and the real Redis (unique prefix). No token is fetched up front: tests here count token requests. */
const harness = useIcimsClientHarness('client', { timeoutMs: 1000 }, { warmToken: false });
const { client } = harness;

function access(overrides: Partial<IcimsTenantAccess> = {}): IcimsTenantAccess {
  return { ...harness.freshAccess(), tenantId: '1234', ...overrides };
}

describe('IcimsClient', () => {
  it('reads the seed records with fields= and counts each request per tenant and day', async () => {
    const outcomes: string[] = [];
    const icims = client({ onRequest: (_tenant, outcome) => outcomes.push(outcome) });
    const tenant = access({ tenantId: 'count-test' });
    const before = await icims.budget.used('count-test');
    const records = await icims.readStatusChangeRecords(tenant, '1234', {
      workflow: { url: `${harness.sandbox.url}/customers/1234/applicantworkflows/2203`, id: '2203', customFields: ['field51234'] },
      person: { url: `${harness.sandbox.url}/customers/1234/people/1364`, id: '1364', customFields: [] },
      job: { url: `${harness.sandbox.url}/customers/1234/jobs/1242`, id: '1242', customFields: ['field61234'] },
    });
    expect(records.workflow.status).toEqual({ id: '9782', value: 'Second Interview' });
    expect(records.job.custom.field61234).toMatch(/^seekAnzPublicTest:positionProfile/);
    expect(records.requests).toBe(3);
    expect(outcomes).toEqual(['ok', 'ok', 'ok']);
    expect(await icims.budget.used('count-test')).toBe(before + 3);
    const fields = harness.sandbox.state.apiRequests().map((request) => request.query.fields);
    expect(fields).toEqual(expect.arrayContaining(['status,updateddate,source,field51234', 'firstname,middlename,lastname,email,phones', 'jobtitle,joblocation,field61234']));
  });

  it('refuses a URL outside the tenant origin without a request', async () => {
    await expect(client().getRecord(access(), { url: 'https://evil.example.com/customers/1234/people/1', fields: [], what: 'people 1' })).rejects.toBeInstanceOf(PermanentError);
    expect(harness.sandbox.requests).toHaveLength(0);
  });

  it('does not follow a redirect (credentials would go with it)', async () => {
    const seen: string[] = [];
    const evil = http.createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      res.end('{}');
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const redirector = http.createServer((_req, res) => res.writeHead(302, { location: `http://127.0.0.1:${(evil.address() as AddressInfo).port}/steal` }).end());
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(redirector.address() as AddressInfo).port}`;
    try {
      await expect(
        client().getRecord(access({ origin, credentials: { type: 'basic', username: 'u', password: 'p' } }), { url: `${origin}/customers/1234/people/1`, fields: [], what: 'people 1' }),
      ).rejects.toThrow(/HTTP 302/);
      expect(seen).toHaveLength(0);
    } finally {
      redirector.close();
      evil.close();
    }
  });

  it('errors never carry the token or the secret', async () => {
    harness.sandbox.faults({ rejectAllTokens: true });
    const error = await client()
      .getRecord(access({ tenantId: 'secret-test' }), { url: `${harness.sandbox.url}/customers/1234/people/1364`, fields: ['firstname'], what: 'people 1364' })
      .catch((caught: Error) => caught);
    harness.sandbox.faults({ rejectAllTokens: false });
    expect(error).toBeInstanceOf(PermanentError);
    expect(JSON.stringify({ message: (error as Error).message, details: (error as PermanentError).details })).not.toMatch(/sbx-|sandbox-icims-secret/);
  });

  it('wrong client secret: permanent, names the tenant credentials', async () => {
    const tenant = access({ tenantId: 'bad-secret', credentials: { type: 'oauth', clientId: SANDBOX_ICIMS_CLIENT.clientId, clientSecret: 'wrong', tokenUrl: harness.sandbox.tokenUrl, audience: SANDBOX_ICIMS_AUDIENCE } });
    await expect(client().getRecord(tenant, { url: `${harness.sandbox.url}/customers/1234/people/1364`, fields: [], what: 'people 1364' })).rejects.toThrow(
      /token endpoint rejected the client credentials of tenant bad-secret \(HTTP 401\)/,
    );
    expect(harness.sandbox.state.apiRequests()).toHaveLength(0);
  });
});

describe('the iCIMS token cache (core SharedTokenCache)', () => {
  it('two caches on separate connections starting together fetch one token', async () => {
    const other = new Redis(TEST_REDIS_URL);
    try {
      let fetches = 0;
      const fetchToken = async () => {
        fetches += 1;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return { accessToken: `token-${fetches}`, expiresInSeconds: 3600 };
      };
      const [a, b] = await Promise.all([icimsTokenCache(harness.redis, harness.prefix).get('single-flight', fetchToken), icimsTokenCache(other, harness.prefix).get('single-flight', fetchToken)]);
      expect(fetches).toBe(1);
      expect(a).toBe('token-1');
      expect(b).toBe('token-1');
      // TTL is expires_in minus the margin.
      const ttl = await harness.redis.pttl(icimsTokenCache(harness.redis, harness.prefix).tokenKey('single-flight'));
      expect(ttl).toBeGreaterThan(3600_000 - 5 * 60_000 - 2_000);
      expect(ttl).toBeLessThanOrEqual(3600_000 - 5 * 60_000);
    } finally {
      other.disconnect();
    }
  });

  it('invalidate removes only the rejected token', async () => {
    const cache = icimsTokenCache(harness.redis, harness.prefix);
    await cache.get('invalidate', async () => ({ accessToken: 'old', expiresInSeconds: 3600 }));
    await cache.invalidate('invalidate', 'not-the-cached-one');
    expect(await harness.redis.get(cache.tokenKey('invalidate'))).toBe('old');
    await cache.invalidate('invalidate', 'old');
    expect(await harness.redis.get(cache.tokenKey('invalidate'))).toBeNull();
  });

  it('a failed fetch releases the lock so the next caller can try', async () => {
    const cache = icimsTokenCache(harness.redis, harness.prefix);
    await expect(cache.get('fails', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(cache.get('fails', async () => ({ accessToken: 'later', expiresInSeconds: 60 }))).resolves.toBe('later');
  });
});

describe('RequestBudget pacing', () => {
  const noon = Date.parse('2026-11-23T12:00:00Z');
  const halfDay = msLeftInUtcDay(noon);

  it.each([
    ['well below 80%: go', 0, 3, 0],
    ['just below 80%: go', 7, 1, 0],
    ['at 80% with no slot taken: go, and take the slot', 8, 1, 0],
    ['would exceed the budget: wait for the next UTC day', 9, 2, halfDay],
    ['budget spent: wait for the next UTC day', 10, 1, halfDay],
  ])('%s', async (_name, used, wanted, waitMs) => {
    const tenant = `pace-${used}-${wanted}`;
    const budget = new RequestBudget(harness.redis, harness.prefix);
    if (used > 0) await harness.redis.set(budget.countKey(tenant, noon), String(used));
    const admission = await budget.admit(tenant, wanted, 10, noon);
    expect(admission).toEqual({ waitMs, used, budget: 10 });
  });

  it('past 80%, the rest of the budget is spread over the rest of the day', async () => {
    const budget = new RequestBudget(harness.redis, harness.prefix);
    await harness.redis.set(budget.countKey('spread', noon), '8');
    expect((await budget.admit('spread', 1, 10, noon)).waitMs).toBe(0);
    // Two requests left for 12 hours: one slot every 6 hours.
    expect((await budget.admit('spread', 1, 10, noon + 1000)).waitMs).toBe(halfDay / 2 - 1000);
    expect((await budget.admit('spread', 1, 10, noon + halfDay / 2)).waitMs).toBe(0);
  });

  it('warns once when 80% is crossed', async () => {
    const warnings: number[] = [];
    const budget = new RequestBudget(harness.redis, harness.prefix, (_tenant, used) => warnings.push(used));
    for (let i = 0; i < 10; i++) await budget.count('warn-once', 10, noon);
    expect(warnings).toEqual([8]);
    expect(await harness.redis.ttl(budget.countKey('warn-once', noon))).toBeGreaterThan(24 * 3600);
  });

  it('the client turns pacing into a RateLimitedError with the wait', async () => {
    const icims = client();
    const tenant = access({ tenantId: 'paced', dailyRequestBudget: 10 });
    await harness.redis.set(icims.budget.countKey('paced', Date.now()), '10');
    const error = await icims.reserve(tenant, 2).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).details.code).toBe('DAILY_BUDGET_PACING');
    expect((error as RateLimitedError).delayMs).toBeGreaterThan(0);
  });
});
