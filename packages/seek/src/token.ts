import { createHash } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import type { RedisConnection, RedisConnection as Redis } from '@status-bridge/core';
import { parseRetryAfter, PermanentError, RateLimitedError, RetryableError, SharedTokenCache, trimPartnerMessage, USER_AGENT } from '@status-bridge/core';

/**
 * SEEK partner token (OAuth 2.0 client credentials, developer.seek.com/auth/partner-tokens):
 * POST JSON {audience, client_id, client_secret, grant_type} and get
 * {access_token, expires_in, token_type}. There is no refresh token.
 *
 * SEEK: "Partner tokens must be cached for the number of seconds specified in the response's
 * expires_in ... it cannot be hardcoded". The cache lives in Redis so every worker process shares
 * one token, and lives `expires_in` minus a margin ("leaving a reasonable buffer of around a
 * minute"): core's SharedTokenCache (single-flight in the process and across processes through a
 * SET NX lock, one margin rule shared with the iCIMS client).
 */
export interface SeekTokenSource {
  /** A partner token, from the cache or freshly requested. */
  get(): Promise<string>;
  /** Drops `rejected` from the cache (only if it is still the cached one), after SEEK answered UNAUTHENTICATED. */
  invalidate(rejected: string): Promise<void>;
}

export interface SeekTokenCacheOptions {
  redis: RedisConnection;
  /** Queue prefix; the cache key lives under it (core `ownKey`). */
  prefix: string;
  tokenUrl: string;
  audience: string;
  clientId: string;
  clientSecret: string;
  /** Seconds taken off `expires_in` (default 60; at most half of it). */
  marginSeconds?: number;
  /** Timeout of one token request (default 10 s). */
  timeoutMs?: number;
  http?: AxiosInstance;
  /** Called after each token request (for logs/metrics); never receives the token. */
  onTokenRequest?: (event: { outcome: 'issued' | 'failed'; expiresInSeconds?: number; cachedForMs?: number; httpStatus?: number }) => void;
}

export class SeekTokenCache implements SeekTokenSource {
  private readonly http: AxiosInstance;
  private readonly scope: string;
  private readonly timeoutMs: number;
  private readonly cache: SharedTokenCache;

  constructor(private readonly options: SeekTokenCacheOptions) {
    this.http = options.http ?? axios.create();
    this.timeoutMs = options.timeoutMs ?? 10_000;
    // One cache per (token endpoint, audience, client): the Playground audience gets its own token.
    // The key holds no secret, only a digest of public identifiers.
    this.scope = createHash('sha256').update(`${options.tokenUrl}\n${options.audience}\n${options.clientId}`).digest('hex').slice(0, 16);
    this.cache = new SharedTokenCache({
      redis: options.redis,
      prefix: options.prefix,
      namespace: 'seek',
      label: 'SEEK partner token',
      marginSeconds: options.marginSeconds ?? 60,
      // The lock outlives one token request, so a crashed holder frees it by expiry.
      lockTtlMs: this.timeoutMs + 5_000,
    });
  }

  /** Redis key of the cached token (tests read its TTL). */
  get cacheKey(): string {
    return this.cache.tokenKey(this.scope);
  }

  get(): Promise<string> {
    return this.cache.get(
      this.scope,
      async () => {
        const { accessToken, expiresIn } = await this.request();
        return { accessToken, expiresInSeconds: expiresIn };
      },
      (token, cachedForMs) => this.options.onTokenRequest?.({ outcome: 'issued', expiresInSeconds: token.expiresInSeconds, cachedForMs }),
    );
  }

  async invalidate(rejected: string): Promise<void> {
    await this.cache.invalidate(this.scope, rejected);
  }

  private async request(): Promise<{ accessToken: string; expiresIn: number }> {
    const { tokenUrl, audience, clientId, clientSecret } = this.options;
    let response;
    try {
      response = await this.http.post(
        tokenUrl,
        { audience, client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' },
        {
          timeout: this.timeoutMs,
          signal: AbortSignal.timeout(this.timeoutMs),
          headers: { 'Content-Type': 'application/json', 'User-Agent': USER_AGENT },
          validateStatus: () => true,
          // The body carries the secret: never follow a redirect to another host with it.
          maxRedirects: 0,
        },
      );
    } catch (error) {
      // Our abort signal only fires on the timeout.
      const raw = (error as { code?: string }).code;
      const code = raw === 'ERR_CANCELED' ? 'ETIMEDOUT' : raw;
      this.options.onTokenRequest?.({ outcome: 'failed' });
      throw new RetryableError(`SEEK token request failed: ${code ?? (error as Error).message}`, { partner: 'seek', code: code ?? 'NETWORK_ERROR' });
    }
    const body = (response.data ?? {}) as { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
    const httpStatus = response.status;
    if (httpStatus >= 200 && httpStatus < 300 && typeof body.access_token === 'string' && body.access_token !== '') {
      return { accessToken: body.access_token, expiresIn: Number(body.expires_in) };
    }
    this.options.onTokenRequest?.({ outcome: 'failed', httpStatus });
    const partnerMessage = trimPartnerMessage(body.error_description ?? body.error ?? undefined);
    const details = { partner: 'seek' as const, httpStatus, code: typeof body.error === 'string' ? body.error : undefined, partnerMessage };
    const retryAfterMs = parseRetryAfter(response.headers['retry-after'] as string | undefined);
    if ((httpStatus === 429 || httpStatus === 503) && retryAfterMs !== undefined) throw new RateLimitedError('SEEK token endpoint asked us to wait', details, retryAfterMs);
    if (httpStatus === 429 || httpStatus >= 500 || (httpStatus >= 200 && httpStatus < 300)) {
      throw new RetryableError(`SEEK token endpoint answered HTTP ${httpStatus}`, details);
    }
    // 400/401/403: the credentials or audience are wrong; retrying sends the same ones.
    throw new PermanentError(`SEEK token endpoint rejected the partner credentials (HTTP ${httpStatus}); check SEEK_CLIENT_ID, SEEK_CLIENT_SECRET and SEEK_AUDIENCE`, details);
  }
}
