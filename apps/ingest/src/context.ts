import type { RequestHandler, Router } from 'express';
import type { Logger, Tenants } from '@status-bridge/core';
import type { RedisConnection } from '@status-bridge/core';
import type { ContractQueue } from '@status-bridge/partners';
import type { InboundAuth } from './auth/inbound';
import { requireInboundAuth } from './auth/middleware';
import type { OAuthClients } from './auth/oauth-clients';
import type { AccessTokens } from './auth/token';
import type { IngestEnv } from './config';
import type { Enqueuer } from './enqueue';
import type { EventLinkGate } from './link-check';
import type { IngestMetrics } from './metrics';
import type { HealthDeps } from './routes/health';

/*
 * The ingest context and the shape of an extra router, in their own module: the app, its routes
 * and the server all import these, and none of them imports the app (no import circle).
 */

/** Everything a route of the ingest app may use. */
export interface IngestContext {
  env: IngestEnv;
  tenants: Tenants;
  logger: Logger;
  metrics: IngestMetrics;
  inboundAuth: InboundAuth;
  oauthClients: OAuthClients;
  tokens?: AccessTokens;
  /** The `enrich` queue of partition 0 (QUEUE_PREFIX); with QUEUE_PARTITIONS > 1 the enqueuer routes to each partition's. */
  enrichQueue: ContractQueue<'enrich'>;
  /** Redis for our own keys (partners' records, e.g. correlation records): ingest's producer connection, fails fast while Redis is down. */
  redis?: RedisConnection;
  enqueuer: Enqueuer;
  linkGate: EventLinkGate;
  isReady: HealthDeps['isReady'];
  /** Middleware: the same per-tenant inbound credentials as POST /icims/events, customerId from a path parameter. */
  requireInboundAuth(customerIdParam?: string): RequestHandler;
}

/** An extra router built from the context (default: every partner's ingest routes, routes/partner-routes.ts). */
export type RouterMount = (context: IngestContext) => Router;

export type IngestContextInput = Omit<IngestContext, 'requireInboundAuth'>;

export function buildContext(input: IngestContextInput): IngestContext {
  return { ...input, requireInboundAuth: (param = 'customerId') => requireInboundAuth(input.inboundAuth, input.logger, param) };
}

