import { RateLimitedError } from '@status-bridge/core';
import { IcimsClient } from '../src/client';
import { useIcimsClientHarness } from './client-harness';

/**
 * The acting user's read (the event's userId) and its cache, against the iCIMS sandbox over HTTP
 * and the real Redis (own prefix, so every cache starts cold). The sandbox's user 3 is
 * "Riley Recruiter", the seed's posting user.
 */
const harness = useIcimsClientHarness('actor', { userCacheTtlSeconds: 600 });
const { client, freshAccess, url, apiRequests } = harness;

/** The records of one of the sandbox's workflows as the enrichment asks for them, with the acting user. */
function eventRecords(workflowId: string, personId: string, userId: string | undefined, jobId = '1242') {
  return {
    workflow: { url: url(`applicantworkflows/${workflowId}`), id: workflowId, customFields: [] },
    person: { url: url(`people/${personId}`), id: personId, customFields: [] },
    job: { url: url(`jobs/${jobId}`), id: jobId, customFields: [] },
    ...(userId ? { actor: { url: url(`people/${userId}`), id: userId } } : {}),
  };
}

/** Empties the job and user caches of this prefix between tests. */
async function coldCaches(icims: IcimsClient): Promise<void> {
  await harness.redis.del(icims.jobs.key('1234', '1242', IcimsClient.fieldsFor('jobs', [])), ...['3', '4', '99'].map((id) => icims.actors.users.key('1234', id)));
}

beforeAll(async () => {
  harness.sandbox.setRecord('1234', 'people', '4', { id: 4, firstname: 'Sam', lastname: 'Sourcer', email: 'sam.sourcer@example.com', phones: [{ phonenumber: '+61 400 999 999' }] });
  harness.sandbox.setRecord('1234', 'people', '5', { id: 5, email: 'nameless@example.com' });
});

