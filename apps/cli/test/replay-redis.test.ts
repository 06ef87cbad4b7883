import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { QUEUES } from '@status-bridge/partners';
import { cleanupPrefix, REPO_ROOT, sleep, startRedisServer, TEST_REDIS_URL, uniquePrefix, waitFor } from '@status-bridge/testing';
import { runReplay, type ReplayOptions } from '../src/replay';

/**
 * Replay against real Redis: failed jobs made by a throwaway worker that fails each job with the
 * reason stored in its payload, in two batches so a time window can separate them.
 */
const prefix = uniquePrefix('replay');
const queueName = QUEUES.stepstone.name;
let queue: Queue;

const reasons = {
  s400: '[stepstone tenant 1234] HTTP 400 (attempt 1/35): StepStone rejected the status | partner said: unknown AtsiApplicationId',
  s503: '[stepstone tenant 1234] HTTP 503 (attempt 35/35): StepStone unavailable',
  s503other: '[stepstone tenant 77] HTTP 503 (attempt 35/35): StepStone unavailable',
  refused: '[stepstone tenant 1234] ECONNREFUSED (attempt 35/35): no answer from StepStone',
};
// jobId → [tenant, reason, batch]
const fixtures: Array<[string, string, string, 1 | 2]> = [
  ['c1234-w1-a-b-1-stepstone', '1234', reasons.s400, 1],
  ['c1234-w2-a-b-1-stepstone', '1234', reasons.s503, 1],
  ['c77-w3-a-b-1-stepstone', '77', reasons.s503other, 1],
  ['c1234-w4-a-b-2-stepstone', '1234', reasons.s503, 2],
  ['c1234-w5-a-b-2-stepstone', '1234', reasons.refused, 2],
  ['c1234-w6-a-b-2-stepstone', '1234', reasons.s503, 2],
];
let betweenBatches = 0;

async function failBatch(batch: 1 | 2): Promise<void> {
  const worker = new Worker(
    queueName,
    async (job) => {
      throw new UnrecoverableError((job.data as { reasonForTest: string }).reasonForTest);
    },
    { connection: { url: TEST_REDIS_URL, maxRetriesPerRequest: null }, prefix },
  );
  const mine = fixtures.filter((fixture) => fixture[3] === batch);
  for (const [jobId, tenantId, reason] of mine) {
    await queue.add(QUEUES.stepstone.jobName, { statusChange: { tenantId, customerId: tenantId }, reasonForTest: reason }, { jobId, attempts: 3 });
  }
  await waitFor(async () => (await Promise.all(mine.map(([jobId]) => queue.getJobState(jobId)))).every((state) => state === 'failed'), { what: `batch ${batch} to fail` });
  await worker.close();
}

beforeAll(async () => {
  queue = new Queue(queueName, { connection: { url: TEST_REDIS_URL }, prefix });
  await failBatch(1);
  await sleep(30);
  betweenBatches = Date.now();
  await sleep(30);
  await failBatch(2);
});

afterAll(async () => {
  await queue.close();
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

const base: ReplayOptions = { queue: 'stepstone', dryRun: true };
const ids = (planned: Array<{ jobId: string }>): string[] => planned.map((item) => item.jobId).sort();

test.each<[string, Partial<ReplayOptions>, string[]]>([
  ['everything', {}, fixtures.map(([id]) => id)],
  ['tenant 77', { tenant: '77' }, ['c77-w3-a-b-1-stepstone']],
  ['5xx of tenant 1234', { tenant: '1234', errorClass: 'http-5xx' }, ['c1234-w2-a-b-1-stepstone', 'c1234-w4-a-b-2-stepstone', 'c1234-w6-a-b-2-stepstone']],
  ['network', { errorClass: 'network' }, ['c1234-w5-a-b-2-stepstone']],
  ['5xx failed after the first batch', { errorClass: 'http-5xx', sinceMs: -1 }, ['c1234-w4-a-b-2-stepstone', 'c1234-w6-a-b-2-stepstone']],
  ['failed before the second batch', { untilMs: -1 }, ['c1234-w1-a-b-1-stepstone', 'c1234-w2-a-b-1-stepstone', 'c77-w3-a-b-1-stepstone']],
])('dry run, %s: lists the matching jobs and changes nothing', async (_label, filter, expected) => {
  const resolved = { ...filter };
  if (resolved.sinceMs === -1) resolved.sinceMs = betweenBatches;
  if (resolved.untilMs === -1) resolved.untilMs = betweenBatches;
  const lines: string[] = [];
  const summary = await runReplay(queue, { ...base, ...resolved }, { line: (text) => lines.push(text) });
  expect(ids(summary.planned)).toEqual([...expected].sort());
  expect(summary).toMatchObject({ dryRun: true, scanned: fixtures.length, matched: expected.length, retried: 0 });
  // Each line names the job, when it failed, and why.
  expect(lines).toHaveLength(expected.length);
  for (const line of lines) expect(line).toMatch(/^would retry deliver-stepstone\/c\d+-w\d-\S+ {2}failed \d{4}-\d\d-\d\dT\S+Z {2}\[stepstone tenant \d+\]/);
  expect(await queue.getFailedCount()).toBe(fixtures.length);
});

test('the command line: dry run prints the plan and a summary, reading REDIS_URL and QUEUE_PREFIX', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'apps/cli/src/replay.ts'), '--queue', 'stepstone', '--error-class', 'http-5xx', '--tenant', '1234', '--dry-run'], {
    cwd: REPO_ROOT,
    env: { ...process.env, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  // The shared test Redis runs without AOF: that warning is all stderr may say.
  expect({ code, stderr: stderr.split('\n').filter((line) => line !== '' && !line.startsWith('replay: warning: appendonly is off:')) }).toEqual({ code: 0, stderr: [] });
  expect(stdout).toContain('dry run: deliver-stepstone: tenant 1234, error class http-5xx');
  expect(stdout.match(/^would retry /gm)).toHaveLength(3);
  expect(stdout).toContain('dry run: 3 of 6 failed jobs would be retried; nothing was changed');
  expect(await queue.getFailedCount()).toBe(fixtures.length);
});

test('the command line checks the Redis settings first: an evicting Redis is an error line, and with REDIS_UNSAFE_CONFIG=refuse exit 78', async () => {
  const lru = await startRedisServer({ maxmemoryPolicy: 'allkeys-lru' });
  const runAgainst = async (env: Record<string, string>): Promise<{ code: number | null; stderr: string }> => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'apps/cli/src/replay.ts'), '--queue', 'stepstone', '--dry-run'], {
      cwd: REPO_ROOT,
      env: { ...process.env, REDIS_URL: lru.url, QUEUE_PREFIX: prefix, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return { code: await new Promise<number | null>((resolve) => child.once('exit', resolve)), stderr };
  };
  try {
    const warned = await runAgainst({});
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(/^replay: ERROR: maxmemory-policy is allkeys-lru: Redis may evict queued jobs.*set maxmemory-policy noeviction$/m);
    const refused = await runAgainst({ REDIS_UNSAFE_CONFIG: 'refuse' });
    expect(refused.code).toBe(78);
    expect(refused.stderr).toMatch(/^replay: REDIS_UNSAFE_CONFIG=refuse and the Redis at REDIS_URL is unsafe for queues: maxmemory-policy is allkeys-lru/m);
  } finally {
    await lru.stop(true);
  }
});

