import { recordTable, sleep } from '@status-bridge/testing';
import { closeAllClusters, Cluster, eventCount, finishScenario, Load, planChanges } from './harness';

/**
 * Scenario 10: the source misbehaving. iCIMS 5xx for a while (enrichment retries), and a 429
 * storm over a few hundred queued events, where what we owe iCIMS is restraint: every request
 * in a storm spends the customer's daily budget and prolongs the storm. The storm's iCIMS
 * requests per event must stay within twice the calm figure.
 */
afterEach(closeAllClusters);

test('iCIMS answers 503 for 5 s: enrichment retries, nothing lost', async () => {
  const cluster = await Cluster.start({ label: 'icims-5xx', applications: 100 });
  const plan = planChanges(cluster.applications);
  const load = new Load(cluster);
  const running = load.run(plan);
  await load.untilPosted(Math.floor(eventCount(plan) / 3));
  cluster.icims.faults({ serverError: { count: Number.MAX_SAFE_INTEGER, status: 503 } });
  await sleep(5_000);
  cluster.icims.faults({ serverError: { count: 0 } });
  const faultsEndedAt = Date.now();
  const posted = await running;
  const refused = cluster.icims.requests.filter((request) => request.answer === 503).length;
  const outcome = await finishScenario(cluster, posted, { id: 'icims-5xx', title: 'iCIMS answers 503 for 5 s mid-burst' }, { faultsEndedAt, notes: [`iCIMS answered 503 ${refused} times`] });
  expect(refused).toBeGreaterThan(0);
  expect(outcome.violations).toEqual([]);
});

test('iCIMS 429 storm over a few hundred queued events: iCIMS requests per event stay within 2× the calm figure', async () => {
  const cluster = await Cluster.start({ label: 'icims-429-storm', applications: 260 });
  const calmApplications = cluster.applications.slice(0, 60);
  const stormApplications = cluster.applications.slice(60);
  const load = new Load(cluster);
  const apiRequests = (): number => cluster.icims.state.apiRequests().length;

  // Calm: the same kind of events, nothing failing.
  const calmPlan = planChanges(calmApplications);
  await load.run(calmPlan);
  await cluster.waitForDrain(60_000);
  const calmRequests = apiRequests();
  const calmPerEvent = calmRequests / eventCount(calmPlan);

  // Storm: every iCIMS request answered 429 (Retry-After: 1) for 8 s while 200 events queue up.
  cluster.icims.faults({ rateLimit: { count: Number.MAX_SAFE_INTEGER, retryAfter: 1 } });
  const stormStarted = Date.now();
  const stormPlan = planChanges(stormApplications);
  // One change per application here, posted quickly, so the backlog is there while the storm lasts.
  const stormPosted = load.run(stormPlan.map((changes) => changes.slice(0, 1)), { applicationsPerSecond: 50 });
  await sleep(Math.max(0, stormStarted + 8_000 - Date.now()));
  cluster.icims.faults({ rateLimit: { count: 0 } });
  const faultsEndedAt = Date.now();
  const posted = await stormPosted;
  const stormEvents = posted.length - eventCount(calmPlan);
  const stormPerEvent = (): number => (apiRequests() - calmRequests) / stormEvents;
  const outcome = await finishScenario(
    cluster,
    posted,
    { id: 'icims-429-storm', title: 'iCIMS 429 storm (Retry-After: 1) for 8 s over 200 queued events' },
    {
      faultsEndedAt,
      notes: () => [
        `iCIMS requests/event: calm ${calmPerEvent.toFixed(2)}, storm ${stormPerEvent().toFixed(2)} (${(stormPerEvent() / calmPerEvent).toFixed(1)}×; 429s ${cluster.icims.requests.filter((request) => request.answer === 429).length})`,
      ],
      violations: () => (stormPerEvent() <= 2 * calmPerEvent ? [] : [`iCIMS requests per event in the storm ${stormPerEvent().toFixed(2)} > 2 × calm ${calmPerEvent.toFixed(2)}`]),
    },
  );
  recordTable({
    suite: 'faults',
    id: 'icims-requests-per-event',
    title: 'iCIMS requests per event: calm vs 429 storm',
    description: 'API requests the iCIMS sandbox received per event posted (token requests not counted). The storm answers every request 429 with Retry-After: 1 for 8 s while 200 events are queued.',
    headers: ['phase', 'events', 'iCIMS API requests', 'requests per event'],
    rows: [
      ['calm', eventCount(calmPlan), calmRequests, calmPerEvent.toFixed(2)],
      ['429 storm', stormEvents, apiRequests() - calmRequests, stormPerEvent().toFixed(2)],
    ],
  });
  expect(outcome.violations).toEqual([]);
});