describe('the acting user', () => {
  it('is read with fields= name and email only, cached per tenant and user; warm, an event costs 2 requests and reserves 2', async () => {
    const icims = client();
    await coldCaches(icims);
    const tenant = freshAccess();
    const reserve = jest.spyOn(icims, 'reserve');

    const cold = await icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364', '3'));
    expect(cold.actor).toEqual({ found: true, user: { id: '3', formattedName: 'Riley Recruiter', givenName: 'Riley', familyName: 'Recruiter', email: 'riley.recruiter@example.com' } });
    expect(apiRequests('people/3').map((request) => request.query.fields)).toEqual(['firstname,lastname,email']);
    expect(cold.requests).toBe(4);

    const warm = await icims.readStatusChangeRecords(tenant, '1234', eventRecords('2204', '1365', '3'));
    expect(warm.actor).toEqual(cold.actor);
    expect(warm).toMatchObject({ requests: 2, jobFromCache: true });
    expect(apiRequests('people/3')).toHaveLength(1);
    // Budget: reserved only for requests sent, and the counter equals the requests sent.
    expect(reserve.mock.calls.map(([, requests]) => requests)).toEqual([4, 2]);
    expect(await icims.budget.used(tenant.tenantId)).toBe(6);
    expect(apiRequests()).toHaveLength(6);
    reserve.mockRestore();

    // Under the queue prefix's hash tag, with the configured lifetime.
    const key = icims.actors.users.key('1234', '3');
    expect(key.startsWith(`${harness.prefix}:sb:icims:user:1234:3:`)).toBe(true);
    const ttl = await harness.redis.ttl(key);
    expect(ttl).toBeGreaterThan(590);
    expect(ttl).toBeLessThanOrEqual(600);
  });

  it('is not read when the caller does not ask (a partner that names no actor)', async () => {
    const icims = client();
    await coldCaches(icims);
    const records = await icims.readStatusChangeRecords(freshAccess(), '1234', eventRecords('2203', '1364', undefined));
    expect(records.actor).toBeUndefined();
    expect(apiRequests().map((request) => request.path).sort()).toEqual(['/customers/1234/applicantworkflows/2203', '/customers/1234/jobs/1242', '/customers/1234/people/1364']);
  });

  it('concurrent events of one user: the user cache is read at most once per event and the user fetched once', async () => {
    const icims = client();
    await coldCaches(icims);
    const tenant = freshAccess();
    const cacheReads = jest.spyOn(icims.actors.users, 'get');
    const events = await Promise.all([
      icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364', '3')),
      icims.readStatusChangeRecords(tenant, '1234', eventRecords('2204', '1365', '3')),
      icims.readStatusChangeRecords(tenant, '1234', eventRecords('2205', '1366', '3')),
    ]);
    // At most once each (an event that finds the user's read already running joins it unread).
    expect(cacheReads.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(cacheReads.mock.calls.length).toBeLessThanOrEqual(3);
    expect(apiRequests('people/3')).toHaveLength(1);
    expect(events.map((event) => event.actor)).toEqual(Array(3).fill(expect.objectContaining({ found: true, user: expect.objectContaining({ formattedName: 'Riley Recruiter' }) })));
    // Attributed to the event that sent them: 3 workflows + 3 people + 1 job + 1 user.
    expect(events.reduce((sum, event) => sum + event.requests, 0)).toBe(8);
    expect(apiRequests()).toHaveLength(8);
    expect(await icims.budget.used(tenant.tenantId)).toBe(8);

    const readsBefore = cacheReads.mock.calls.length;
    await icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364', '3'));
    expect(cacheReads.mock.calls.length).toBe(readsBefore + 1);
    expect(apiRequests('people/3')).toHaveLength(1);
    cacheReads.mockRestore();
  });

  it('two users of one tenant are two reads and two cache entries', async () => {
    const icims = client();
    await coldCaches(icims);
    const tenant = freshAccess();
    const [riley, sam] = await Promise.all([
      icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364', '3')),
      icims.readStatusChangeRecords(tenant, '1234', eventRecords('2204', '1365', '4')),
    ]);
    expect(riley.actor).toMatchObject({ found: true, user: { formattedName: 'Riley Recruiter' } });
    // Name and email only: the phone iCIMS holds for this user is not asked for.
    expect(sam.actor).toEqual({ found: true, user: { id: '4', formattedName: 'Sam Sourcer', givenName: 'Sam', familyName: 'Sourcer', email: 'sam.sourcer@example.com' } });
    expect(apiRequests('people/3')).toHaveLength(1);
    expect(apiRequests('people/4')).toHaveLength(1);
  });

  it('a user without a name is found, with no formatted name (the caller decides the fallback)', async () => {
    const icims = client();
    const records = await icims.readStatusChangeRecords(freshAccess(), '1234', eventRecords('2203', '1364', '5'));
    expect(records.actor).toEqual({ found: true, user: { id: '5', email: 'nameless@example.com' } });
  });

  it('404 (unknown, or hidden from the integration user): not_found, cached, so the next event sends no request for it', async () => {
    const icims = client();
    await coldCaches(icims);
    const tenant = freshAccess();
    const first = await icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364', '99'));
    expect(first.actor).toEqual({ found: false, reason: 'not_found' });
    expect(first.requests).toBe(4);
    const second = await icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364', '99'));
    expect(second.actor).toEqual({ found: false, reason: 'not_found' });
    expect(second.requests).toBe(2);
    expect(apiRequests('people/99')).toHaveLength(1);
  });

  it('5xx: read_error, the event still gets its records; not cached, so the next event asks again', async () => {
    const icims = client();
    await coldCaches(icims);
    const tenant = freshAccess();
    harness.sandbox.faults({ serverError: { count: 1, status: 503, path: '/customers/1234/people/3' } });
    const failed = await icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364', '3'));
    expect(failed.actor).toEqual({ found: false, reason: 'read_error', detail: 'HTTP 503' });
    expect(failed.workflow.status?.id).toBe('9782');
    expect(failed.requests).toBe(4);
    expect(await harness.redis.exists(icims.actors.users.key('1234', '3'))).toBe(0);
    const next = await icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364', '3'));
    expect(next.actor).toMatchObject({ found: true, user: { formattedName: 'Riley Recruiter' } });
    expect(apiRequests('people/3').map((request) => request.answer)).toEqual([503, 200]);
    expect(await icims.budget.used(tenant.tenantId)).toBe(7);
  });

  it('429 on the user read: thrown (the event waits like for any record; the tenant gate closes), not a fallback', async () => {
    const icims = client();
    await coldCaches(icims);
    const tenant = freshAccess();
    harness.sandbox.faults({ rateLimit: { count: 1, retryAfter: 1 } });
    const request = { url: url('people/3'), id: '3' };
    await expect(icims.actors.read(tenant, '1234', request, await icims.actors.lookup(tenant, '1234', request))).rejects.toBeInstanceOf(RateLimitedError);
    expect(apiRequests('people/3').map((sent) => sent.answer)).toEqual([429]);
    expect(await harness.redis.exists(icims.actors.users.key('1234', '3'))).toBe(0);
    // The closed gate turns the next read away before any request, also thrown.
    await expect(icims.actors.read(tenant, '1234', request, {})).rejects.toBeInstanceOf(RateLimitedError);
    expect(apiRequests()).toHaveLength(1);
  });

  it('ICIMS_USER_CACHE_TTL_SECONDS=0: no cache, the user is read on every event', async () => {
    const icims = client({ userCacheTtlSeconds: 0 });
    await coldCaches(icims);
    const tenant = freshAccess();
    await icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364', '3'));
    const second = await icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364', '3'));
    expect(second.requests).toBe(3);
    expect(apiRequests('people/3')).toHaveLength(2);
    expect(await harness.redis.exists(icims.actors.users.key('1234', '3'))).toBe(0);
  });
});
