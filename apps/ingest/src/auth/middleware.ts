import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from '@status-bridge/core';
import { REPLIES, send } from '../responses';
import type { InboundAuth } from './inbound';

/**
 * Express middleware for other routes iCIMS calls with the SAME per-tenant inbound credentials,
 * where the customerId is a path parameter (e.g. a partner's correlation records, PartnerDefinition.ingestRoutes).
 * Answers 401 (wrong or another customer's credentials) or 400 (no such tenant) in the iCIMS
 * error shape; on success sets `res.locals.customerId`.
 */
export function requireInboundAuth(inboundAuth: InboundAuth, logger: Logger, customerIdParam = 'customerId'): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const raw = req.params[customerIdParam];
    const customerId = typeof raw === 'string' ? raw : '';
    const decision = /^[0-9]{1,20}$/.test(customerId)
      ? inboundAuth.authorize(req.headers.authorization, customerId, { headers: req.headers })
      : 'denied';
    if (decision === 'admitted') {
      res.locals.customerId = customerId;
      return next();
    }
    logger.warn('request rejected', { path: req.route?.path ?? req.path, customerId: customerId || undefined, reason: decision });
    send(res, decision === 'unknown-tenant' ? REPLIES.unknownTenant : REPLIES.unauthorized);
  };
}
