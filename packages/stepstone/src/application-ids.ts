import type { Redis } from 'ioredis';
import { ownKey } from '@status-bridge/core';

/**
 * Correlation records: (iCIMS customerId, workflow systemId) → StepStone AtsiApplicationId, for
 * ATS set-ups that keep the id outside iCIMS. Written by the authenticated
 * `PUT /stepstone/applications/{customerId}/{systemId}` on ingest and by `npm run import:stepstone`;
 * read by the enrichment worker. One Redis hash per customer, no TTL: the record must live as long
 * as the application does (Redis runs with AOF and noeviction).
 */
export const UUID_PATTERN = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export class AtsiApplicationIdStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(customerId: string): string {
    return ownKey(this.prefix, 'stepstone', 'application-ids', customerId);
  }

  async get(customerId: string, systemId: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key(customerId), systemId)) ?? undefined;
  }

  /** Stores one record; returns true when it was new or changed. */
  async set(customerId: string, systemId: string, atsiApplicationId: string): Promise<boolean> {
    if (!UUID_PATTERN.test(atsiApplicationId)) throw new Error('AtsiApplicationId must be a UUID');
    const previous = await this.redis.hget(this.key(customerId), systemId);
    await this.redis.hset(this.key(customerId), systemId, atsiApplicationId.toLowerCase());
    return previous !== atsiApplicationId.toLowerCase();
  }

  async delete(customerId: string, systemId: string): Promise<boolean> {
    return (await this.redis.hdel(this.key(customerId), systemId)) > 0;
  }
}
