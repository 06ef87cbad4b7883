import type { RedisConnection } from '@status-bridge/core';
import { ownKey } from '@status-bridge/core';
import { UUID_PATTERN } from './message';

export { UUID_PATTERN };

/**
 * Correlation records: (iCIMS customerId, workflow systemId) → StepStone AtsiApplicationId, for
 * ATS set-ups that keep the id outside iCIMS. Written by the authenticated
 * `PUT /stepstone/applications/{customerId}/{systemId}` on ingest and by `npm run import:stepstone`;
 * read by the enrichment worker. One Redis hash per customer, no TTL: the record must live as long
 * as the application does (Redis runs with AOF and noeviction).
 */
export const ICIMS_ID_PATTERN = /^[0-9]{1,20}$/;

export type PutOutcome = 'created' | 'updated' | 'unchanged';

export interface CorrelationRecord {
  customerId: string;
  systemId: string;
  atsiApplicationId: string;
}

/** Problems with one record (empty: valid). Used by the route and the CSV import alike. */
export function validateCorrelationRecord(record: { customerId?: unknown; systemId?: unknown; atsiApplicationId?: unknown }): string[] {
  const problems: string[] = [];
  if (typeof record.customerId !== 'string' || !ICIMS_ID_PATTERN.test(record.customerId)) problems.push('customerId must be digits');
  if (typeof record.systemId !== 'string' || !ICIMS_ID_PATTERN.test(record.systemId)) problems.push('systemId must be digits');
  if (typeof record.atsiApplicationId !== 'string' || !UUID_PATTERN.test(record.atsiApplicationId)) problems.push('atsiApplicationId must be a UUID');
  return problems;
}

// HGET + HSET in one step, so concurrent writers get a truthful created/updated/unchanged.
const PUT = `
local previous = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if not previous then return 1 end
if previous == ARGV[2] then return 0 end
return 2
`;
const OUTCOMES: Record<number, PutOutcome> = { 0: 'unchanged', 1: 'created', 2: 'updated' };

export class AtsiApplicationIdStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
  ) {}

  key(customerId: string): string {
    return ownKey(this.prefix, 'stepstone', 'application-ids', customerId);
  }

  async get(customerId: string, systemId: string): Promise<string | undefined> {
    return (await this.redis.hget(this.key(customerId), systemId)) ?? undefined;
  }

  /** Stores one record; returns true when it was new or changed. */
  async set(customerId: string, systemId: string, atsiApplicationId: string): Promise<boolean> {
    return (await this.put({ customerId, systemId, atsiApplicationId })) !== 'unchanged';
  }

  /** Stores one record (validated; the id is kept lower-case) and says what changed. */
  async put(record: CorrelationRecord): Promise<PutOutcome> {
    const problems = validateCorrelationRecord(record);
    if (problems.length > 0) throw new Error(`invalid correlation record: ${problems.join('; ')}`);
    const result = await this.redis.eval(PUT, 1, this.key(record.customerId), record.systemId, record.atsiApplicationId.toLowerCase());
    return OUTCOMES[Number(result)];
  }

  /** Stores many records in pipelined batches; returns the count per outcome. Records must be valid. */
  async putMany(records: readonly CorrelationRecord[], batchSize = 500): Promise<Record<PutOutcome, number>> {
    const counts: Record<PutOutcome, number> = { created: 0, updated: 0, unchanged: 0 };
    for (const record of records) {
      const problems = validateCorrelationRecord(record);
      if (problems.length > 0) throw new Error(`invalid correlation record: ${problems.join('; ')}`);
    }
    for (let start = 0; start < records.length; start += batchSize) {
      const pipeline = this.redis.pipeline();
      for (const record of records.slice(start, start + batchSize)) {
        pipeline.eval(PUT, 1, this.key(record.customerId), record.systemId, record.atsiApplicationId.toLowerCase());
      }
      const results = (await pipeline.exec()) ?? [];
      for (const [error, result] of results) {
        if (error) throw error;
        counts[OUTCOMES[Number(result)]] += 1;
      }
    }
    return counts;
  }

  async delete(customerId: string, systemId: string): Promise<boolean> {
    return (await this.redis.hdel(this.key(customerId), systemId)) > 0;
  }
}
