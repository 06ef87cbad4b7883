import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { IngestContext, RouterMount } from './context';
import { REPLIES, send } from './responses';
import { createEventsHandler, EVENTS_PATH } from './routes/events';
import { createHealthRouter } from './routes/health';
import { createTokenRouter } from './routes/oauth-token';
import { partnerRoutes } from './routes/partner-routes';

export { buildContext, type IngestContext, type IngestContextInput, type RouterMount } from './context';

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

/** Builds the Express app: events, token endpoint, health, then any `mounts` (default: every partner's ingest routes). */
export function createIngestApp(context: IngestContext, mounts: RouterMount[] = partnerRoutes): Express {
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
