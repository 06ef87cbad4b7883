import { closeAllClusters, Cluster, eventCount, finishScenario, Load, planChanges } from './harness';

/**
 * Scenario 1, the baseline the fault scenarios are read against: a few hundred events, some
 * applications changing two or three times in a row, nothing failing.
 */
afterEach(closeAllClusters);

test('calm baseline: every acknowledged event reaches StepStone and SEEK once, final statuses are the newest', async () => {
  const cluster = await Cluster.start({ label: 'calm', applications: 180 });
  const plan = planChanges(cluster.applications);
  const load = new Load(cluster);
  const posted = await load.run(plan);
  const outcome = await finishScenario(cluster, posted, { id: 'calm', title: `Calm baseline: ${eventCount(plan)} events from ${plan.length} applications, 2–3 changes in a row for half of them` });
  expect(outcome.tally.acknowledged).toBe(eventCount(plan));
  expect(outcome.violations).toEqual([]);
});
