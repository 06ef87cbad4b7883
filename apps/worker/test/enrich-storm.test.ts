import { enrichJobId, type EnrichJob } from '@status-bridge/core';
import { RequestBudget } from '@status-bridge/icims';
import { waitFor } from '@status-bridge/testing';
import { seedEvent, startHarness, type Harness } from './enrich-harness';

/**
 * An iCIMS 429 storm at small scale, through two worker processes, real Redis and the iCIMS
 * sandbox: EVENTS events are queued at once for tenant 1234, first on a calm iCIMS, then while
 * iCIMS answers every request of customer 1234 with 429 + Retry-After: 1 for STORM_MS. The
 * storm must not multiply what an event costs (iCIMS requests per event, from the sandbox's own
 * request log), every event must still be enriched, the budget counter must equal the requests
 * sent (429s included), and another tenant's events must flow through the storm without waiting.
 *
 * Measured on main before the gate (same test, same scale): see docs/architecture.md.
 */
const EVENTS = 100;
const JOBS_PER_RUN = 5;
const STORM_MS = 8_000;
const OTHER_TENANT_EVENTS = 5;

let harness: Harness;

beforeAll(async () => {
  // Production request timeout: the harness's 1 s is for the hang test, and on a loaded machine it
  // would turn slow answers into retries that have nothing to do with the storm.
  harness = await startHarness('enrich-storm', { workers: 2, env: { ICIMS_BACKOFF_JITTER_MS: '1000', ICIMS_REQUEST_TIMEOUT_MS: '10000' } });
}, 60_000);

afterAll(async () => {
  await harness?.close();
});

interface RunFigures {
  events: number;
  requests: number;
  requestsPerEvent: number;
  rateLimited: number;
  /** Job profile reads iCIMS answered (the job cache starts cold in each run). */
  jobFetches: number;
  budgetCounted: number;
  /** Requests the workers sent that ended in a network error (counted: they may have reached iCIMS). */
  networkErrors: number;
  /** Requests the workers report sending (status_bridge_icims_requests_total, all outcomes). */
  sentByWorkers: number;
  failed: number;
}

/** status_bridge_icims_requests_total of tenant 1234 by outcome, summed over the worker processes. */
async function icimsRequestMetrics(): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  for (const worker of harness.workers) {
    const text = await (await fetch(`${worker.url}/metrics`)).text();
    for (const [, labels, value] of text.matchAll(/^status_bridge_icims_requests_total\{([^}]*)\} (\S+)$/gm)) {
      if (!labels.includes('tenant="1234"')) continue;
      const outcome = /outcome="([^"]+)"/.exec(labels)?.[1] ?? 'unknown';
      totals[outcome] = (totals[outcome] ?? 0) + Number(value);
    }
  }
  return totals;
}

const delta = (after: Record<string, number>, before: Record<string, number>, outcome?: string): number =>
  Object.keys(after)
    .filter((key) => outcome === undefined || key === outcome)
    .reduce((sum, key) => sum + after[key] - (before[key] ?? 0), 0);

/**
 * Records for `EVENTS` distinct workflows and people (so no two events read the same workflow or
 * person, as in production) over `JOBS_PER_RUN` jobs that this run alone uses (a cold job cache).
 */
function prepareRun(run: number): EnrichJob['event'][] {
  const fixtures = harness.sandbox.state.fixtures['1234'];
  const base = run * 100_000;
  const events: EnrichJob['event'][] = [];
  for (let index = 0; index < EVENTS; index += 1) {
    const systemId = String(base + 10_000 + index);
    const personId = String(base + 20_000 + index);
    const jobId = String(base + 30_000 + (index % JOBS_PER_RUN));
    harness.sandbox.setRecord('1234', 'applicantworkflows', systemId, { ...fixtures.applicantworkflows['2203'], id: Number(systemId) });
    harness.sandbox.setRecord('1234', 'people', personId, { ...fixtures.people['1365'], id: Number(personId) });
    harness.sandbox.setRecord('1234', 'jobs', jobId, { ...fixtures.jobs['1242'], id: Number(jobId) });
    events.push(seedEvent(harness.sandbox.url, { systemId, personId, jobId, oldStatus: `R${run}` }));
  }
  return events;
}

/** Queues every event in one round trip (they are all waiting before the first is done). */
async function enqueueAll(events: EnrichJob['event'][]): Promise<string[]> {
  const receivedAt = Date.now();
  const jobs = events.map((event, index) => {
    const data: EnrichJob = { event, tenantId: event.customerId, receivedAt: new Date(receivedAt + index).toISOString(), requestId: `storm-${index}` };
    return { name: 'enrich-status-change', data, opts: { jobId: enrichJobId(event, receivedAt + index) } };
  });
  await harness.queues.enrich.addBulk(jobs);
  return jobs.map((job) => job.opts.jobId);
}

/** Waits (cheaply: queue counts first) until every job of the run has completed or failed. */
async function finalStates(jobIds: string[], finishedBefore: number): Promise<Record<string, number>> {
  return waitFor(
    async () => {
      const counts = await harness.queues.enrich.getJobCounts('completed', 'failed');
      if ((counts.completed ?? 0) + (counts.failed ?? 0) < finishedBefore + jobIds.length) return undefined;
      const states = await Promise.all(jobIds.map(async (jobId) => (await harness.queues.enrich.getJob(jobId))?.getState() ?? 'missing'));
      if (!states.every((state) => state === 'completed' || state === 'failed')) return undefined;
      return states.reduce<Record<string, number>>((counts, state) => ({ ...counts, [state]: (counts[state] ?? 0) + 1 }), {});
    },
    { timeoutMs: 90_000, intervalMs: 200, what: `${jobIds.length} enrichments to finish` },
  );
}

