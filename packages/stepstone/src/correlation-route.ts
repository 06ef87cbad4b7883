import type { ServerResponse } from 'node:http';
import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { HttpHandler, Logger, PartnerIngestContext, RedisConnection, RedisConnection as Redis } from '@status-bridge/core';
import { AtsiApplicationIdStore, ICIMS_ID_PATTERN } from './application-ids';
import { UUID_PATTERN } from './message';

/**
 * Correlation records for ATS set-ups that keep StepStone's AtsiApplicationId outside iCIMS:
 *   PUT    /stepstone/applications/{customerId}/{systemId}  {"atsiApplicationId":"<uuid>"} → 201 new, 200 updated/unchanged
 *   GET    /stepstone/applications/{customerId}/{systemId}  → 200 record, 404
 *   DELETE /stepstone/applications/{customerId}/{systemId}  → 204, 404
 * Authenticated with that customer's inbound credentials (the same as POST /icims/events);
 * errors in the iCIMS error shape. The enrichment worker reads these records when the tenant's
 * workflow has no AtsiApplicationId field.
 */
export const STEPSTONE_APPLICATIONS_PATH = '/stepstone/applications/:customerId/:systemId';

type Answer = { status: number; userMessage: string; debugErrorMessage: string; headers?: Record<string, string> };

const ANSWERS = {
  badIds: { status: 400, userMessage: 'The request could not be processed: customerId and systemId must be iCIMS ids (digits).', debugErrorMessage: 'customerId and systemId path segments must be digits' },
  badBody: {
    status: 400,
    userMessage: 'The request could not be processed: the body must be {"atsiApplicationId": "<StepStone application UUID>"}.',
    debugErrorMessage: 'body must be a JSON object with exactly one field, atsiApplicationId, holding a UUID',
  },
  notFound: { status: 404, userMessage: 'No StepStone application id is stored for this application.', debugErrorMessage: 'no correlation record for this customerId and systemId' },
  unavailable: {
    status: 503,
    userMessage: 'The record could not be stored right now because of a temporary problem on our side. Please try again in a few minutes.',
    debugErrorMessage: 'Redis did not answer',
    headers: { 'retry-after': '30' },
  },
} satisfies Record<string, Answer>;

export interface StepStoneApplicationsDeps {
  store: AtsiApplicationIdStore;
  /** Per-tenant inbound auth, customerId from the path (ingest's requireInboundAuth). */
  requireInboundAuth: (customerIdParam?: string) => HttpHandler;
  /** Ingest's answer in iCIMS's error standard. */
  answerError: PartnerIngestContext['answerError'];
  logger: Logger;
  /** Resolves when the store can take commands; rejects (→ 503) when it cannot soon. */
  ready?: () => Promise<void>;
}

export function createStepStoneApplicationsRouter(deps: StepStoneApplicationsDeps): Router {
  const router = Router();
  const send = (res: ServerResponse, answer: Answer): void => {
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    deps.answerError(res, answer.status, answer.userMessage, answer.debugErrorMessage);
  };
  const checkIds: RequestHandler = (req, res, next) => {
    if (ICIMS_ID_PATTERN.test(String(req.params.customerId)) && ICIMS_ID_PATTERN.test(String(req.params.systemId))) return next();
    send(res, ANSWERS.badIds);
  };
  const ids = (req: Request) => ({ customerId: String(req.params.customerId), systemId: String(req.params.systemId) });
  // Redis trouble → 503: the caller (iCIMS or an admin script) can retry; nothing half-written.
  const guarded =
    (handler: (req: Request, res: Response) => Promise<void>): RequestHandler =>
    (req: Request, res: Response, _next: NextFunction) => {
      Promise.resolve(deps.ready?.())
        .then(() => handler(req, res))
        .catch((error: Error) => {
        deps.logger.warn('stepstone correlation record: store unavailable', { ...ids(req), error: error.message });
        if (!res.headersSent) send(res, ANSWERS.unavailable);
      });
    };
  const readJson = express.json({ limit: '2kb', strict: true, type: () => true });
  const badJson = (error: Error, _req: Request, res: Response, next: NextFunction): void => {
    if ((error as { status?: number }).status === 413 || (error as { type?: string }).type) return send(res, ANSWERS.badBody);
    next(error);
  };

  router.put(
    STEPSTONE_APPLICATIONS_PATH,
    checkIds,
    deps.requireInboundAuth(),
    readJson,
    badJson,
    guarded(async (req, res) => {
      const body = req.body as unknown;
      const atsiApplicationId = (body as { atsiApplicationId?: unknown } | null)?.atsiApplicationId;
      const onlyField = typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 1;
      if (!onlyField || typeof atsiApplicationId !== 'string' || !UUID_PATTERN.test(atsiApplicationId)) {
        send(res, ANSWERS.badBody);
        return;
      }
      const outcome = await deps.store.put({ ...ids(req), atsiApplicationId });
      deps.logger.info('stepstone correlation record stored', { ...ids(req), outcome });
      res.status(outcome === 'created' ? 201 : 200).set('cache-control', 'no-store').json({ ...ids(req), atsiApplicationId: atsiApplicationId.toLowerCase(), outcome });
    }),
  );

  router.get(
    STEPSTONE_APPLICATIONS_PATH,
    checkIds,
    deps.requireInboundAuth(),
    guarded(async (req, res) => {
      const atsiApplicationId = await deps.store.get(ids(req).customerId, ids(req).systemId);
      if (!atsiApplicationId) return send(res, ANSWERS.notFound);
      res.status(200).set('cache-control', 'no-store').json({ ...ids(req), atsiApplicationId });
    }),
  );

  router.delete(
    STEPSTONE_APPLICATIONS_PATH,
    checkIds,
    deps.requireInboundAuth(),
    guarded(async (req, res) => {
      const removed = await deps.store.delete(ids(req).customerId, ids(req).systemId);
      if (!removed) return send(res, ANSWERS.notFound);
      deps.logger.info('stepstone correlation record deleted', ids(req));
      res.status(204).end();
    }),
  );
  return router;
}

// The producer connection has no offline queue (a command while it is not connected fails at
// once); right after start or a reconnect it may still be connecting, so wait for it, briefly.
const READY_WAIT_MS = 1_000;

function whenReady(redis: RedisConnection): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`Redis not ready (${redis.status})`));
    }, READY_WAIT_MS);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/**
 * The partner's ingest routes (PartnerDefinition.ingestRoutes). `context.redis` is ingest's producer
 * connection: no offline queue, so a request while Redis is down fails fast (503).
 */
export function stepstoneIngestRoutes(context: PartnerIngestContext): HttpHandler[] {
  const { redis } = context;
  const router = createStepStoneApplicationsRouter({
    store: new AtsiApplicationIdStore(redis, context.prefix),
    ready: () => whenReady(redis),
    requireInboundAuth: context.requireInboundAuth,
    answerError: context.answerError,
    logger: context.logger,
  });
  // An Express Router is a node:http handler; Express adds req.params when ingest's app runs it.
  return [router as unknown as HttpHandler];
}
