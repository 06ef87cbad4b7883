import { Router, type RequestHandler } from 'express';
import type { HttpHandler, PartnerIngestContext } from '@status-bridge/core';
import { PARTNERS } from '@status-bridge/partners';
import type { IngestContext, RouterMount } from '../context';
import { reply, send } from '../responses';

/**
 * Every partner's extra routes (PartnerDefinition.ingestRoutes, e.g. correlation records a job board
 * needs), mounted on the ingest app. They get the same per-tenant inbound authentication as
 * POST /icims/events, answer errors in iCIMS's shape, and use ingest's producer connection (no
 * offline queue: while Redis is down they fail fast rather than hold the request).
 */
export function partnerIngestContext(context: IngestContext): PartnerIngestContext {
  const { redis } = context;
  if (!redis) throw new Error('partner ingest routes need context.redis');
  return {
    redis,
    prefix: context.env.QUEUE_PREFIX,
    logger: context.logger,
    // An Express middleware; Express provides req.params to it when the partner's router runs it.
    requireInboundAuth: (customerIdParam) => context.requireInboundAuth(customerIdParam) as unknown as HttpHandler,
    answerError: (res, status, userMessage, debugErrorMessage) => send(res, reply(status, 'partner_route_error', userMessage, debugErrorMessage)),
  };
}

export const partnerRoutes: RouterMount[] = PARTNERS.flatMap((partner) => {
  const routes = partner.ingestRoutes;
  if (!routes) return [];
  const mount: RouterMount = (context) => {
    const router = Router();
    for (const handler of routes(partnerIngestContext(context))) router.use(handler as unknown as RequestHandler);
    return router;
  };
  return [mount];
});
