import type { RedisConnection } from '@status-bridge/core';
import { ownKey } from '@status-bridge/core';
import type { UploadedCandidateIds } from './types';

/**
 * Our own SEEK records in Redis. SEEK offers no lookup of an uploaded candidate by email or by
 * our id (the schema's queries take SEEK ids only), so the ids it assigns are kept here
 * ("Keep track of the IDs assigned to the candidate, their profile and their interaction
 * history", developer.seek.com sharing-a-candidate). One hash per tenant and kind, no TTL: a
 * record must live as long as the candidate does (Redis runs with AOF and noeviction).
 *
 *  - candidates: iCIMS personId → {documentId, profileId, hirerId}
 *  - positions:  iCIMS jobId    → SEEK position profile id
 *  - items:      idempotencyId  → {itemId, profileId} (for a later update or delete)
 */
export interface CandidateRecord extends UploadedCandidateIds {
  /** The hirer the candidate was uploaded for; a record made for another hirer id is not reused. */
  hirerId: string;
}

export interface ItemRecord {
  itemId: string;
  profileId: string;
}

export class SeekRecords {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  private key(kind: 'candidates' | 'positions' | 'items', tenantId: string): string {
    return ownKey(this.prefix, 'seek', kind, tenantId);
  }

  async getCandidate(tenantId: string, personId: string): Promise<CandidateRecord | undefined> {
    return parse<CandidateRecord>(await this.redis.hget(this.key('candidates', tenantId), personId));
  }

  async setCandidate(tenantId: string, personId: string, record: CandidateRecord): Promise<void> {
    await this.redis.hset(this.key('candidates', tenantId), personId, JSON.stringify(record));
  }

  async getPosition(tenantId: string, jobId: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key('positions', tenantId), jobId)) ?? undefined;
  }

  async setPosition(tenantId: string, jobId: string, positionProfileId: string): Promise<void> {
    await this.redis.hset(this.key('positions', tenantId), jobId, positionProfileId);
  }

  async getItem(tenantId: string, idempotencyId: string): Promise<ItemRecord | undefined> {
    return parse<ItemRecord>(await this.redis.hget(this.key('items', tenantId), idempotencyId));
  }

  /**
   * The job's position profile id and the person's candidate record in ONE round trip (a
   * pipeline of the two HGETs): a delivery needs both, and they were two round trips in a row.
   */
  async getPositionAndCandidate(tenantId: string, jobId: string, personId: string): Promise<{ position?: string; candidate?: CandidateRecord }> {
    const answers = (await this.redis.pipeline().hget(this.key('positions', tenantId), jobId).hget(this.key('candidates', tenantId), personId).exec()) ?? [];
    const [[positionError, position], [candidateError, candidate]] = answers as [[Error | null, string | null], [Error | null, string | null]];
    if (positionError) throw positionError;
    if (candidateError) throw candidateError;
    return { position: position ?? undefined, candidate: parse<CandidateRecord>(candidate) };
  }

  async setItem(tenantId: string, idempotencyId: string, record: ItemRecord): Promise<void> {
    await this.redis.hset(this.key('items', tenantId), idempotencyId, JSON.stringify(record));
  }
}

function parse<T>(text: string | null): T | undefined {
  if (text === null) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}
