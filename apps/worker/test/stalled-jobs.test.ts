import { spawnService, waitFor, type ServiceHandle } from '@status-bridge/testing';
import { PARTNERS } from '@status-bridge/partners';
import { loadWorkerConfig, stalledJobSettings } from '../src/config';
import { seedEvent, startHarness, type Harness } from './enrich-harness';

/**
 * Interrupted jobs: a worker child dies (kill -9) while it runs enrich jobs that hang on iCIMS,
 * a second worker recovers them and is killed the same way while they run again; a third, with
 * iCIMS healthy, must complete every one. Before WORKER_MAX_STALLED_COUNT the Workers ran with
 * BullMQ's default maxStalledCount 1 and the second interruption failed the jobs for good
 * ("job stalled more than allowable limit", attempt 1 of 20); the last test reproduces that.
 * Short locks keep it bounded: an interrupted job waits about lock + up to one check interval.
 */
const STALL_ENV = { WORKER_LOCK_DURATION_MS: '3000', WORKER_STALLED_INTERVAL_MS: '1000', ICIMS_REQUEST_TIMEOUT_MS: '120000' };
const JOBS = 4;
// Workers start as tsx child processes on a shared machine: generous.
const START_MS = 60_000;

let harness: Harness;
const spawned: ServiceHandle[] = [];

beforeAll(async () => {
  harness = await startHarness('stalled-jobs', { workers: 0, env: STALL_ENV });
}, 30_000);

afterAll(async () => {
  await Promise.all(spawned.map((worker) => worker.stop('SIGKILL')));
  await harness?.close();
});

async function startWorker(extraEnv: Record<string, string>): Promise<ServiceHandle> {
  const worker = await spawnService('apps/worker/src/main.ts', { ...harness.env, ...extraEnv }, { timeoutMs: START_MS });
  spawned.push(worker);
  return worker;
}

async function crash(worker: ServiceHandle): Promise<void> {
  worker.process.kill('SIGKILL');
  await worker.exited;
}

interface JobView {
  state: string;
  attemptsStarted: number;
  stalledCounter: number;
  attemptsMade: number;
  failedReason?: string;
}

async function view(jobId: string): Promise<JobView> {
  const job = await harness.queues.enrich.getJob(jobId);
  if (!job) return { state: 'missing', attemptsStarted: 0, stalledCounter: 0, attemptsMade: 0 };
  return { state: await job.getState(), attemptsStarted: job.attemptsStarted, stalledCounter: job.stalledCounter, attemptsMade: job.attemptsMade, failedReason: job.failedReason };
}

/** Every job active in a worker for at least the `started`-th time. */
async function allRunning(jobIds: string[], started: number, what: string): Promise<void> {
  await waitFor(
    async () => {
      const views = await Promise.all(jobIds.map(view));
      return views.every((job) => job.state === 'active' && job.attemptsStarted >= started);
    },
    { timeoutMs: 60_000, what },
  );
}

/** Enqueues jobs that hang on iCIMS, kills the worker running them twice, then lets a healthy worker finish. */
async function interruptTwice(label: string, extraEnv: Record<string, string>): Promise<{ jobs: JobView[]; interruptionsLogged: number }> {
  harness.sandbox.faults({ hang: { count: 1_000_000 } });
  const jobIds: string[] = [];
  for (let index = 0; index < JOBS; index += 1) jobIds.push(await harness.enqueue(seedEvent(harness.sandbox.url, { oldStatus: `${label}${index}` })));

  const first = await startWorker(extraEnv);
  await allRunning(jobIds, 1, 'jobs active in the first worker');
  await crash(first);

  const second = await startWorker(extraEnv);
  await allRunning(jobIds, 2, 'jobs recovered and active again in the second worker');
  await crash(second);

  harness.sandbox.reset();
  const third = await startWorker(extraEnv);
  await waitFor(async () => (await Promise.all(jobIds.map(view))).every((job) => job.state === 'completed' || job.state === 'failed'), {
    timeoutMs: 60_000,
    what: 'every job finished by the healthy worker',
  });
  await third.stop('SIGTERM');
  // The workers that moved the jobs back (the second and the third) said so, per job.
  const interruptionsLogged = [second, third]
    .flatMap((worker) => worker.logs())
    .filter((entry) => String(entry.message).startsWith('job was interrupted') && jobIds.includes(String(entry.jobId))).length;
  return { jobs: await Promise.all(jobIds.map(view)), interruptionsLogged };
}

/** Each queue's attempts: enrich's, and each registered partner's own (its definition's queue.attempts). */
const attemptsByQueue = { enrich: 20, ...Object.fromEntries(PARTNERS.map((partner) => [partner.key, partner.queue.attempts])) };
const everyQueue = (count: number) => Object.fromEntries(Object.keys(attemptsByQueue).map((key) => [key, count]));

describe('stalled-job settings', () => {
  it("allow each queue as many interruptions as attempts by default, or one number for all; the check interval is at most the lock", () => {
    expect(stalledJobSettings({ WORKER_LOCK_DURATION_MS: 30_000, WORKER_STALLED_INTERVAL_MS: 15_000 })).toEqual({
      lockDurationMs: 30_000,
      stalledIntervalMs: 15_000,
      maxStalledCount: attemptsByQueue,
    });
    expect(stalledJobSettings({ WORKER_MAX_STALLED_COUNT: 5, WORKER_LOCK_DURATION_MS: 30_000, WORKER_STALLED_INTERVAL_MS: 30_000 }).maxStalledCount).toEqual(everyQueue(5));
    expect(() => stalledJobSettings({ WORKER_LOCK_DURATION_MS: 10_000, WORKER_STALLED_INTERVAL_MS: 20_000 })).toThrow(
      /^WORKER_STALLED_INTERVAL_MS \(20000\) must not exceed WORKER_LOCK_DURATION_MS \(10000\)/,
    );
  });

  it('are read from the environment and validated with the variable named', () => {
    const env = { ...harness.env };
    expect(loadWorkerConfig(env).stalled).toEqual({ lockDurationMs: 3000, stalledIntervalMs: 1000, maxStalledCount: attemptsByQueue });
    expect(() => loadWorkerConfig({ ...env, WORKER_MAX_STALLED_COUNT: '0' })).toThrow(/WORKER_MAX_STALLED_COUNT must be >= 1/);
    expect(() => loadWorkerConfig({ ...env, WORKER_LOCK_DURATION_MS: '500' })).toThrow(/WORKER_LOCK_DURATION_MS must be >= 1000/);
  });
});

describe('a job interrupted by two worker crashes in a row', () => {
  it('completes once a healthy worker runs (default: as many interruptions as attempts)', async () => {
    const { jobs, interruptionsLogged } = await interruptTwice('D', {});
    expect(jobs.map((job) => job.state)).toEqual(Array(JOBS).fill('completed'));
    expect(interruptionsLogged).toBeGreaterThanOrEqual(2 * JOBS);
    // Two interruptions each, and they did not count as attempts: the one that finished is the first.
    for (const job of jobs) {
      expect(job.stalledCounter).toBeGreaterThanOrEqual(2);
      expect(job.attemptsMade).toBe(1);
    }
  }, 240_000);

  it('fails for good with WORKER_MAX_STALLED_COUNT=1, as BullMQ\'s default did', async () => {
    const { jobs } = await interruptTwice('M', { WORKER_MAX_STALLED_COUNT: '1' });
    expect(jobs.map((job) => [job.state, job.failedReason])).toEqual(Array(JOBS).fill(['failed', 'job stalled more than allowable limit']));
  }, 240_000);
});
