import { workflowStatus } from '@status-bridge/sandbox/src/icims';
import { sleep, waitFor } from '@status-bridge/testing';
import { closeAllClusters, Cluster, CUSTOMER_ID, finishScenario, Load, REJECTED, stepstoneStatusOf } from './harness';

/**
 * Scenario 12: StepStone keeps ONE current status per application, so an older change must never
 * overwrite a newer one. The quick-start sequence (A 1752→9782, ~1.5 s later B 9782→9820) must end
 * REJECTED at StepStone when A's first delivery fails and is retried after B, and when A and B are
 * in flight on two workers at once.
 */
afterEach(closeAllClusters);

test('ordering: A (→ INTERVIEW) gets a StepStone 503, B (→ REJECTED) follows 1.5 s later; final status REJECTED (production retry delays)', async () => {
  // Production retry delays: A's retry comes seconds later, after B was delivered.
  const cluster = await Cluster.start({ label: 'ordering-503', applications: 1, workerEnv: { RETRY_BASE_DELAY_MS: '5000', RETRY_MAX_DELAY_MS: '3600000' } });
  const [application] = cluster.applications;
  const load = new Load(cluster);
  cluster.icims.moveWorkflow(CUSTOMER_ID, application.systemId, '1752');
  cluster.stepstone.failNext(1, 503);
  await load.post({ application, seq: 0, oldStatus: '1752', newStatus: '9782' });
  await sleep(1_500);
  await load.post({ application, seq: 1, oldStatus: '9782', newStatus: '9820' });
  const outcome = await finishScenario(cluster, load.posted, { id: 'ordering-503', title: 'Quick-start sequence: A 1752→9782, B 9782→9820 1.5 s later, StepStone 503 on A (production retry delays)' }, {
    notes: () => [`StepStone received ${cluster.stepstone.received.map((message) => String(message.body.Status)).join(' → ')}`],
  });
  expect(outcome.violations).toEqual([]);
  expect(cluster.stepstone.received.at(-1)?.body.Status).toBe('REJECTED');
});

test('ordering: A and B of one application in flight on two workers at once; final status REJECTED', async () => {
  // One StepStone delivery per worker at a time, so B cannot wait behind A on the same worker.
  const cluster = await Cluster.start({ label: 'ordering-two-workers', applications: 1, workers: 2, workerEnv: { WORKER_CONCURRENCY_STEPSTONE: '1' } });
  const [application] = cluster.applications;
  const load = new Load(cluster);
  cluster.icims.moveWorkflow(CUSTOMER_ID, application.systemId, '1752');
  // A's StepStone request is held 2 s on the way (a slow network path); B's is not.
  cluster.stepstone.delayNext(2_000, 1);
  await load.post({ application, seq: 0, oldStatus: '1752', newStatus: '9782' });
  await waitFor(() => cluster.stepstone.state.faults.delay.remaining === 0, { timeoutMs: 30_000, what: "A's StepStone request in flight" });
  const aInFlightWhenBPosted = cluster.stepstone.received.length === 0;
  await load.post({ application, seq: 1, oldStatus: '9782', newStatus: '9820' });
  const outcome = await finishScenario(cluster, load.posted, { id: 'ordering-two-workers', title: 'A and B of one application in flight on two workers at once (A held 2 s on the way to StepStone)' }, {
    notes: () => [`StepStone received ${cluster.stepstone.received.map((message) => String(message.body.Status)).join(' → ')}`],
  });
  expect(aInFlightWhenBPosted).toBe(true);
  expect(outcome.violations).toEqual([]);
  expect(cluster.stepstone.received.at(-1)?.body.Status).toBe('REJECTED');
});

test('ordering: the workflow moves on (an event we never get) before B is enriched, in the minute A came in; final status is B\'s, not A\'s', async () => {
  // What a Redis outage did in the fault run: A was delivered, B acknowledged, then the recruiter's
  // next change C moved the workflow on but its post got a 503 (never acknowledged). B's enrichment
  // then reads a workflow that moved on, so B's position is capped before C's updateddate, which
  // is to the minute and so before A's receive time. B must still win over A: it follows A.
  const cluster = await Cluster.start({ label: 'ordering-moved-on', applications: 1 });
  const [application] = cluster.applications;
  const load = new Load(cluster);
  cluster.icims.moveWorkflow(CUSTOMER_ID, application.systemId, '1752');
  const a = await load.post({ application, seq: 0, oldStatus: '1752', newStatus: '9782' });
  await waitFor(() => cluster.stepstone.received.length === 1, { timeoutMs: 30_000, what: "A's StepStone delivery" });
  // No worker while B waits, so B is enriched only after C moved the workflow.
  await cluster.signal(cluster.workers[0], 'SIGTERM');
  await load.post({ application, seq: 1, oldStatus: '9782', newStatus: '9790' });
  cluster.icims.setWorkflowStatus(CUSTOMER_ID, application.systemId, workflowStatus(REJECTED), a.sentAt);
  await cluster.startWorker();
  const outcome = await finishScenario(cluster, load.posted, { id: 'ordering-moved-on', title: 'A delivered; B enriched after an unreported change C moved the workflow on in the minute A came in' }, {
    notes: () => [`StepStone received ${cluster.stepstone.received.map((message) => String(message.body.Status)).join(' → ')}`],
  });
  expect(outcome.violations).toEqual([]);
  expect(cluster.stepstone.received.map((message) => message.body.Status)).toEqual(['INTERVIEW', stepstoneStatusOf('9790')]);
});
