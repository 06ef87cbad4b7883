import express, { type Express, type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import type { ContractQueue, Logger, Tenants } from '@status-bridge/core';
import type { IngestEnv } from './config';
import type { InboundAuth } from './auth/inbound';
import { requireInboundAuth } from './auth/middleware';
import type { OAuthClients } from './auth/oauth-clients';
import type { AccessTokens } from './auth/token';
import type { EnrichEnqueuer } from './enqueue';
import type { EventLinkGate } from './link-check';
import type { IngestMetrics } from './metrics';
import { REPLIES, send } from './responses';
import { createEventsHandler, EVENTS_PATH } from './routes/events';
import { createHealthRouter, type HealthDeps } from './routes/health';
import { createTokenRouter } from './routes/oauth-token';
import { extraRoutes } from './routes/extra';

/** Everything a route of the ingest app may use. */
export interface IngestContext {
  env: IngestEnv;
  tenants: Tenants;
  logger: Logger;
  metrics: IngestMetrics;
  inboundAuth: InboundAuth;
  oauthClients: OAuthClients;
  tokens?: AccessTokens;
  enrichQueue: ContractQueue<'enrich'>;
  /** Redis for our own keys (StepStone correlation records): ingest's producer connection, fails fast while Redis is down. */
  redis?: import('@status-bridge/core').RedisConnection;
  enqueuer: EnrichEnqueuer;
  linkGate: EventLinkGate;
  isReady: HealthDeps['isReady'];
  /** Middleware: the same per-tenant inbound credentials as POST /icims/events, customerId from a path parameter. */
  requireInboundAuth(customerIdParam?: string): RequestHandler;
}

/** An extra router built from the context; see routes/extra.ts. */
export type RouterMount = (context: IngestContext) => Router;

export type IngestContextInput = Omit<IngestContext, 'requireInboundAuth'>;

export function buildContext(input: IngestContextInput): IngestContext {
  return { ...input, requireInboundAuth: (param = 'customerId') => requireInboundAuth(input.inboundAuth, input.logger, param) };
}

/** The POST /icims/events handler for this context (also used by server.ts's direct dispatch). */
export function eventsHandler(context: IngestContext): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void {
  return createEventsHandler({
    inboundAuth: context.inboundAuth,
    enqueuer: context.enqueuer,
    linkGate: context.linkGate,
    metrics: context.metrics,
    logger: context.logger,
    bodyLimitBytes: context.env.INGEST_BODY_LIMIT_BYTES,
    acceptedMessage: context.env.INGEST_ACCEPTED_MESSAGE,
  });
}

/** Builds the Express app: events, token endpoint, health, then any `mounts` (default: routes/extra.ts). */
export function createIngestApp(context: IngestContext, mounts: RouterMount[] = extraRoutes): Express {
  const app = express();
  // No ETag or X-Powered-By: answers are never cached and the header is noise on the hot route.
  app.set('etag', false);
  app.disable('x-powered-by');
  app.post(EVENTS_PATH, eventsHandler(context));
  app.use(createTokenRouter({ clients: context.oauthClients, tokens: context.tokens, metrics: context.metrics, logger: context.logger }));
  app.use(createHealthRouter({ metrics: context.metrics, isReady: context.isReady }));
  for (const mount of mounts) app.use(mount(context));
  app.use((_req: Request, res: Response) => send(res, REPLIES.notFound));
  // Express 5 passes body-parser errors (malformed form/JSON on /oauth/token, 413) and thrown errors here.
  app.use((error: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    if (error.status && error.status >= 400 && error.status < 500) {
      if (req.path === '/oauth/token') {
        res.status(error.status).set('cache-control', 'no-store').json({ error: 'invalid_request', error_description: error.type ?? 'malformed request body' });
      } else {
        send(res, error.status === 413 ? REPLIES.tooLarge : REPLIES.badJson);
      }
      return;
    }
    context.logger.error('request failed', { error: error.message });
    if (!res.headersSent) send(res, REPLIES.internal);
  });
  return app;
}
