import http from 'node:http';
import { Worker, type Job } from 'bullmq';
import {
  backoffDelay,
  BACKOFF_TYPE,
  bullErrorListener,
  closeRedis,
  createRedis,
  listen,
  redisAnswers,
  redisConnectionFromEnv,
  registerQueueMetrics,
  type Logger,
} from '@status-bridge/core';
import { createPartitionedQueues, QUEUES, type QueueKey } from '@status-bridge/partners';
import { partitionConcurrency, type WorkerConfig } from './config';
import { createWorkerMetrics, type WorkerMetrics } from './metrics';
import { HEALTH_PATHS } from '@status-bridge/core';
import type { ProcessorContext, ProcessorFactory, ProcessorModule } from './processor';
import { assertRegistryComplete, processorRegistry } from './registry';
import { describeFailure, jobLogContext, wrapProcessor } from './job-wrapper';
import { QueuePause } from './queue-pause';

export interface RunningWorker {
  url: string;
  metrics: WorkerMetrics;
  /** Ordered shutdown: readiness off → workers closed (bounded) → modules → connections → HTTP. */
  stop(): Promise<void>;
}

export async function startWorkerProcess(
  config: WorkerConfig,
  logger: Logger,
  registry: { [K in QueueKey]: ProcessorFactory<K> } = processorRegistry,
): Promise<RunningWorker> {
  assertRegistryComplete(registry);
  const { env } = config;
  const metrics = createWorkerMetrics();
  // One connection for BullMQ (workers duplicate it for their blocking calls), one for our own keys.
  // Both log their outages as state changes (lost / still unreachable / restored), not per attempt.
  const bullConnection = createRedis(redisConnectionFromEnv(env), 'worker', 'worker-bullmq', logger);
  const redis = createRedis(redisConnectionFromEnv(env), 'client', 'worker-own-keys', logger);
  const { layout } = config;
  // Producers for every partition (drained ones included): the depth gauges and a partner's
  // 429 pause cover them all, also those another process consumes.
  const partitionQueues = createPartitionedQueues(bullConnection, layout, logger);
  const queues = partitionQueues[0].queues;
  // Depth of every queue of the contract, read at scrape time (status_bridge_queue_jobs).
  registerQueueMetrics(metrics.registry, layout.partitioned ? partitionQueues : queues);
  // One BullMQ Worker per consumed partition and queue; one processor module per queue.
  const workers = new Map<string, Worker>();
  const workerId = (partition: number, key: QueueKey): string => `${partition}/${key}`;
  // A partner's 429 pause (queue-pause.ts) per queue of EVERY partition, consumed here or not:
  // the partner limits us, not a partition, so its queue is held back in all of them.
  const pauses = new Map<QueueKey, Map<number, QueuePause>>();
  for (const key of config.queues) {
    pauses.set(key, new Map(partitionQueues.map((entry) => [entry.partition, new QueuePause(redis, entry.queues[key], logger)])));
  }
  // The job's own partition must be paused (its failure is the job's); the others are best
  // effort: a partition whose SET failed meets the partner's 429 itself and pauses then.
  const pauseEverywhere = (key: QueueKey, partition: number, ms: number): Promise<unknown> =>
    Promise.all([...(pauses.get(key) ?? [])].map(([each, pause]) => (each === partition ? pause.pause(ms) : pause.pause(ms).catch(() => undefined))));
  const modules: Array<ProcessorModule<QueueKey>> = [];
  let ready = false;

  for (const key of config.queues) {
    const context: ProcessorContext = {
      config,
      tenants: config.tenants,
      logger: logger.child({ queue: QUEUES[key].name }),
      redis,
      queues,
      metrics,
    };
    const module = (await (registry[key] as ProcessorFactory<typeof key>)(context)) as ProcessorModule<QueueKey>;
    modules.push(module);
    const concurrency = partitionConcurrency(config.concurrency[key], config.partitions.length);
    for (const [index, partition] of config.partitions.entries()) {
      const prefix = layout.prefix(partition);
      const queueLog = layout.partitioned ? { queue: QUEUES[key].name, partition } : { queue: QUEUES[key].name };
      const processor = wrapProcessor(key, module.process as never, {
        logger: layout.partitioned ? logger.child(queueLog) : context.logger,
        metrics,
        pause: (ms) => pauseEverywhere(key, partition, ms),
      });
      startWorker(key, partition, prefix, concurrency[index], processor, queueLog);
    }
  }

  function startWorker(key: QueueKey, partition: number, prefix: string, concurrency: number, processor: unknown, queueLog: Record<string, unknown>): void {
    const worker = new Worker(QUEUES[key].name, processor as never, {
      connection: bullConnection,
      prefix,
      concurrency,
      autorun: false,
      // No `limiter`: it would cost every job the limiter's commands. A partner's 429 pauses the
      // queue through its meta hash instead, set only while the pause lasts (queue-pause.ts).
      // An interrupted job (its worker died, or could not renew the lock) goes back to wait after
      // its lock expires and the next stalled check runs: about lockDuration + up to stalledInterval.
      // It may be interrupted as often as the queue allows attempts (config/index.ts
      // stalledJobSettings has what BullMQ does past the limit).
      lockDuration: config.stalled.lockDurationMs,
      stalledInterval: config.stalled.stalledIntervalMs,
      maxStalledCount: config.stalled.maxStalledCount[key],
      settings: {
        backoffStrategy: (attemptsMade: number, type?: string) =>
          type === BACKOFF_TYPE ? backoffDelay(attemptsMade, env.RETRY_BASE_DELAY_MS, env.RETRY_MAX_DELAY_MS) : env.RETRY_BASE_DELAY_MS,
      },
    });
    // Connection errors at debug (the connections log the outage), others as errors; once per message and minute.
    worker.on('error', bullErrorListener(logger, 'worker error', queueLog));
    worker.on('stalled', (jobId: string) => {
      logger.warn('job was interrupted (its worker stopped or lost Redis past the lock); back in the queue', { ...queueLog, jobId });
    });
    worker.on('failed', (job: Job | undefined, error: Error) => {
      if (!job) return;
      // 'failed' fires on every failed attempt; alert only when the job is finished for good.
      const final = error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
      if (final && error.name !== 'RateLimitError') {
        metrics.exhausted.inc({ queue: key });
        logger.error('job exhausted: needs an operator', { ...jobLogContext(key, job), ...queueLog, attempt: job.attemptsMade, reason: error.message || describeFailure(key, job, error) });
      }
    });
    workers.set(workerId(partition, key), worker);
  }

  for (const byPartition of pauses.values()) for (const pause of byPartition.values()) pause.start();

  for (const worker of workers.values()) void worker.run();
  await Promise.all([...workers.values()].map((worker) => worker.waitUntilReady()));

  const server = http.createServer(async (req, res) => {
    if (req.url === HEALTH_PATHS.live) {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    } else if (req.url === HEALTH_PATHS.ready) {
      const redisUp = await redisAnswers(redis);
      const ok = ready && redisUp && [...workers.values()].every((worker) => worker.isRunning());
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ready' : 'not ready', redis: redisUp, shuttingDown: !ready }));
    } else if (req.url === HEALTH_PATHS.metrics) {
      res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(await metrics.registry.metrics());
    } else {
      res.writeHead(404).end();
    }
  });
  const url = await listen(server, env.METRICS_PORT, env.METRICS_HOST);
  ready = true;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      ready = false;
      for (const byPartition of pauses.values()) for (const pause of byPartition.values()) pause.stop();
      // close() waits for active jobs and never times out by itself. Past the bound we cancel
      // them: a second close(true) would NOT help (BullMQ returns the close already pending), so
      // the jobs' AbortSignals fire (worker.cancelAllJobs) and the modules close (their HTTP
      // agents are destroyed), which ends every in-flight partner request; the jobs fail this
      // attempt and are retried. Whatever still hangs after that is left to lapse and be
      // picked up as stalled by another worker; main.ts's hard stop bounds the whole shutdown.
      const bound = Math.max(100, env.SHUTDOWN_TIMEOUT_MS - 2_000);
      const within = (promise: Promise<unknown>, ms: number): Promise<boolean> =>
        Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms).unref())]);
      const closing = Promise.all([...workers.values()].map((worker) => worker.close()));
      const modulesClosed = (): Promise<unknown> => Promise.all(modules.map((module) => module.close?.().catch(() => undefined)));
      if (!(await within(closing, bound))) {
        logger.warn('workers did not finish in time; cancelling, unfinished jobs will be retried', { boundMs: bound });
        for (const worker of workers.values()) worker.cancelAllJobs('worker shutting down');
        await within(modulesClosed(), 500);
        if (!(await within(closing, 1_000))) logger.warn('jobs still running after cancel; leaving them to stall and be picked up again');
      } else {
        await modulesClosed();
      }
      await Promise.all(partitionQueues.flatMap((entry) => Object.values(entry.queues)).map((queue) => queue.close().catch(() => undefined)));
      await Promise.all([closeRedis(bullConnection), closeRedis(redis)]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    })());

  logger.info('ready', {
    url,
    queues: config.queues.map((key) => QUEUES[key].name),
    ...(layout.partitioned ? { partitions: config.partitions, queuePartitions: layout.count, ...(layout.drain > layout.count ? { drainingPartitions: layout.all.slice(layout.count) } : {}) } : {}),
    concurrency: config.concurrency,
    stalled: config.stalled,
  });
  return { url, metrics, stop };
}
