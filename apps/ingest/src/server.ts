import type http from 'node:http';
import { closeRedis, createHttpServer, createRedis, listen, partitionLayout, redisAnswers, redisConnectionFromEnv, type Logger } from '@status-bridge/core';
import { createQueue } from '@status-bridge/partners';
import { BasicAuthenticator } from './auth/basic';
import { BearerAuthenticator } from './auth/bearer';
import { InboundAuth } from './auth/inbound';
import { OAuthClients } from './auth/oauth-clients';
import { AccessTokens } from './auth/token';
import { buildContext, createIngestApp, eventsHandler, type IngestContext, type RouterMount } from './app';
import { EVENTS_PATH } from './routes/events';
import type { IngestConfig } from './config';
import { answerClientErrors } from './client-errors';
import { EnrichEnqueuer, PartitionedEnqueuer } from './enqueue';
import { EventLinkGate } from './link-check';
import { ReplicaAcks } from './replica-acks';
import { createIngestMetrics } from './metrics';

export interface RunningIngest {
  url: string;
  server: http.Server;
  context: IngestContext;
  /** Ordered shutdown: readiness off → stop accepting → in-flight requests finish → queue and Redis closed. */
  stop(): Promise<void>;
}

const READY_PING_TIMEOUT_MS = 500;

export interface StartOptions {
  /** Extra routers (default: every partner's ingest routes, routes/partner-routes.ts). */
  mounts?: RouterMount[];
  /**
   * `direct` (default): POST /icims/events is dispatched by the http server before Express.
   * `express`: through Express's router like every other route; kept so the benchmark can
   * measure the difference (docs/benchmarks.md).
   */
  dispatch?: 'direct' | 'express';
}

/**
 * Measured (docs/benchmarks.md, "Why POST /icims/events skips the Express router"): Express 5's request pipeline (router,
 * req/res prototype setup, query parsing) costs about as much CPU per request as all our own work
 * on the hot route, and the ingest process is CPU-bound. So the
 * one hot route skips it; the handler is a plain node:http handler either way, and every other
 * route (token, health, metrics, extra routers, 404) still goes through Express.
 */
function dispatchEventsFirst(events: http.RequestListener, app: http.RequestListener): http.RequestListener {
  return (req, res) => {
    const url = req.url ?? '';
    if (req.method === 'POST' && (url === EVENTS_PATH || url.startsWith(`${EVENTS_PATH}?`))) events(req, res);
    else app(req, res);
  };
}

export async function startIngest(config: IngestConfig, logger: Logger, options: StartOptions = {}): Promise<RunningIngest> {
  const { env, tenants } = config;
  // Producer role: no offline queue, so an add while Redis is down fails at once (→ 503) instead
  // of waiting in memory for a reconnect and acknowledging an event that is not stored.
  // With the logger: an outage is logged as lost / still unreachable / restored, not per attempt.
  const producer = createRedis(redisConnectionFromEnv(env), 'producer', 'ingest-producer', logger);
  // New events go to partitions [0, QUEUE_PARTITIONS) only (a drained partition gets none).
  const layout = partitionLayout(env);
  const enrichQueues = Array.from({ length: layout.count }, (_, partition) => createQueue('enrich', producer, layout.prefix(partition), logger));
  const enrichQueue = enrichQueues[0];
  // WAIT gets three quarters of the budget, so a missing replica is reported as such, not as a timeout.
  const enqueuers = enrichQueues.map(
    (queue, partition) =>
      new EnrichEnqueuer(
        queue,
        producer,
        env.DEDUP_WINDOW_SECONDS * 1000,
        env.ENQUEUE_TIMEOUT_MS,
        env.ENQUEUE_WAIT_REPLICAS > 0 ? new ReplicaAcks(producer, layout.prefix(partition), env.ENQUEUE_WAIT_REPLICAS, Math.ceil(env.ENQUEUE_TIMEOUT_MS * 0.75)) : undefined,
      ),
  );

  const metrics = createIngestMetrics();
  const tokens = env.INGEST_TOKEN_SECRET ? new AccessTokens(env.INGEST_TOKEN_SECRET, env.INGEST_TOKEN_TTL_SECONDS) : undefined;
  const authenticators = [new BasicAuthenticator(tenants), ...(tokens ? [new BearerAuthenticator(tokens, tenants)] : [])];
  let shuttingDown = false;

  const context = buildContext({
    env,
    tenants,
    logger,
    metrics,
    inboundAuth: new InboundAuth(tenants, authenticators),
    oauthClients: new OAuthClients(tenants),
    tokens,
    enrichQueue,
    redis: producer,
    enqueuer: layout.count === 1 ? enqueuers[0] : new PartitionedEnqueuer(layout.route, enqueuers),
    linkGate: new EventLinkGate(tenants, env.ICIMS_API_BASE_URL),
    async isReady() {
      const redis = await redisAnswers(producer, READY_PING_TIMEOUT_MS);
      return { ready: redis && !shuttingDown, redis, shuttingDown };
    },
  });

  const app = createIngestApp(context, options.mounts);
  // Bounded request reading (INGEST_REQUEST_TIMEOUT_MS …): a client trickling its body is answered
  // 408 within the timeout plus the checking interval instead of Node's 5 minutes.
  const server = createHttpServer(options.dispatch === 'express' ? app : dispatchEventsFirst(eventsHandler(context), app), config.http);
  answerClientErrors(server, metrics);
  // Longer than common load-balancer idle timeouts (60 s), so the balancer closes idle connections first.
  server.keepAliveTimeout = 65_000;
  const url = await listen(server, env.PORT, env.HOST);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      shuttingDown = true;
      // close() stops accepting and waits for open connections; requests in flight finish and
      // their answers are sent. Idle keep-alive connections are closed as they become idle.
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const bound = Math.max(100, env.SHUTDOWN_TIMEOUT_MS - 2_000);
      const timedOut = await Promise.race([closed.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(true), bound).unref())]);
      clearInterval(sweep);
      if (timedOut) {
        logger.warn('requests still open at the shutdown bound; closing their connections', { boundMs: bound });
        server.closeAllConnections();
      }
      await Promise.all(enrichQueues.map((queue) => queue.close().catch(() => undefined)));
      await closeRedis(producer);
    })());

  logger.info('ready', {
    url,
    prefix: env.QUEUE_PREFIX,
    ...(layout.count > 1 ? { queuePartitions: layout.count } : {}),
    tenants: tenants.ids().length,
    bodyLimitBytes: env.INGEST_BODY_LIMIT_BYTES,
    requestTimeoutMs: config.http.requestTimeoutMs,
    headersTimeoutMs: config.http.headersTimeoutMs,
  });
  return { url, server, context, stop };
}
