import express, { Router, type Request, type Response } from 'express';
import type { Logger } from '@status-bridge/core';
import type { OAuthClients } from '../auth/oauth-clients';
import type { AccessTokens } from '../auth/token';
import type { IngestMetrics } from '../metrics';

const ROUTE = 'oauth_token';

/** RFC 6749 §5.2 error codes we use. */
type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'unauthorized_client';

export interface TokenRouteDeps {
  clients: OAuthClients;
  /** Absent when no tenant uses OAuth (then every request is invalid_client). */
  tokens?: AccessTokens;
  metrics: IngestMetrics;
  logger: Logger;
}

/** Splits `Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1, client_secret_basic). */
function basicClient(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  try {
    const plus = (text: string): string => decodeURIComponent(text.replace(/\+/g, ' '));
    return { clientId: plus(decoded.slice(0, colon)), clientSecret: plus(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

const stringField = (body: Record<string, unknown>, name: string): string | undefined => (typeof body[name] === 'string' ? (body[name] as string) : undefined);

/**
 * POST /oauth/token: the OAuth 2.0 client-credentials token endpoint iCIMS is given in its OAuth
 * mode (iCIMS "Integration Events Best Practices": access token URL, client id and secret;
 * response `access_token`, `token_type` Bearer, `expires_in`). Accepts client_secret_basic and
 * client_secret_post, form-encoded or JSON bodies.
 */
export function createTokenRouter(deps: TokenRouteDeps): Router {
  const { clients, tokens, metrics, logger } = deps;
  const router = Router();
  const fail = (res: Response, status: number, error: OAuthErrorCode, description: string, basicUsed = false): void => {
    metrics.requests.inc({ route: ROUTE, outcome: error });
    logger.warn('token request refused', { error, detail: description });
    // RFC 6749 §5.2: 401 with WWW-Authenticate when the client tried the Authorization header.
    if (basicUsed) res.setHeader('www-authenticate', 'Basic realm="status-bridge"');
    res.status(status).set('cache-control', 'no-store').set('pragma', 'no-cache').json({ error, error_description: description });
  };

  router.post(
    '/oauth/token',
    express.urlencoded({ extended: false, limit: '8kb' }),
    express.json({ limit: '8kb' }),
    (req: Request, res: Response) => {
      const body = (req.body && typeof req.body === 'object' ? req.body : {}) as Record<string, unknown>;
      const fromHeader = basicClient(req.headers.authorization);
      const postedId = stringField(body, 'client_id');
      const postedSecret = stringField(body, 'client_secret');
      if (fromHeader && postedSecret !== undefined) {
        return fail(res, 400, 'invalid_request', 'use one client authentication method, not both (RFC 6749 section 2.3)');
      }
      const client = fromHeader ?? (postedId !== undefined && postedSecret !== undefined ? { clientId: postedId, clientSecret: postedSecret } : undefined);
      // The client is authenticated first, so only a known client learns about grant types.
      if (!client) return fail(res, 401, 'invalid_client', 'client authentication is required (HTTP Basic or client_id and client_secret)', Boolean(req.headers.authorization));
      const customerIds = tokens ? clients.authenticate(client.clientId, client.clientSecret) : undefined;
      if (!customerIds || !tokens) return fail(res, 401, 'invalid_client', 'unknown client or wrong secret', Boolean(fromHeader));
      const grantType = stringField(body, 'grant_type');
      if (grantType === undefined) return fail(res, 400, 'invalid_request', 'grant_type is required');
      if (grantType !== 'client_credentials') return fail(res, 400, 'unsupported_grant_type', 'only grant_type=client_credentials is supported');
      const { accessToken, expiresIn } = tokens.issue(client.clientId, customerIds);
      metrics.requests.inc({ route: ROUTE, outcome: 'issued' });
      logger.info('access token issued', { clientId: client.clientId, customerIds, expiresIn });
      res.status(200).set('cache-control', 'no-store').set('pragma', 'no-cache').json({ access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn });
    },
  );
  return router;
}
