import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Our OAuth 2.0 access tokens: stateless and HMAC-signed with INGEST_TOKEN_SECRET, so every
 * ingest replica that shares the secret verifies a token any replica issued, without Redis.
 *
 * Format: `sb1.<base64url(JSON claims)>.<base64url(HMAC-SHA256(secret, "sb1." + claims))>`.
 * The claims name the client and the customerIds it was issued for, so a token obtained with
 * customer A's client credentials never admits an event for customer B.
 */
export interface AccessTokenClaims {
  /** OAuth client id the token was issued to. */
  cid: string;
  /** customerIds the token admits; "*" = every tenant that uses the partner-wide default credentials. */
  cus: string[];
  /** Issued at / expires at, seconds since the epoch. */
  iat: number;
  exp: number;
}

export const DEFAULT_CUSTOMERS = '*';
const VERSION = 'sb1';

export class AccessTokens {
  constructor(
    private readonly secret: string,
    readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  issue(clientId: string, customerIds: string[]): { accessToken: string; expiresIn: number } {
    const iat = Math.floor(this.now() / 1000);
    const claims: AccessTokenClaims = { cid: clientId, cus: customerIds, iat, exp: iat + this.ttlSeconds };
    const body = `${VERSION}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
    return { accessToken: `${body}.${this.sign(body).toString('base64url')}`, expiresIn: this.ttlSeconds };
  }

  /** The claims of a genuine, unexpired token; undefined for anything else. */
  verify(token: string): AccessTokenClaims | undefined {
    const lastDot = token.lastIndexOf('.');
    if (lastDot < 0 || !token.startsWith(`${VERSION}.`)) return undefined;
    const body = token.slice(0, lastDot);
    const signature = Buffer.from(token.slice(lastDot + 1), 'base64url');
    const expected = this.sign(body);
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) return undefined;
    let claims: AccessTokenClaims;
    try {
      claims = JSON.parse(Buffer.from(body.slice(VERSION.length + 1), 'base64url').toString('utf8')) as AccessTokenClaims;
    } catch {
      return undefined;
    }
    if (typeof claims.cid !== 'string' || !Array.isArray(claims.cus) || typeof claims.exp !== 'number') return undefined;
    if (claims.exp * 1000 <= this.now()) return undefined;
    return claims;
  }

  private sign(body: string): Buffer {
    return createHmac('sha256', this.secret).update(body).digest();
  }
}
