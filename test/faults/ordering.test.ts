import { sleep, waitFor } from '@status-bridge/testing';
import { closeAllClusters, Cluster, CUSTOMER_ID, finishScenario, Load } from './harness';

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
