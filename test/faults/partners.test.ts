import { sleep } from '@status-bridge/testing';
import { closeAllClusters, Cluster, eventCount, finishScenario, Load, planChanges } from './harness';

/**
 * Scenarios 7, 8 and 9: the delivery partners misbehaving for a while. Deliveries retry (short
 * delays in the suite) or pause for the partner's Retry-After; a request that timed out after
 * StepStone accepted it may be repeated (ATSi has no idempotency key), SEEK answers the repeat
 * `_Conflict`.
 */
afterEach(closeAllClusters);

/** A fault that lasts `ms` from a third into the load; resolves with the time it was lifted. */
async function faultWindow(load: Load, events: number, ms: number, on: () => void, off: () => void): Promise<number> {
  await load.untilPosted(Math.floor(events / 3));
  on();
  await sleep(ms);
  off();
  return Date.now();
}

test('StepStone answers 503 for 6 s: deliveries retry, nothing lost, nothing doubled', async () => {
  const cluster = await Cluster.start({ label: 'stepstone-5xx', applications: 100 });
  const plan = planChanges(cluster.applications);
  const load = new Load(cluster);
  const running = load.run(plan);
  const faultsEndedAt = await faultWindow(load, eventCount(plan), 6_000, () => cluster.stepstone.failNext(Number.MAX_SAFE_INTEGER, 503), () => cluster.stepstone.failNext(0));
  const posted = await running;
  const refused = cluster.stepstone.requests.filter((request) => request.answer === 503).length;
  const outcome = await finishScenario(cluster, posted, { id: 'stepstone-5xx', title: 'StepStone answers 503 for 6 s mid-burst' }, { faultsEndedAt, notes: [`StepStone answered 503 ${refused} times`] });
  expect(refused).toBeGreaterThan(0);
  expect(outcome.violations).toEqual([]);
});

test('SEEK answers 429 with Retry-After for 4 s: the SEEK queue pauses, nothing lost, no duplicate item', async () => {
  const cluster = await Cluster.start({ label: 'seek-429', applications: 100 });
  const plan = planChanges(cluster.applications);
  const load = new Load(cluster);
  const running = load.run(plan);
  const faultsEndedAt = await faultWindow(
    load,
    eventCount(plan),
    4_000,
    () => cluster.seek.faults({ rateLimit: { count: Number.MAX_SAFE_INTEGER, retryAfter: 1 } }),
    () => cluster.seek.faults({ rateLimit: { count: 0 } }),
  );
  const posted = await running;
  const limited = cluster.seek.operations.filter((operation) => operation.httpStatus === 429).length;
  const conflicts = cluster.seek.operations.filter((operation) => operation.outcome === 'conflict').length;
  const outcome = await finishScenario(cluster, posted, { id: 'seek-429', title: 'SEEK answers 429 (Retry-After: 1) for 4 s mid-burst' }, { faultsEndedAt, notes: [`SEEK answered 429 ${limited} times; _Conflict answers ${conflicts}`] });
  expect(limited).toBeGreaterThan(0);
  expect(outcome.violations).toEqual([]);
});

test('partners hang past our timeout: StepStone accepts and never answers 5 posts, SEEK records 5 items and never answers', async () => {
  // Short partner timeouts (production: 10 s) so the hung requests give up quickly; not so short
  // that a busy machine's ordinary answers miss them.
  const cluster = await Cluster.start({ label: 'partner-timeout', applications: 100, workerEnv: { STEPSTONE_REQUEST_TIMEOUT_MS: '2000', SEEK_REQUEST_TIMEOUT_MS: '2000' } });
  const plan = planChanges(cluster.applications);
  const load = new Load(cluster);
  const running = load.run(plan);
  await load.untilPosted(Math.floor(eventCount(plan) / 3));
  cluster.stepstone.hangNext(5, true);
  cluster.seek.faults({ hang: { count: 5, operation: 'createCandidateProcessHistoryItem' } });
  const posted = await running;
  const outcome = await finishScenario(
    cluster,
    posted,
    { id: 'partner-timeout', title: 'StepStone and SEEK hang past our 2 s timeout (5 requests each, after accepting them)' },
    {
      notes: () => [
        `StepStone requests unanswered ${cluster.stepstone.received.filter((message) => message.unanswered).length}`,
        `SEEK requests unanswered ${cluster.seek.operations.filter((operation) => operation.outcome === 'hang').length}, repeats answered _Conflict ${cluster.seek.operations.filter((operation) => operation.outcome === 'conflict').length}`,
      ],
    },
  );
  expect(cluster.stepstone.received.filter((message) => message.unanswered)).toHaveLength(5);
  expect(outcome.violations).toEqual([]);
});
