import { deliveryJobId } from '@status-bridge/core';
import { waitFor } from '@status-bridge/testing';
import { defaultTenants, seedEvent, startHarness, type Harness } from './enrich-harness';

/**
 * iCIMS misbehaving, seen from the enrichment worker (child process, real Redis, the iCIMS
 * sandbox's fault switches): 429 + Retry-After, 5xx, timeouts, revoked tokens, revoked
 * credentials, and the daily budget's pacing of one tenant without stalling another.
 */
let harness: Harness;
let transition = 0;

// Tenant 5678 has a tiny daily budget (8 requests), so the budget test reaches pacing quickly.
const tenants = defaultTenants();
tenants.tenants['5678'].icims!.dailyRequestBudget = 8;

beforeAll(async () => {
  harness = await startHarness('enrich-faults', { tenants });
  harness.sandbox.setRecord('5678', 'applicantworkflows', '2203', { status: { id: '9782', value: 'Interview' } });
}, 30_000);

afterAll(async () => {
  await harness?.close();
});

beforeEach(() => {
  harness.sandbox.reset();
});

/** A fresh transition of the seed workflow, so every test has its own enrichment and delivery ids. */
function nextEvent(overrides: Parameters<typeof seedEvent>[1] = {}) {
  transition += 1;
  return seedEvent(harness.sandbox.url, { oldStatus: `T${transition}`, ...overrides });
}

async function jobOf(jobId: string) {
  const job = await harness.queues.enrich.getJob(jobId);
  if (!job) throw new Error(`job ${jobId} missing`);
  return job;
}

it('429 with Retry-After: the job waits at least that long, spends no attempt, then succeeds', async () => {
  harness.sandbox.faults({ rateLimit: { count: 1, retryAfter: 2 } });
  const jobId = await harness.enqueue(nextEvent());
  expect(await harness.waitForState('enrich', jobId, ['completed', 'failed'], 20_000)).toBe('completed');
  const limited = harness.sandbox.requests.find((request) => request.answer === 429);
  expect(limited).toBeDefined();
  const job = await jobOf(jobId);
  expect(job.finishedOn! - limited!.at).toBeGreaterThanOrEqual(2000);
  // The 429 cost no attempt: the one that completed is the only one counted.
  expect(job.attemptsMade).toBe(1);
  expect(await harness.queues.stepstone.getJob(deliveryJobId(jobId, 'stepstone'))).toBeDefined();
  const delayedLog = harness.workers[0].logs().find((line) => line.message === 'iCIMS limit: delaying this job' && line.jobId === jobId);
  expect(delayedLog).toMatchObject({ delayMs: 2000, httpStatus: 429, customerId: '1234' });
});

it('5xx: retried with backoff until iCIMS answers', async () => {
  harness.sandbox.faults({ serverError: { count: 3, status: 503 } });
  const jobId = await harness.enqueue(nextEvent());
  expect(await harness.waitForState('enrich', jobId, ['completed', 'failed'], 20_000)).toBe('completed');
  const job = await jobOf(jobId);
  expect(job.attemptsMade).toBeGreaterThanOrEqual(2);
  const logs = await harness.queues.enrich.getJobLogs(jobId);
  expect(logs.logs.join('\n')).toMatch(/\[icims tenant 1234\] HTTP 503 0 \(attempt 1\/20\): iCIMS answered 503/);
  // Backoff: the successful attempt started no sooner than the base delay's lower half after the
  // last 503 (RETRY_BASE_DELAY_MS=50 → ≥ 25 ms); requests of one attempt run in parallel, so
  // compare with the attempt's start, not with single requests.
  const failures = harness.sandbox.requests.filter((request) => request.answer === 503);
  const lastFailure = Math.max(...failures.map((request) => request.at));
  expect(job.processedOn! - lastFailure).toBeGreaterThanOrEqual(25);
});

it('a request that hangs times out and is retried', async () => {
  harness.sandbox.faults({ hang: { count: 1 } });
  const jobId = await harness.enqueue(nextEvent());
  expect(await harness.waitForState('enrich', jobId, ['completed', 'failed'], 20_000)).toBe('completed');
  const logs = await harness.queues.enrich.getJobLogs(jobId);
  expect(logs.logs.join('\n')).toMatch(/TIMEOUT.*iCIMS did not answer in time/);
});

it('a revoked token is refreshed once and the job succeeds', async () => {
  // Make sure a token is cached, then revoke it at iCIMS.
  const warm = await harness.enqueue(nextEvent());
  await harness.waitForState('enrich', warm, ['completed']);
  harness.sandbox.reset();
  harness.sandbox.faults({ revokeTokens: true });
  const jobId = await harness.enqueue(nextEvent());
  expect(await harness.waitForState('enrich', jobId, ['completed', 'failed'])).toBe('completed');
  expect(harness.sandbox.state.tokenRequests()).toHaveLength(1);
  expect(harness.sandbox.requests.filter((request) => request.answer === 401).length).toBeGreaterThanOrEqual(1);
  expect((await jobOf(jobId)).attemptsMade).toBe(1);
});

it('credentials rejected even after the refresh: permanent failure naming the tenant credentials', async () => {
  const warm = await harness.enqueue(nextEvent());
  await harness.waitForState('enrich', warm, ['completed']);
  harness.sandbox.reset();
  harness.sandbox.faults({ rejectAllTokens: true });
  try {
    const jobId = await harness.enqueue(nextEvent());
    expect(await harness.waitForState('enrich', jobId, ['completed', 'failed'])).toBe('failed');
    const job = await jobOf(jobId);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/iCIMS rejected the credentials of tenant 1234 \(HTTP 401\).*tenants\.1234\.icims\.auth/);
    // One refresh, not a token storm.
    expect(harness.sandbox.state.tokenRequests()).toHaveLength(1);
  } finally {
    harness.sandbox.faults({ rejectAllTokens: false });
  }
});

it('daily budget: warns at 80%, then delays that tenant only; other tenants keep flowing', async () => {
  const budgetJobs: string[] = [];
  for (let i = 0; i < 3; i++) {
    const jobId = await harness.enqueue(nextEvent({ customerId: '5678' }));
    await harness.waitForState('enrich', jobId, ['completed']);
    budgetJobs.push(jobId);
  }
  // 3 + 2 + 2 = 7 requests: the 7th crossed 80% of 8.
  await waitFor(() => harness.workers[0].logs().find((line) => line.message === 'iCIMS daily request budget 80% used; pacing the rest of the day' && line.customerId === '5678'), {
    what: 'the 80% warning',
  });
  const paced = await harness.enqueue(nextEvent({ customerId: '5678' }));
  expect(await harness.waitForState('enrich', paced, ['delayed', 'completed', 'failed'])).toBe('delayed');
  const pacedJob = await jobOf(paced);
  expect(pacedJob.attemptsMade).toBe(0);
  // Another tenant is not stalled by 5678's pacing.
  const other = await harness.enqueue(nextEvent());
  expect(await harness.waitForState('enrich', other, ['completed', 'failed'])).toBe('completed');
  const logs = await harness.queues.enrich.getJobLogs(paced);
  expect(logs.logs.join('\n')).toMatch(/daily request budget of tenant 5678: 7\/8 used/);
  await pacedJob.remove();
});
