import os from 'node:os';
import { sleep } from '@status-bridge/testing';
import { CpuMeter } from './proc-cpu';
import { postEvents } from './poster';
import { QueueWatch, type Counts } from './queues';
import { redisDiff, redisSnapshot, type RedisDelta } from './redis-stats';
import { roundTripsSoFar } from './round-trips';
import type { Stack } from './stack';
import { startWorkers, type Variant, type WorkerOptions } from './workers';

export interface DrainResult {
  variant: Variant;
  events: number;
  processes: number;
  concurrency: number;
  seconds: number;
  eventsPerSecond: number;
  /** CPU of all worker processes during the drain, ms. */
  workerCpuMs: number;
  sandboxCpuMs: number;
  redisCpuMs: number;
  /** Redis during the drain (harness polls taken off). */
  redis: RedisDelta;
  /** Redis round trips the workers made during the drain, counted on their side. */
  roundTrips: number;
  /** Ingest while the events were posted (before the drain): CPU, Redis, ingest's round trips. */
  posting: { seconds: number; ingestCpuMs: number; redis: RedisDelta; roundTrips: number };
  completed: Counts;
  failed: Counts;
  loadAverage: number;
  /** The drain on the monotonic clock (µs), the clock V8's CPU profiles use: to cut a profile to it. */
  monotonicUs: { from: number; to: number };
}

export interface DrainOptions extends WorkerOptions {
  events: number;
  /** Gives up when nothing finished for this long (a stuck run must not hang the bench). */
  stallTimeoutMs?: number;
  /** Called with the stack and workers still up, after the drain (e.g. to read sandbox logs). */
  inspect?: () => Promise<void>;
}

/**
 * One run of "N pre-queued events drained": empty Redis; the enrichment queue paused; N events
 * posted through the real ingest process (so every variant drains the very jobs production would
 * hold, built by our producer, dedup and job options included); the workers started and ready;
 * then the queue resumed and timed until every enrichment and both deliveries of every event have
 * completed. Worker start-up (tsx compiling, connections) stays out of the time.
 */
export async function drainRun(stack: Stack, variant: Variant, options: DrainOptions): Promise<DrainResult> {
  const watch = new QueueWatch(stack.admin);
  const posting = await queueBacklog(stack, watch, options.events);
  const workers = await startWorkers(stack, variant, options);
  try {
    const before = await redisSnapshot(stack.admin);
    const workerCpu = new CpuMeter(workers.pids);
    const sandboxCpu = new CpuMeter([stack.sandbox.pid]);
    const redisCpu = new CpuMeter([stack.redis.process.pid!]);
    const harnessBefore = { ...watch.calls };
    const roundTripsBefore = roundTripsSoFar(stack.roundTripsDir, workers.pids);
    const started = Date.now();
    const fromUs = monotonicUs();
    await watch.resumeEnrich();
    let finished = await watch.finished();
    let lastProgress = Date.now();
    let lastDone = 0;
    for (;;) {
      const done = finished.completed.seek + finished.completed.stepstone + finished.completed.enrich;
      const failed = finished.failed.seek + finished.failed.stepstone + finished.failed.enrich;
      if (done + failed >= 3 * options.events) break;
      if (done + failed > lastDone) {
        lastDone = done + failed;
        lastProgress = Date.now();
      } else if (Date.now() - lastProgress > (options.stallTimeoutMs ?? 60_000)) {
        throw new Error(`${variant}: no job finished for ${options.stallTimeoutMs ?? 60_000} ms (completed ${JSON.stringify(finished.completed)}, failed ${JSON.stringify(finished.failed)}, unfinished ${await watch.unfinished()})`);
      }
      await sleep(200);
      finished = await watch.finished();
    }
    const seconds = (Date.now() - started) / 1000;
    const toUs = monotonicUs();
    const workerCpuMs = workerCpu.total();
    const sandboxCpuMs = sandboxCpu.total();
    const redisCpuMs = redisCpu.total();
    const harness = Object.fromEntries(Object.entries(watch.calls).map(([name, count]) => [name, count - (harnessBefore[name] ?? 0)]));
    const redis = redisDiff(before, await redisSnapshot(stack.admin), harness);
    await sleep(300); // the workers' round-trip files are written every 100 ms
    const roundTrips = roundTripsSoFar(stack.roundTripsDir, workers.pids) - roundTripsBefore;
    await options.inspect?.();
    return {
      variant,
      events: options.events,
      processes: options.processes,
      concurrency: options.concurrency,
      seconds,
      eventsPerSecond: options.events / seconds,
      workerCpuMs,
      sandboxCpuMs,
      redisCpuMs,
      redis,
      roundTrips,
      posting,
      completed: finished.completed,
      failed: finished.failed,
      loadAverage: os.loadavg()[0],
      monotonicUs: { from: fromUs, to: toUs },
    };
  } finally {
    await workers.stop();
  }
}

/** CLOCK_MONOTONIC in µs (libuv's hrtime; V8 stamps profile samples with the same clock). */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/**
 * Empties Redis and the sandboxes' logs, pauses the enrichment queue and posts `events` new
 * events through ingest: a backlog that waits for resumeEnrich(). Returns what posting cost.
 */
export async function queueBacklog(stack: Stack, watch: QueueWatch, events: number): Promise<DrainResult['posting']> {
  await stack.reset();
  await watch.pauseEnrich();
  const bodies = stack.eventBodies(stack.takeApplicants(events));
  const before = await redisSnapshot(stack.admin);
  const ingestCpu = new CpuMeter([stack.ingest.pid]);
  await sleep(150);
  const roundTripsBefore = roundTripsSoFar(stack.roundTripsDir, [stack.ingest.pid]);
  const started = Date.now();
  await postEvents(stack.ingestUrl, bodies, { concurrency: 50 });
  const seconds = (Date.now() - started) / 1000;
  const ingestCpuMs = ingestCpu.total();
  const redis = redisDiff(before, await redisSnapshot(stack.admin));
  await sleep(300);
  return { seconds, ingestCpuMs, redis, roundTrips: roundTripsSoFar(stack.roundTripsDir, [stack.ingest.pid]) - roundTripsBefore };
}
