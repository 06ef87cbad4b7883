import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { InboundAuthConfig } from '@status-bridge/core';

/** What an authenticator may look at besides the Authorization header. */
export interface AuthRequestContext {
  headers: IncomingHttpHeaders;
  /** The body as received (before inflation); absent when the check runs before the body is read. */
  rawBody?: Buffer;
}

/**
 * One way iCIMS can authenticate itself when it calls us (iCIMS offers Basic, OAuth 2.0 and
 * HMAC for event notifications: developer.icims.com "Integration Events Best Practices").
 *
 * The check runs in two steps because the tenant is named in the body: `parse` looks at the
 * header alone, before the body is read (a missing or malformed credential is a 401 at once);
 * `admits` decides, once the customerId is known, whether the credential is one of that
 * customer's (or the partner-wide default's) credentials.
 *
 * Adding iCIMS's HMAC scheme (`Authorization: x-icims-v1-hmac-sha256 user=...,signedheaders=...,signature=...`)
 * means one more implementation with scheme "x-icims-v1-hmac-sha256" whose `admits` recomputes the
 * signature from `context.headers` and `context.rawBody`. Its string-to-sign and key derivation are
 * not public (docs/partners/icims.md#authentication), so it is not implemented.
 */
export interface Authenticator<Credential = unknown> {
  /** Lower-case scheme token of the Authorization header it handles, e.g. "basic", "bearer". */
  readonly scheme: string;
  /** Checks what the header alone can show; undefined means 401 before the body is read. */
  parse(parameters: string): Credential | undefined;
  /** True when the credential is the one configured in `inbound` (no customer check yet). */
  identifies(credential: Credential, inbound: InboundAuthConfig): boolean;
  /** True when the credential admits events for `customerId`, whose inbound settings are `inbound`. */
  admits(credential: Credential, customerId: string, inbound: InboundAuthConfig, context: AuthRequestContext): boolean;
}

/**
 * SHA-256 of a secret or presented value. Comparing fixed-length digests with timingSafeEqual
 * takes the same time whatever the inputs' lengths and contents, so neither leaks.
 */
export function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function sameDigest(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
