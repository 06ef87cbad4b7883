import { waitFor } from '@status-bridge/testing';
import { AnswerLost, closeAllClusters, Cluster, eventCount, finishScenario, Load, planChanges, type ClusterProcess } from './harness';

/**
 * Scenarios 2, 3, 4 and 11: workers dying, stopping and sharing the load. A job whose worker died
 * is picked up again by BullMQ's stalled-job check (lock 30 s, check every 30 s: BullMQ's defaults,
 * which the suite does not override), so a kill costs up to about a minute of drain.
 */
afterEach(closeAllClusters);

const completedJobs = (worker: ClusterProcess): number => worker.handle.logs().filter((line) => line.message === 'job completed').length;

test('worker kill -9 during load: its jobs are picked up again, nothing lost', async () => {
  const cluster = await Cluster.start({ label: 'worker-kill', applications: 100 });
  const plan = planChanges(cluster.applications);
  const load = new Load(cluster);
  const running = load.run(plan);
  await load.untilPosted(Math.floor(eventCount(plan) / 3));
  await cluster.signal(cluster.workers[0], 'SIGKILL');
  const answerLost = new AnswerLost();
  // The dead worker's jobs stay active in Redis until the stalled check moves them: exactly those in flight.
  const inFlight = await cluster.activeJobs('stepstone');
  answerLost.addInFlight(inFlight, 'the kill -9');
  const inFlightAll = (await Promise.all((['enrich', 'seek'] as const).map((key) => cluster.activeJobs(key)))).flat().length + inFlight.length;
  await cluster.startWorker();
  const posted = await running;
  const outcome = await finishScenario(cluster, posted, { id: 'worker-kill', title: 'Worker kill -9 mid-burst, a new worker started at once' }, { answerLost, notes: [`${inFlightAll} job(s) in flight at the kill`] });
  expect(outcome.violations).toEqual([]);
});

test('double crash: worker kill -9, restart, kill -9 again while the recovered jobs re-run, then a healthy worker: nothing lost, no failed job', async () => {
  const cluster = await Cluster.start({ label: 'double-crash', applications: 100 });
  // A slow StepStone (2 s per request) keeps deliveries in flight long enough to kill a worker during them.
  cluster.stepstone.delayNext(2_000);
  const plan = planChanges(cluster.applications);
  const load = new Load(cluster);
  const running = load.run(plan);
  await load.untilPosted(Math.floor(eventCount(plan) / 3));
  await waitFor(async () => (await cluster.activeJobs('stepstone')).length > 0, { timeoutMs: 30_000, what: 'StepStone deliveries in flight' });
  const answerLost = new AnswerLost();

  await cluster.signal(cluster.workers[0], 'SIGKILL');
  const firstInFlight = await cluster.activeJobs('stepstone');
  answerLost.addInFlight(firstInFlight, 'the first kill -9');
  await cluster.startWorker();
  // Wait until BullMQ moved them back (stalled counter 1) and the new worker runs one of them again.
  const rerunning = await waitFor(
    async () => {
      for (const job of firstInFlight) {
        if ((await cluster.queues.stepstone.getJobState(job.id)) === 'active' && (await cluster.stalledCount('stepstone', job.id)) >= 1) return job.id;
      }
      return undefined;
    },
    { timeoutMs: 120_000, intervalMs: 100, what: 'a recovered StepStone job running again' },
  );
  await cluster.signal(cluster.workers[0], 'SIGKILL');
  const secondInFlight = await cluster.activeJobs('stepstone');
  answerLost.addInFlight(secondInFlight, 'the second kill -9');
  const killedTwice = secondInFlight.filter((job) => firstInFlight.some((first) => first.id === job.id)).length;
  cluster.stepstone.delayNext(0);
  await cluster.startWorker();
  const faultsEndedAt = Date.now();
  const posted = await running;
  const outcome = await finishScenario(
    cluster,
    posted,
    { id: 'worker-double-crash', title: 'Double crash: worker kill -9, restart, kill -9 again while the recovered jobs re-run, then a healthy worker' },
    { answerLost, faultsEndedAt, drainTimeoutMs: 150_000, notes: [`${killedTwice} StepStone job(s) in flight at both kills (e.g. ${rerunning})`] },
  );
  expect(killedTwice).toBeGreaterThan(0);
  expect(outcome.violations).toEqual([]);
});

test('SIGTERM during load: in-flight jobs finish (or are returned), the worker exits 0, nothing lost', async () => {
  const cluster = await Cluster.start({ label: 'worker-sigterm', applications: 100 });
  // Half a second per StepStone request, so deliveries are in flight when the signal comes.
  cluster.stepstone.delayNext(500);
  const plan = planChanges(cluster.applications);
  const load = new Load(cluster);
  const running = load.run(plan);
  await load.untilPosted(Math.floor(eventCount(plan) / 3));
  await waitFor(async () => (await cluster.activeJobs('stepstone')).length > 0, { timeoutMs: 30_000, what: 'StepStone deliveries in flight' });
  const worker = cluster.workers[0];
  const inFlight = await cluster.activeJobs('stepstone');
  const exitCode = await cluster.signal(worker, 'SIGTERM');
  const answerLost = new AnswerLost();
  // Past the shutdown bound the worker cancels what still runs: those posts may have arrived.
  const cancelled = worker.handle.lines.some((line) => line.includes('did not finish in time'));
  if (cancelled) answerLost.addInFlight(inFlight, 'the SIGTERM (shutdown bound reached, jobs cancelled)');
  const stillActive = await cluster.activeJobs('stepstone');
  await cluster.startWorker();
  const faultsEndedAt = Date.now();
  cluster.stepstone.delayNext(0);
  const posted = await running;
  const outcome = await finishScenario(
    cluster,
    posted,
    { id: 'worker-sigterm', title: 'Worker SIGTERM mid-burst (graceful stop), a new worker started after it exited' },
    {
      answerLost,
      faultsEndedAt,
      violations: [
        ...(exitCode === 0 ? [] : [`worker exited ${exitCode} after SIGTERM`]),
        // A graceful stop leaves no job active behind it (finished, or cancelled and returned for a retry).
        ...(stillActive.length === 0 ? [] : [`${stillActive.length} StepStone job(s) left active (to stall) by the graceful stop`]),
      ],
      notes: [`${inFlight.length} StepStone job(s) in flight at the signal${cancelled ? ', cancelled at the shutdown bound' : ', all finished'}`],
    },
  );
  expect(outcome.violations).toEqual([]);
});

test('two worker processes share the load: nothing lost, nothing doubled', async () => {
  const cluster = await Cluster.start({ label: 'two-workers', applications: 100, workers: 2 });
  const plan = planChanges(cluster.applications);
  const posted = await new Load(cluster).run(plan);
  const perWorker = (): number[] => cluster.processes.filter((entry) => entry.name.startsWith('worker')).map(completedJobs);
  const outcome = await finishScenario(cluster, posted, { id: 'two-workers', title: 'Two worker processes under load' }, { notes: () => [`jobs completed per worker: ${perWorker().join(' / ')}`] });
  expect(perWorker().every((count) => count > 0)).toBe(true);
  expect(outcome.violations).toEqual([]);
});
