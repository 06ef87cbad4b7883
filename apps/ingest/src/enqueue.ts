import { enrichJobId, eventDedupId, QUEUES, type ContractQueue, type EnrichJob } from '@status-bridge/core';
import type { ReplicaAcks } from './replica-acks';

export type EnqueueResult = { outcome: 'added' | 'deduplicated'; jobId: string };

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
 * Puts one accepted event on the `enrich` queue and resolves only once Redis confirmed it.
 *
 * Guarantee: we answer 200 only after the add returned, so nothing is acknowledged that is not
 * stored. The producer connection has no offline queue, so while Redis is down the add fails at
 * once; the timeout covers a Redis that accepts the connection but does not answer. A timed-out
 * add may still have been stored (we answer 503 anyway): iCIMS's re-send, or the recruiter's,
 * is then collapsed by the deduplication key into that job, so it is not processed twice.
 *
 * With `replicaAcks` (ENQUEUE_WAIT_REPLICAS > 0, for Sentinel and Cluster), "stored" also means
 * "on a replica", checked within the same timeout; fewer confirmations → 503, and the same
 * re-send rule applies.
 */
export class EnrichEnqueuer {
  constructor(
    private readonly queue: ContractQueue<'enrich'>,
    private readonly dedupWindowMs: number,
    private readonly timeoutMs: number,
    private readonly replicaAcks?: ReplicaAcks,
  ) {}

  private async addAndConfirm(job: EnrichJob, jobId: string) {
    const added = await this.queue.add(QUEUES.enrich.jobName, job, {
      jobId,
      // BullMQ deduplication with a TTL (throttle mode): the same transition inside the window
      // is one job; after it, a real repeat (a candidate moved back and forth) is a new job.
      deduplication: { id: eventDedupId(job.event), ttl: this.dedupWindowMs },
    });
    if (this.replicaAcks) {
      // A deduplicated add writes too (BullMQ appends a "deduplicated" event to the queue's
      // stream), so the WAIT also covers the existing job another connection added before it.
      const confirmed = await this.replicaAcks.confirm();
      if (confirmed < this.replicaAcks.replicas) {
        throw new EnqueueError('not_replicated', `${confirmed} of ${this.replicaAcks.replicas} Redis replica(s) confirmed the event`);
      }
    }
    return added;
  }

  async enqueue(job: EnrichJob, receivedAtMs: number): Promise<EnqueueResult> {
    const jobId = enrichJobId(job.event, receivedAtMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EnqueueError('timeout', `Redis did not confirm within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const added = await Promise.race([this.addAndConfirm(job, jobId), timeout]);
      // BullMQ 6.7 answers a deduplicated add with the EXISTING job's id (verified against Redis
      // in apps/ingest/test/events.test.ts), so a different id means "already queued".
      return added.id === jobId ? { outcome: 'added', jobId } : { outcome: 'deduplicated', jobId: added.id ?? jobId };
    } catch (error) {
      if (error instanceof EnqueueError) throw error;
      throw new EnqueueError('redis_error', (error as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }
}
