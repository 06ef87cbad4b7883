import type { BasicCredentialsRef, InboundAuthConfig, Tenants } from '@status-bridge/core';
import { digest, sameDigest, type Authenticator } from './authenticator';

export interface BasicCredential {
  usernameDigest: Buffer;
  passwordDigest: Buffer;
}

interface ExpectedBasic {
  usernameDigest: Buffer;
  passwordDigest: Buffer;
}

/** HTTP Basic (RFC 7617): `Authorization: Basic base64(username:password)`, as in the iCIMS captured example. */
export class BasicAuthenticator implements Authenticator<BasicCredential> {
  readonly scheme = 'basic';
  // Digests of every configured credential, computed once at start: a request costs two SHA-256s.
  private readonly expected = new WeakMap<BasicCredentialsRef, ExpectedBasic>();

  constructor(private readonly tenants: Tenants) {
    const remember = (inbound: InboundAuthConfig | undefined): void => {
      if (!inbound?.basic) return;
      this.expected.set(inbound.basic, {
        usernameDigest: digest(inbound.basic.username),
        passwordDigest: digest(tenants.secret(inbound.basic.passwordEnv)),
      });
    };
    remember(tenants.file.defaultInbound);
    for (const customerId of tenants.ids()) remember(tenants.get(customerId)?.inbound);
  }

  parse(parameters: string): BasicCredential | undefined {
    const encoded = parameters.trim();
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
    const decoded = Buffer.from(encoded, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    return { usernameDigest: digest(decoded.slice(0, colon)), passwordDigest: digest(decoded.slice(colon + 1)) };
  }

  identifies(credential: BasicCredential, inbound: InboundAuthConfig): boolean {
    const expected = inbound.basic ? this.expected.get(inbound.basic) : undefined;
    if (!expected) return false;
    // Both comparisons always run (no short-circuit), so timing does not tell which part was wrong.
    const userOk = sameDigest(credential.usernameDigest, expected.usernameDigest);
    const passwordOk = sameDigest(credential.passwordDigest, expected.passwordDigest);
    return userOk && passwordOk;
  }

  admits(credential: BasicCredential, _customerId: string, inbound: InboundAuthConfig): boolean {
    return this.identifies(credential, inbound);
  }
}
