import { enrichJobId, eventDedupId, QUEUES, type ContractQueue, type EnrichJob } from '@status-bridge/core';

export type EnqueueResult = { outcome: 'added' | 'deduplicated'; jobId: string };

export class EnqueueError extends Error {
  constructor(
    readonly reason: 'timeout' | 'redis_error',
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
 */
export class EnrichEnqueuer {
  constructor(
    private readonly queue: ContractQueue<'enrich'>,
    private readonly dedupWindowMs: number,
    private readonly timeoutMs: number,
  ) {}

  async enqueue(job: EnrichJob, receivedAtMs: number): Promise<EnqueueResult> {
    const jobId = enrichJobId(job.event, receivedAtMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new EnqueueError('timeout', `Redis did not confirm within ${this.timeoutMs} ms`)), this.timeoutMs);
    });
    try {
      const added = await Promise.race([
        this.queue.add(QUEUES.enrich.jobName, job, {
          jobId,
          // BullMQ deduplication with a TTL (throttle mode): the same transition inside the window
          // is one job; after it, a real repeat (a candidate moved back and forth) is a new job.
          deduplication: { id: eventDedupId(job.event), ttl: this.dedupWindowMs },
        }),
        timeout,
      ]);
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
