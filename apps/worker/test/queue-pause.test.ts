import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { createLogger } from '@status-bridge/core';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix, waitFor } from '@status-bridge/testing';
import { PAUSE_MARKER_MAX, QueuePause } from '../src/queue-pause';

/**
 * The queue-wide 429 pause without a per-job limiter (queue-pause.ts), on the real Redis with real
 * BullMQ Workers. The delivery tests (stepstone-delivery: a 429 holds every replica) check the
 * pause end to end; this file checks what it leaves in Redis: nothing per job when there is no
 * pause, the limit only while a pause lasts, and never a limit an operator set.
 */
const prefix = uniquePrefix('queue-pause');
const connection = { url: TEST_REDIS_URL, maxRetriesPerRequest: null };
const redis = new Redis(TEST_REDIS_URL);
const logger = createLogger('test', 'error');
const closing: Array<{ close(): Promise<unknown> }> = [];

afterAll(async () => {
  await Promise.all(closing.map((item) => item.close()));
  redis.disconnect();
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

let queues = 0;
function setup(processor: () => Promise<unknown> = async () => 'done'): { queue: Queue; worker: Worker; pause: QueuePause; meta: string; limiter: string } {
  const name = `q${++queues}`;
  const queue = new Queue(name, { connection, prefix });
  const worker = new Worker(name, processor, { connection, prefix, concurrency: 4 });
  closing.push(worker, queue);
  const pause = new QueuePause(redis, worker, logger);
  return { queue, worker, pause, meta: worker.keys.meta, limiter: worker.keys.limiter };
}

async function completed(queue: Queue, count: number): Promise<void> {
  await waitFor(async () => (await queue.getCompletedCount()) >= count || undefined, { what: `${count} completed jobs`, timeoutMs: 20_000 });
}

test('without a pause, jobs touch no limiter key and the queue has no limit', async () => {
  const { queue, meta, limiter } = setup();
  await queue.addBulk(Array.from({ length: 20 }, (_, i) => ({ name: 'job', data: { i } })));
  await completed(queue, 20);
  expect(await redis.exists(limiter)).toBe(0);
  expect(await redis.hmget(meta, 'max', 'duration')).toEqual([null, null]);
});

test('a pause holds jobs queued meanwhile (even for a second Worker), then lifts its limit; jobs after it touch no limiter key', async () => {
  const { queue, worker, pause, meta, limiter } = setup();
  // A second Worker on the same queue stands for another process.
  const other = new Worker(queue.name, async () => 'other', { connection, prefix, concurrency: 4 });
  closing.push(other);
  const before = Date.now();
  const pausedMs = await pause.pause(1_500);
  expect(pausedMs).toBe(1_500);
  expect(await redis.hget(meta, 'max')).toBe(String(PAUSE_MARKER_MAX));
  expect(await redis.pttl(limiter)).toBeGreaterThan(0);
  await queue.add('held', {});
  // Held while the key lives: no Worker may take the job before the pause's key is gone.
  const job = await waitFor(async () => (await queue.getJobs(['completed'])).find((candidate) => candidate.name === 'held'), { what: 'the held job to complete', timeoutMs: 20_000 });
  expect(job.processedOn).toBeGreaterThanOrEqual(before + 1_500);
  // The process that paused lifts the limit at the pause's end (until then a job's fetch counts
  // on the limiter key, which expires within a second of the last one).
  await waitFor(async () => (await redis.hget(meta, 'max')) === null || undefined, { what: 'the limit lifted', timeoutMs: 10_000 });
  await waitFor(async () => (await redis.exists(limiter)) === 0 || undefined, { what: 'the last count to expire', timeoutMs: 5_000 });
  await worker.waitUntilReady();
  await queue.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'after', data: { i } })));
  await completed(queue, 11);
  expect(await redis.exists(limiter)).toBe(0);
  pause.stop();
});

test('a second, shorter pause does not shorten the first', async () => {
  const { pause, limiter } = setup();
  await pause.pause(5_000);
  expect(await pause.pause(100)).toBeGreaterThan(1_000);
  expect(await redis.pttl(limiter)).toBeGreaterThan(1_000);
  pause.stop();
});

test('a pause left by a process that stopped is lifted by another process once it is over; while it lasts it stays', async () => {
  const { pause, worker, meta, limiter } = setup();
  await pause.pause(300);
  pause.stop(); // the pausing process is gone before its lift
  const survivor = new QueuePause(redis, worker, logger);
  expect(await survivor.lift()).toBeGreaterThan(0);
  expect(await redis.hget(meta, 'max')).toBe(String(PAUSE_MARKER_MAX));
  await waitFor(async () => (await redis.exists(limiter)) === 0 || undefined, { what: 'the pause to end', timeoutMs: 5_000 });
  expect(await survivor.lift()).toBe(0);
  expect(await redis.hmget(meta, 'max', 'duration')).toEqual([null, null]);
});

test('a limit an operator set (setGlobalRateLimit) is never lifted', async () => {
  const { queue, pause, meta } = setup();
  await queue.setGlobalRateLimit(5, 1_000);
  expect(await pause.lift()).toBe(0);
  expect(await redis.hmget(meta, 'max', 'duration')).toEqual(['5', '1000']);
});
