import { RateLimitedError } from '@status-bridge/core';
import { waitFor } from '@status-bridge/testing';
import { GATE_CLOSED_CODE, GATE_PROBING_CODE } from '../src/backoff-gate';
import { IcimsClient, type IcimsTenantAccess } from '../src/client';
import { useIcimsClientHarness } from './client-harness';

/**
 * The client's back-off gate and single-flight reads, against the iCIMS sandbox over HTTP and
 * the real Redis (own prefix, so the job cache starts cold).
 */
const harness = useIcimsClientHarness('backoff', { backoffJitterMs: 500 });
const { client, freshAccess, url, apiRequests } = harness;
const read = (icims: IcimsClient, access: IcimsTenantAccess, path: string, fields = ['status']) => icims.getRecord(access, { url: url(path), fields, what: path });

/** The three records of one of the sandbox's workflows, as the enrichment asks for them. */
function eventRecords(workflowId: string, personId: string, jobId = '1242') {
  return {
    workflow: { url: url(`applicantworkflows/${workflowId}`), id: workflowId, customFields: ['field51234'] },
    person: { url: url(`people/${personId}`), id: personId, customFields: [] },
    job: { url: url(`jobs/${jobId}`), id: jobId, customFields: ['field61234'] },
  };
}

describe('the tenant back-off gate', () => {
  it('a 429 closes the tenant gate: its next request waits without calling iCIMS; other tenants go on; the 429 is counted', async () => {
    const closings: Array<[string, number]> = [];
    const icims = client({ onBackoffClosed: (tenant, waitMs) => closings.push([tenant, waitMs]) });
    const limited = freshAccess();
    harness.sandbox.faults({ rateLimit: { count: 1, retryAfter: 5 } });
    const first = await read(icims, limited, 'applicantworkflows/2203').catch((error: unknown) => error);
    expect(first).toBeInstanceOf(RateLimitedError);
    expect((first as RateLimitedError).delayMs).toBe(5000);
    expect(closings).toEqual([[limited.tenantId, 5000]]);

    // Another process (its own client) honours the same gate.
    const gated = await read(client(), limited, 'people/1364').catch((error: unknown) => error);
    expect(gated).toBeInstanceOf(RateLimitedError);
    expect((gated as RateLimitedError).details.code).toBe(GATE_CLOSED_CODE);
    expect((gated as RateLimitedError).delayMs).toBeGreaterThan(4000);
    expect((gated as RateLimitedError).delayMs).toBeLessThan(5000 + 500);
    expect(apiRequests()).toHaveLength(1);

    const calm = freshAccess();
    await expect(read(icims, calm, 'people/1364', ['firstname'])).resolves.toEqual({ firstname: 'Jordan' });
    // The 429 reached iCIMS and counts against the licence; the gated read did not.
    expect(await icims.budget.used(limited.tenantId)).toBe(1);
    expect(closings).toHaveLength(1);
  });

  it('requests already in flight when the storm starts all count, and the gate closes once (one closing reported)', async () => {
    const closings: string[] = [];
    const icims = client({ onBackoffClosed: (tenant) => closings.push(tenant) });
    const tenant = freshAccess();
    harness.sandbox.faults({ rateLimit: { forMs: 3000, retryAfter: 4 } });
    const paths = ['applicantworkflows/2203', 'applicantworkflows/2204', 'applicantworkflows/2205', 'people/1364', 'people/1365', 'people/1366'];
    const results = await Promise.allSettled(paths.map((path) => read(icims, tenant, path)));
    for (const result of results) expect(result.status === 'rejected' && result.reason instanceof RateLimitedError).toBe(true);
    expect(closings).toEqual([tenant.tenantId]);
    const sent = apiRequests().length;
    expect(sent).toBeGreaterThanOrEqual(1);
    expect(await icims.budget.used(tenant.tenantId)).toBe(sent);
  });

  it('a closed gate is checked before the event reserves budget', async () => {
    const icims = client();
    const tenant = freshAccess();
    await icims.gate.close(tenant.tenantId, 5000);
    const admit = jest.spyOn(icims.budget, 'admit');
    const error = await icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364')).catch((caught: unknown) => caught);
    expect((error as RateLimitedError).details.code).toBe(GATE_CLOSED_CODE);
    expect(admit).not.toHaveBeenCalled();
    expect(apiRequests()).toHaveLength(0);
  });

  it('when the gate opens, one event probes while the others wait; its answers open the gate', async () => {
    const icims = client();
    const tenant = freshAccess();
    harness.sandbox.faults({ rateLimit: { count: 1, retryAfter: '0.2' } });
    await expect(read(icims, tenant, 'people/1364')).rejects.toBeInstanceOf(RateLimitedError);
    await waitFor(async () => (await icims.gate.remaining(tenant.tenantId)) === 0, { what: 'the gate to open', timeoutMs: 5000, intervalMs: 20 });
    harness.sandbox.faults({ latencyMs: 300 });
    const probe = icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364'));
    // Let the probe take its lease (one Redis round trip) before the second event arrives.
    await waitFor(async () => (await harness.redis.exists(icims.gate.keys(tenant.tenantId)[2])) === 1, { what: 'the probe lease', timeoutMs: 5000, intervalMs: 5 });
    const waiting = await icims.readStatusChangeRecords(tenant, '1234', eventRecords('2204', '1365')).catch((error: unknown) => error);
    expect((waiting as RateLimitedError).details.code).toBe(GATE_PROBING_CODE);
    await expect(probe).resolves.toMatchObject({ workflow: { status: { id: '9782' } } });
    harness.sandbox.faults({ latencyMs: 0 });
    await expect(icims.gate.admit(tenant.tenantId)).resolves.toEqual({ state: 'open' });
    await expect(icims.readStatusChangeRecords(tenant, '1234', eventRecords('2204', '1365'))).resolves.toMatchObject({ workflow: { source: 'SEEK' } });
  });
});

