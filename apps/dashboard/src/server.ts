import express from 'express';
import type { Queue } from 'bullmq';
import { closeRedis, createHttpServer, createMetricsRegistry, httpTimeoutsFromEnv, createRedis, listen, partitionLayout, redisAnswers, redisConnectionFromEnv, registerQueueMetrics, type Logger } from '@status-bridge/core';
import { createPartitionedQueues, type QueueKey } from '@status-bridge/partners';
import type { DashboardEnv } from './config';
import { basicAuth } from './basic-auth';
import { HEALTH_PATHS } from '@status-bridge/core';
import { BOARD_PATH, createBoardRouter } from './board';
import { SAFE_METHODS, sameOriginWrites } from './same-origin';
import { securityHeaders } from './security-headers';
import { writePolicy } from './write-policy';

export interface RunningDashboard {
  /** Base URL; the board is at `${url}/admin/queues`. */
  url: string;
  /** Ordered shutdown: readiness off → HTTP server closed → queues → Redis connection. */
  stop(): Promise<void>;
}

export async function startDashboard(env: DashboardEnv, logger: Logger): Promise<RunningDashboard> {
  // A 'client' connection: a dashboard request during a Redis outage should fail after a few
  // retries (the page shows an error), not hang like a worker's blocking connection would.
  const redis = createRedis(redisConnectionFromEnv(env), 'client', 'dashboard', logger);
  // Every partition's queues (QUEUE_PARTITIONS, and QUEUE_PARTITIONS_DRAIN while set).
  const layout = partitionLayout(env);
  const partitionQueues = createPartitionedQueues(redis, layout, logger);
  const queues = partitionQueues.map((entry) => ({ partition: entry.partition, queues: entry.queues as unknown as Record<QueueKey, Queue> }));
  const registry = createMetricsRegistry('dashboard');
  registerQueueMetrics(registry, layout.partitioned ? queues : queues[0].queues);
  let ready = false;

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  // Probes and metrics stay outside the auth, like the worker's; they carry no job data.
  app.get(HEALTH_PATHS.live, (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get(HEALTH_PATHS.ready, async (_req, res) => {
    const redisUp = await redisAnswers(redis);
    const ok = ready && redisUp;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', redis: redisUp, shuttingDown: !ready });
  });
  app.get(HEALTH_PATHS.metrics, async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  app.get('/', (_req, res) => {
    res.redirect(BOARD_PATH);
  });

  const board = createBoardRouter(layout.partitioned ? queues : queues[0].queues, {
    allowRetry: env.DASHBOARD_ALLOW_RETRY,
    environment: { label: env.DASHBOARD_ENVIRONMENT_LABEL, color: env.DASHBOARD_ENVIRONMENT_COLOR },
    pollIntervalMs: env.DASHBOARD_POLL_INTERVAL_MS,
  });
  app.use(
    BOARD_PATH,
    securityHeaders(),
    basicAuth({ user: env.DASHBOARD_USER, password: env.DASHBOARD_PASSWORD }),
    sameOriginWrites(),
    writePolicy(env.DASHBOARD_ALLOW_RETRY),
    (req, _res, next) => {
      // Who changed what: every allowed write is logged with the queue and job path, never a body.
      if (!SAFE_METHODS.has(req.method)) logger.info('dashboard write', { method: req.method, path: req.path });
      next();
    },
    board.getRouter(),
  );

  // Bounded request reading (DASHBOARD_REQUEST_TIMEOUT_MS …): a slow client is answered 408 and
  // closed within the timeout plus the checking interval, not after Node's 5 minutes.
  const server = createHttpServer(app, httpTimeoutsFromEnv(env, 'DASHBOARD'));
  const url = await listen(server, env.DASHBOARD_PORT, env.DASHBOARD_HOST);
  ready = true;

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      ready = false;
      // Open dashboard tabs keep polling over keep-alive; close idle sockets so close() can finish.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const bound = Math.max(100, env.SHUTDOWN_TIMEOUT_MS - 2_000);
      await Promise.race([closed, new Promise<void>((resolve) => setTimeout(resolve, bound).unref())]);
      server.closeAllConnections();
      await Promise.all(queues.flatMap((entry) => Object.values(entry.queues)).map((queue) => queue.close().catch(() => undefined)));
      await closeRedis(redis);
    })());

  logger.info('ready', {
    url,
    board: `${url}${BOARD_PATH}`,
    readOnly: !env.DASHBOARD_ALLOW_RETRY,
    environment: env.DASHBOARD_ENVIRONMENT_LABEL,
  });
  return { url, stop };
}
