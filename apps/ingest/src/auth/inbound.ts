import type { InboundAuthConfig, Tenants } from '@status-bridge/core';
import type { AuthRequestContext, Authenticator } from './authenticator';

/** A credential the Authorization header carried, with the authenticator that understood it. */
export interface PresentedCredential {
  authenticator: Authenticator;
  credential: unknown;
}

export type AuthDecision =
  /** The credential admits events for this customer. */
  | 'admitted'
  /** A known caller (its credential matches some configured set) named a customerId we have no tenant for. */
  | 'unknown-tenant'
  /** Wrong credentials, or another customer's credentials. */
  | 'denied';

/**
 * Inbound authentication for every route iCIMS calls: credentials per customerId with the
 * partner-wide `defaultInbound` as fallback (docs/partners/icims.md#authentication: iCIMS configures event
 * credentials per customer platform; a per-customer lookup with a default is the safe design).
 */
export class InboundAuth {
  private readonly byScheme: Map<string, Authenticator>;
  private readonly allInbound: InboundAuthConfig[];

  constructor(
    private readonly tenants: Tenants,
    authenticators: Authenticator[],
  ) {
    this.byScheme = new Map(authenticators.map((authenticator) => [authenticator.scheme, authenticator]));
    this.allInbound = [tenants.file.defaultInbound, ...tenants.ids().map((id) => tenants.get(id)?.inbound)].filter(
      (inbound): inbound is InboundAuthConfig => inbound !== undefined,
    );
  }

  /** Step 1, before the body is read: undefined when the header is missing, malformed or of an unknown scheme. */
  present(authorization: string | undefined): PresentedCredential | undefined {
    if (!authorization) return undefined;
    const space = authorization.indexOf(' ');
    if (space <= 0) return undefined;
    const authenticator = this.byScheme.get(authorization.slice(0, space).toLowerCase());
    if (!authenticator) return undefined;
    const credential = authenticator.parse(authorization.slice(space + 1));
    return credential === undefined ? undefined : { authenticator, credential };
  }

  /** Step 2, once the customerId is known. */
  decide(presented: PresentedCredential, customerId: string, context: AuthRequestContext): AuthDecision {
    const { authenticator, credential } = presented;
    if (!this.tenants.get(customerId)) {
      // Tell a caller with valid credentials that this customer is not set up (actionable); tell
      // anyone else only 401, so customerIds cannot be probed without credentials.
      const known = this.allInbound.some((inbound) => authenticator.identifies(credential, inbound));
      return known ? 'unknown-tenant' : 'denied';
    }
    const inbound = this.tenants.inboundFor(customerId);
    if (!inbound) return 'denied';
    return authenticator.admits(credential, customerId, inbound, context) ? 'admitted' : 'denied';
  }

  /** Both steps at once, for routes whose customerId is in the path (no body needed). */
  authorize(authorization: string | undefined, customerId: string, context: AuthRequestContext): AuthDecision {
    const presented = this.present(authorization);
    return presented ? this.decide(presented, customerId, context) : 'denied';
  }
}
