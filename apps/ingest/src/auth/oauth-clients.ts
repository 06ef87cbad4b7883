import type { InboundAuthConfig, Tenants } from '@status-bridge/core';
import { digest, sameDigest } from './authenticator';
import { DEFAULT_CUSTOMERS } from './token';

interface OAuthClientEntry {
  clientId: string;
  secretDigest: Buffer;
  /** customerIds this client's tokens admit ("*" for the partner-wide default). */
  customerId: string;
}

/** The OAuth clients of the tenants file: who may get an access token, and for which customers. */
export class OAuthClients {
  private readonly entries: OAuthClientEntry[] = [];

  constructor(tenants: Tenants) {
    const add = (inbound: InboundAuthConfig | undefined, customerId: string): void => {
      if (!inbound?.oauth) return;
      this.entries.push({ clientId: inbound.oauth.clientId, secretDigest: digest(tenants.secret(inbound.oauth.clientSecretEnv)), customerId });
    };
    add(tenants.file.defaultInbound, DEFAULT_CUSTOMERS);
    for (const customerId of tenants.ids()) add(tenants.get(customerId)?.inbound, customerId);
  }

  get configured(): boolean {
    return this.entries.length > 0;
  }

  /**
   * The customerIds a client id + secret may get a token for; undefined when they match nothing.
   * Every entry with that client id is compared (constant-time digests), so two tenants that
   * share a client id with different secrets each get only their own.
   */
  authenticate(clientId: string, clientSecret: string): string[] | undefined {
    const presented = digest(clientSecret);
    const customerIds: string[] = [];
    for (const entry of this.entries) {
      if (entry.clientId === clientId && sameDigest(presented, entry.secretDigest)) customerIds.push(entry.customerId);
    }
    return customerIds.length > 0 ? customerIds : undefined;
  }
}
