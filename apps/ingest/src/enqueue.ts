import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import { ENRICH_QUEUE, enrichJobId, eventDedupId, type EnrichJob, type RedisConnection } from '@status-bridge/core';
import type { ReplicaAcks } from './replica-acks';

export type EnqueueResult = {
  outcome: 'added' | 'deduplicated';
  jobId: string;
  /** Set when the re-send replaced a job that had failed for good (or was gone): that job's id. */
  replacedJobId?: string;
};

/** What the events route needs: one accepted event stored, or an EnqueueError. */
export interface Enqueuer {
  enqueue(job: EnrichJob, receivedAtMs: number): Promise<EnqueueResult>;
}

export class EnqueueError extends Error {
  constructor(
    readonly reason: 'timeout' | 'redis_error' | 'not_replicated',
    message: string,
  ) {
    super(message);
    this.name = 'EnqueueError';
  }
}

/**
 * Releases a deduplication key whose job can no longer deliver the event, atomically:
 *   KEYS[1] the dedup key (BullMQ 6.7: `<prefix>:enrich:de:<dedupId>`, set by addStandardJob's
 *           deduplicateJob with PX = the window), KEYS[2] the queue's failed set, KEYS[3] the job hash.
 *   ARGV[1] the job id the add was collapsed into.
 * Returns `live` (the job can still deliver: waiting, active, delayed, completed), `released` (it
 * failed for good, or its hash is gone: the key was deleted), or `moved` (the key expired or points
 * at another job meanwhile: nothing deleted). The compare and the delete run in one script, so a
 * key another request has just set for a NEW job is never deleted.
 */
const RELEASE_DEAD_DEDUP_KEY = `
local current = redis.call('GET', KEYS[1])
if current ~= ARGV[1] then return 'moved' end
if redis.call('EXISTS', KEYS[3]) == 0 or redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('DEL', KEYS[1])
  return 'released'
end
return 'live'
`;
const RELEASE_SHA = createHash('sha1').update(RELEASE_DEAD_DEDUP_KEY).digest('hex');

// A re-send re-added after a release can, in a race, be collapsed into yet another dead job;
// a few rounds settle it, more would mean something else is wrong (answered 503, not 200).
const MAX_DEDUP_ROUNDS = 3;

/**
 * Puts one accepted event on the `enrich` queue and resolves only once Redis confirmed it.
 *
 * Guarantee: we answer 200 only after the add returned, so nothing is acknowledged that is not
 * stored. The producer connection has no offline queue, so while Redis is down the add fails at
 * once; the timeout (over all round trips below) covers a Redis that accepts the connection but
 * does not answer. A timed-out add may still have been stored (we answer 503 anyway): iCIMS's
 * re-send, or the recruiter's, is then collapsed by the deduplication key into that job, so it is
 * not processed twice.
 *
 * Deduplication never swallows an event into a job that will not deliver it. The hot path (a new
 * event) is one round trip, as before. Only when the add is answered "deduplicated" does one more
 * round trip look at the existing job:
 * - waiting, active, delayed (still retrying) or completed: the re-send stays collapsed. A delayed
 *   job will deliver the event on its retry; a completed one already did.
 * - failed for good, or gone (removed): its dedup key is released (compare-and-delete) and the
 *   event is added again as a NEW job, answered 200 once Redis stored it. The failed job stays in
 *   the failed set for operators; if one of them also retries it by hand, the transition is
 *   processed twice, which the partners absorb (a current-state partner shows the same status; a
 *   history partner answers the repeat's idempotency id as a duplicate).
 * With `replicaAcks` (ENQUEUE_WAIT_REPLICAS > 0, for Sentinel and Cluster), "stored" also means
 * "on a replica": every add (a deduplicated one too: BullMQ writes an event to the queue's stream,
 * so the WAIT also covers the existing job another connection added) is followed by a WAIT within
 * the same timeout; fewer confirmations → 503, and the same re-send rule applies.
 */
export class EnrichEnqueuer implements Enqueuer {
  constructor(
    private readonly queue: Queue<EnrichJob, unknown, string>,
    /** The connection the queue adds on (ingest's producer: no offline queue, fails fast). */
    private readonly redis: RedisConnection,
    private readonly dedupWindowMs: number,
    private readonly timeoutMs: number,
    private readonly replicaAcks?: ReplicaAcks,
  ) {}

