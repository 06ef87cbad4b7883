import { createHash } from 'node:crypto';
import type { AxiosInstance } from 'axios';
import { PermanentError, RateLimitedError, RetryableError, parseRetryAfter, type PartnerError } from '@status-bridge/core';
import { icimsErrorMessage } from './classify';
import type { FetchedToken } from '@status-bridge/core';

/** How we authenticate to one tenant's iCIMS API: resolved config with the secret loaded. */
export type IcimsCredentials =
  | { type: 'oauth'; clientId: string; clientSecret: string; tokenUrl: string; audience: string }
  | { type: 'basic'; username: string; password: string };

/** Token cache id: tenant plus a hash of where and as whom the token was issued (a config change gets a new token). */
export function tokenCacheId(tenantId: string, credentials: Extract<IcimsCredentials, { type: 'oauth' }>): string {
  const issuer = createHash('sha256').update(JSON.stringify([credentials.tokenUrl, credentials.clientId, credentials.audience])).digest('hex').slice(0, 12);
  return `${tenantId}:${issuer}`;
}

export function basicHeader(credentials: Extract<IcimsCredentials, { type: 'basic' }>): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
}

/**
 * OAuth 2.0 client credentials against the iCIMS authorization server (docs/partners/icims.md#authentication: form POST
 * with grant_type, client_id, client_secret and `audience`; regional hosts differ, so the URL is
 * configured). Errors never carry the secret or the token.
 */
export async function fetchClientCredentialsToken(
  http: AxiosInstance,
  tenantId: string,
  credentials: Extract<IcimsCredentials, { type: 'oauth' }>,
): Promise<FetchedToken> {
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: credentials.clientId,
    client_secret: credentials.clientSecret,
    audience: credentials.audience,
  });
  const details = { partner: 'icims' as const, tenantId };
  let response;
  try {
    response = await http.post(credentials.tokenUrl, form.toString(), { headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new RetryableError(`could not reach the iCIMS token endpoint (${typeof code === 'string' ? code : 'network error'})`, { ...details, code: typeof code === 'string' ? code : undefined });
  }
  const { status, data } = response;
  if (status >= 200 && status < 300) {
    const token = (data as { access_token?: unknown; expires_in?: unknown } | null) ?? {};
    if (typeof token.access_token !== 'string' || token.access_token === '') {
      throw new RetryableError('the iCIMS token endpoint answered without an access_token', { ...details, httpStatus: status });
    }
    const expires = Number(token.expires_in);
    // pyicims: tokens live 24 h; without expires_in assume one hour.
    return { accessToken: token.access_token, expiresInSeconds: Number.isFinite(expires) && expires > 0 ? expires : 3600 };
  }
  const said = icimsErrorMessage(data, response.headers as Record<string, unknown>);
  const oauthError = typeof (data as { error?: unknown } | null)?.error === 'string' ? String((data as { error: string }).error) : undefined;
  const withSaid = { ...details, httpStatus: status, code: said.code ?? oauthError, partnerMessage: said.message };
  let error: PartnerError;
  if (status === 429) {
    error = new RateLimitedError('the iCIMS token endpoint asked to slow down (429)', withSaid, parseRetryAfter(String(response.headers['retry-after'] ?? '')) ?? 60_000);
  } else if (status === 408 || status >= 500) {
    error = new RetryableError(`the iCIMS token endpoint answered ${status}`, withSaid);
  } else {
    error = new PermanentError(`the iCIMS token endpoint rejected the client credentials of tenant ${tenantId} (HTTP ${status}); check tenants.${tenantId}.icims.auth and its secret`, withSaid);
  }
  throw error;
}