describe('single-flight reads', () => {
  it('concurrent reads of one record share one request; a read after it settles sends a new one', async () => {
    const icims = client();
    const tenant = freshAccess();
    const reads = await Promise.all(Array.from({ length: 8 }, () => read(icims, tenant, 'applicantworkflows/2203')));
    expect(new Set(reads.map((record) => JSON.stringify(record))).size).toBe(1);
    expect(apiRequests('applicantworkflows/2203')).toHaveLength(1);
    // Other fields are another read.
    await Promise.all([read(icims, tenant, 'applicantworkflows/2203', ['source']), read(icims, tenant, 'applicantworkflows/2203')]);
    expect(apiRequests('applicantworkflows/2203')).toHaveLength(3);
    expect(await icims.budget.used(tenant.tenantId)).toBe(3);
  });

  it('a shared read shares its 429 too: one request, every caller told to wait', async () => {
    const icims = client();
    const tenant = freshAccess();
    harness.sandbox.faults({ rateLimit: { count: 1, retryAfter: 1 } });
    const results = await Promise.allSettled(Array.from({ length: 5 }, () => read(icims, tenant, 'people/1365')));
    expect(results.every((result) => result.status === 'rejected' && result.reason instanceof RateLimitedError)).toBe(true);
    expect(apiRequests()).toHaveLength(1);
  });

  it('concurrent events of one job: the job cache is read at most once per event and the job fetched once', async () => {
    const icims = client();
    const tenant = freshAccess();
    // Cold cache (an earlier test's event cached job 1242).
    await harness.redis.del(icims.jobs.key('1234', '1242', IcimsClient.fieldsFor('jobs', ['field61234'])));
    const cacheReads = jest.spyOn(icims.jobs, 'get');
    const events = await Promise.all([
      icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364')),
      icims.readStatusChangeRecords(tenant, '1234', eventRecords('2204', '1365')),
      icims.readStatusChangeRecords(tenant, '1234', eventRecords('2205', '1366')),
    ]);
    // At most once each (an event that finds the job's fetch already running joins it unread).
    expect(cacheReads.mock.calls.length).toBeGreaterThanOrEqual(1);
    expect(cacheReads.mock.calls.length).toBeLessThanOrEqual(3);
    expect(apiRequests('jobs/1242')).toHaveLength(1);
    expect(events.map((event) => event.job.custom.field61234)).toEqual(Array(3).fill(expect.stringMatching(/^seekAnzPublicTest:positionProfile/)));
    // Requests are attributed to the event that sent them: 3 workflows + 3 people + 1 job.
    expect(events.reduce((sum, event) => sum + event.requests, 0)).toBe(7);
    expect(apiRequests()).toHaveLength(7);

    const readsBefore = cacheReads.mock.calls.length;
    const later = await icims.readStatusChangeRecords(tenant, '1234', eventRecords('2203', '1364'));
    expect(later).toMatchObject({ jobFromCache: true, requests: 2 });
    expect(cacheReads.mock.calls.length).toBe(readsBefore + 1);
    expect(apiRequests('jobs/1242')).toHaveLength(1);
  });
});