  async enqueue(job: EnrichJob, receivedAtMs: number): Promise<EnqueueResult> {
    const jobId = enrichJobId(job.event, receivedAtMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EnqueueError('timeout', `Redis did not confirm within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      return await Promise.race([this.store(job, jobId), timeout]);
    } catch (error) {
      if (error instanceof EnqueueError) throw error;
      throw new EnqueueError('redis_error', (error as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  private async store(job: EnrichJob, jobId: string): Promise<EnqueueResult> {
    const dedupId = eventDedupId(job.event);
    let replacedJobId: string | undefined;
    for (let round = 0; round < MAX_DEDUP_ROUNDS; round += 1) {
      const existingId = await this.add(job, jobId, dedupId);
      if (existingId === undefined) return { outcome: 'added', jobId, ...(replacedJobId ? { replacedJobId } : {}) };
      const verdict = await this.releaseIfDead(dedupId, existingId);
      if (verdict === 'live') return { outcome: 'deduplicated', jobId: existingId };
      // released, or moved (the window ended or another request replaced the job): add again;
      // the next add either stores this event or collapses it into the live replacement.
      if (verdict === 'released') replacedJobId = existingId;
    }
    throw new EnqueueError('redis_error', `deduplication did not settle after ${MAX_DEDUP_ROUNDS} rounds`);
  }

  /** undefined when this event became a job; else the id of the job it was collapsed into. */
  private async add(job: EnrichJob, jobId: string, dedupId: string): Promise<string | undefined> {
    const added = await this.queue.add(ENRICH_QUEUE.jobName, job, {
      jobId,
      // BullMQ deduplication with a TTL (throttle mode): the same transition inside the window
      // is one job; after it, a real repeat (a candidate moved back and forth) is a new job.
      deduplication: { id: dedupId, ttl: this.dedupWindowMs },
    });
    await this.confirmReplicas();
    // BullMQ 6.7 answers a deduplicated add with the EXISTING job's id (verified against Redis
    // in apps/ingest/test/events.test.ts), so a different id means "already queued".
    return added.id === undefined || added.id === jobId ? undefined : added.id;
  }

  /** With ENQUEUE_WAIT_REPLICAS: throws unless enough replicas hold what this connection wrote. */
  private async confirmReplicas(): Promise<void> {
    if (!this.replicaAcks) return;
    const confirmed = await this.replicaAcks.confirm();
    if (confirmed < this.replicaAcks.replicas) {
      throw new EnqueueError('not_replicated', `${confirmed} of ${this.replicaAcks.replicas} Redis replica(s) confirmed the event`);
    }
  }

  private async releaseIfDead(dedupId: string, existingId: string): Promise<'live' | 'released' | 'moved'> {
    const client = this.redis;
    const keys = [`${this.queue.keys.de}:${dedupId}`, this.queue.keys.failed, this.queue.toKey(existingId)];
    try {
      return (await client.evalsha(RELEASE_SHA, keys.length, ...keys, existingId)) as 'live' | 'released' | 'moved';
    } catch (error) {
      // First use on this Redis (or after SCRIPT FLUSH / a restart): send the script itself once.
      if (!/NOSCRIPT/.test((error as Error).message)) throw error;
      return (await client.eval(RELEASE_DEAD_DEDUP_KEY, keys.length, ...keys, existingId)) as 'live' | 'released' | 'moved';
    }
  }
}

/**
 * QUEUE_PARTITIONS > 1: each event goes to the `enrich` queue of its workflow's partition
 * (PartitionLayout.route: the same (customerId, systemId) always to the same partition while N
 * stays), so a re-send meets the deduplication key of the first send, and everything the event
 * later does (its enrichment job, its deliveries) lives under that partition's hash tag. One
 * EnrichEnqueuer per partition, each with its own queue and, for ENQUEUE_WAIT_REPLICAS, its own
 * WAIT routed to that partition's master.
 */
export class PartitionedEnqueuer implements Enqueuer {
  constructor(
    private readonly route: (customerId: string, systemId: string) => number,
    private readonly partitions: readonly Enqueuer[],
  ) {}

  enqueue(job: EnrichJob, receivedAtMs: number): Promise<EnqueueResult> {
    const partition = this.route(job.event.customerId, job.event.systemId);
    const enqueuer = this.partitions[partition];
    if (!enqueuer) throw new EnqueueError('redis_error', `no enqueuer for partition ${partition}`);
    return enqueuer.enqueue(job, receivedAtMs);
  }
}