test('the command line refuses bad arguments with usage and exit code 64', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'apps/cli/src/replay.ts'), '--queue', 'nope'], {
    cwd: REPO_ROOT,
    env: { ...process.env, REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  expect(await new Promise<number | null>((resolve) => child.once('exit', resolve))).toBe(64);
  expect(stderr).toContain('--queue must be one of');
  expect(stderr).toContain('usage: npm run replay');
});

test('replay retries only the matching jobs, with a fresh set of attempts, up to --limit', async () => {
  const progress = { started: 0, ticks: 0, stopped: false };
  // As if this job had failed for being interrupted too often (BullMQ's stalled counter).
  await (await queue.backend.client).hset(queue.toKey('c1234-w2-a-b-1-stepstone'), { stc: 21 });
  expect((await queue.getJob('c1234-w2-a-b-1-stepstone'))?.stalledCounter).toBe(21);
  const summary = await runReplay(
    queue,
    { queue: 'stepstone', dryRun: false, tenant: '1234', errorClass: 'http-5xx', limit: 2 },
    { line: () => undefined, progress: { start: (total) => (progress.started = total), tick: () => (progress.ticks += 1), stop: () => (progress.stopped = true) } },
  );
  // Oldest failures first: w2 (batch 1) then w4 (batch 2); w6 stays for a later run.
  expect(ids(summary.planned)).toEqual(['c1234-w2-a-b-1-stepstone', 'c1234-w4-a-b-2-stepstone']);
  expect(summary).toMatchObject({ dryRun: false, matched: 2, retried: 2, skipped: 0 });
  expect(progress).toEqual({ started: 2, ticks: 2, stopped: true });
  for (const jobId of ['c1234-w2-a-b-1-stepstone', 'c1234-w4-a-b-2-stepstone']) {
    expect(await queue.getJobState(jobId)).toBe('waiting');
    expect((await queue.getJob(jobId))?.attemptsMade).toBe(0);
    // And a fresh stall budget.
    expect((await queue.getJob(jobId))?.stalledCounter).toBe(0);
  }
  for (const jobId of ['c1234-w1-a-b-1-stepstone', 'c77-w3-a-b-1-stepstone', 'c1234-w5-a-b-2-stepstone', 'c1234-w6-a-b-2-stepstone']) {
    expect(await queue.getJobState(jobId)).toBe('failed');
  }
  // The retried jobs really run again: a worker that now succeeds completes them.
  const worker = new Worker(queueName, async () => 'delivered', { connection: { url: TEST_REDIS_URL, maxRetriesPerRequest: null }, prefix });
  await waitFor(async () => (await queue.getJobState('c1234-w4-a-b-2-stepstone')) === 'completed' && (await queue.getJobState('c1234-w2-a-b-1-stepstone')) === 'completed', { what: 'the replayed jobs to complete' });
  await worker.close();
});

test('a job that left the failed set between plan and retry is counted as skipped', async () => {
  const summary = await runReplay(queue, { queue: 'stepstone', dryRun: false, tenant: '77' }, {
    line: () => undefined,
    progress: {
      start: () => void queue.remove('c77-w3-a-b-1-stepstone'),
      tick: () => undefined,
      stop: () => undefined,
    },
  });
  expect(summary).toMatchObject({ matched: 1, retried: 0, skipped: 1 });
});
