import { createHash } from 'node:crypto';
import type { RedisConnection } from '@status-bridge/core';
import { ownKey } from '@status-bridge/core';
import type { IcimsRecord } from './records';

/**
 * Job profiles change rarely and many events share one job, so the job's fields are cached in
 * Redis (shared by every worker process) for ICIMS_JOB_CACHE_TTL_SECONDS: with repeating jobs an
 * event then costs 2 iCIMS requests (workflow, person) instead of 3. The key includes the field
 * list, so a tenant config change (another position field) does not read a stale shape.
 * A job profile holds no candidate data.
 */
export class JobProfileCache {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  get enabled(): boolean {
    return this.ttlSeconds > 0;
  }

  key(customerId: string, jobId: string, fields: readonly string[]): string {
    const shape = createHash('sha256').update([...fields].sort().join(',')).digest('hex').slice(0, 12);
    return ownKey(this.prefix, 'icims', 'job', customerId, jobId, shape);
  }

  async get(customerId: string, jobId: string, fields: readonly string[]): Promise<IcimsRecord | undefined> {
    if (!this.enabled) return undefined;
    const text = await this.redis.get(this.key(customerId, jobId, fields));
    if (!text) return undefined;
    try {
      return JSON.parse(text) as IcimsRecord;
    } catch {
      return undefined;
    }
  }

  async set(customerId: string, jobId: string, fields: readonly string[], record: IcimsRecord): Promise<void> {
    if (!this.enabled) return;
    await this.redis.set(this.key(customerId, jobId, fields), JSON.stringify(record), 'EX', this.ttlSeconds);
  }
}