async function run(runNumber: number, storm: boolean): Promise<RunFigures> {
  const events = prepareRun(runNumber);
  const budget = new RequestBudget(harness.redis, harness.prefix);
  const budgetBefore = await budget.used('1234');
  const metricsBefore = await icimsRequestMetrics();
  harness.sandbox.reset();
  if (storm) harness.sandbox.faults({ rateLimit: { forMs: STORM_MS, retryAfter: 1, customerId: '1234' } });
  const counts = await harness.queues.enrich.getJobCounts('completed', 'failed');
  const jobIds = await enqueueAll(events);
  const states = await finalStates(jobIds, (counts.completed ?? 0) + (counts.failed ?? 0));
  const metricsAfter = await icimsRequestMetrics();
  const requests = harness.sandbox.state.apiRequests().filter((request) => request.path.startsWith('/customers/1234/'));
  const figures: RunFigures = {
    events: EVENTS,
    requests: requests.length,
    requestsPerEvent: requests.length / EVENTS,
    rateLimited: requests.filter((request) => request.answer === 429).length,
    jobFetches: requests.filter((request) => request.path.startsWith('/customers/1234/jobs/') && request.answer === 200).length,
    budgetCounted: (await budget.used('1234')) - budgetBefore,
    networkErrors: delta(metricsAfter, metricsBefore, 'network'),
    sentByWorkers: delta(metricsAfter, metricsBefore),
    failed: states.failed ?? 0,
  };
  expect(states.completed).toBe(EVENTS);
  return figures;
}

it(
  `${EVENTS} queued events, two workers: a 429 storm costs at most twice the calm requests per event, and loses nothing`,
  async () => {
    const calm = await run(1, false);

    // Another tenant's events arrive during 1234's storm.
    const stormRun = run(2, true);
    await waitFor(() => harness.sandbox.requests.some((request) => request.answer === 429), { what: 'the storm to start', timeoutMs: 10_000, intervalMs: 20 });
    const otherIds: string[] = [];
    for (let index = 0; index < OTHER_TENANT_EVENTS; index += 1) {
      otherIds.push(await harness.enqueue(seedEvent(harness.sandbox.url, { customerId: '5678', oldStatus: `O${index}` })));
    }
    const storm = await stormRun;
    const closings = harness
      .workers.flatMap((worker) => worker.logs())
      .filter((line) => typeof line.message === 'string' && line.message.startsWith('iCIMS rate limit (429): back-off gate closed') && line.customerId === '1234');

    console.log(
      [
        `iCIMS 429 storm, ${EVENTS} events of tenant 1234, 2 worker processes, Retry-After 1 s for ${STORM_MS} ms:`,
        `  calm:  ${calm.requests} requests = ${calm.requestsPerEvent.toFixed(2)}/event, ${calm.jobFetches} job fetches for ${JOBS_PER_RUN} jobs, budget counted ${calm.budgetCounted} (network errors ${calm.networkErrors}), failed ${calm.failed}`,
        `  storm: ${storm.requests} requests = ${storm.requestsPerEvent.toFixed(2)}/event, ${storm.rateLimited} answered 429, ${storm.jobFetches} job fetches, budget counted ${storm.budgetCounted} (network errors ${storm.networkErrors}), failed ${storm.failed}, gate closings logged ${closings.length}`,
        `  storm/calm requests per event: ${(storm.requestsPerEvent / calm.requestsPerEvent).toFixed(2)}`,
      ].join('\n'),
    );

    // The storm happened, and did not multiply the cost of an event.
    expect(storm.rateLimited).toBeGreaterThan(0);
    expect(storm.requestsPerEvent).toBeLessThanOrEqual(2 * calm.requestsPerEvent);
    // Nothing lost, nothing failed.
    expect([calm.failed, storm.failed]).toEqual([0, 0]);
    // Honest accounting: every request sent is on the tenant's counter, 429s included; those iCIMS
    // (the sandbox) saw are all of them but the ones that ended in a network error.
    for (const figures of [calm, storm]) {
      expect(figures.budgetCounted).toBe(figures.sentByWorkers);
      expect(figures.requests).toBe(figures.sentByWorkers - figures.networkErrors);
    }
    // Concurrent misses of one job in one process share one request: at most one fetch per job and process.
    expect(calm.jobFetches).toBeGreaterThanOrEqual(JOBS_PER_RUN);
    expect(calm.jobFetches).toBeLessThanOrEqual(JOBS_PER_RUN * harness.workers.length);
    // One warning per closing, not per job.
    expect(closings.length).toBeGreaterThanOrEqual(1);
    expect(closings.length).toBeLessThan(storm.rateLimited + 1);

    // The other tenant was never held back by 1234's gate.
    for (const jobId of otherIds) {
      expect(await harness.waitForState('enrich', jobId, ['completed', 'failed'])).toBe('completed');
      expect((await harness.queues.enrich.getJobLogs(jobId)).logs.join('\n')).not.toMatch(/delayed/);
    }
  },
  180_000,
);
