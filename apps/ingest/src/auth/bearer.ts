import type { InboundAuthConfig, Tenants } from '@status-bridge/core';
import type { Authenticator } from './authenticator';
import { DEFAULT_CUSTOMERS, type AccessTokenClaims, type AccessTokens } from './token';

/**
 * OAuth 2.0 Bearer (RFC 6750) with tokens from our own POST /oauth/token: iCIMS's OAuth mode
 * has the partner provide the token URL, client id and secret (docs/partners/icims.md#authentication).
 */
export class BearerAuthenticator implements Authenticator<AccessTokenClaims> {
  readonly scheme = 'bearer';

  constructor(
    private readonly tokens: AccessTokens,
    private readonly tenants: Tenants,
  ) {}

  // Signature and expiry need no body: a forged or expired token is a 401 before reading it.
  parse(parameters: string): AccessTokenClaims | undefined {
    const token = parameters.trim();
    if (token === '' || token.length > 4096) return undefined;
    return this.tokens.verify(token);
  }

  identifies(claims: AccessTokenClaims, inbound: InboundAuthConfig): boolean {
    return inbound.oauth !== undefined && inbound.oauth.clientId === claims.cid;
  }

  admits(claims: AccessTokenClaims, customerId: string, inbound: InboundAuthConfig): boolean {
    // The client must still be this customer's client now (a config change revokes it at restart),
    // and the token must have been issued for this customer.
    if (!this.identifies(claims, inbound)) return false;
    const usesDefault = inbound === this.tenants.file.defaultInbound;
    return claims.cus.includes(customerId) || (usesDefault && claims.cus.includes(DEFAULT_CUSTOMERS));
  }
}
