import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { formatFailureReason, PartnerError, PermanentError, RateLimitedError, type Logger } from '@status-bridge/core';
import { QUEUES, type QueueKey } from '@status-bridge/partners';
import type { Processor } from './processor';
import type { WorkerMetrics } from './metrics';

/** Ids an operator needs on every log line of a job, taken from whichever payload it is. No PII. */
export function jobLogContext(queue: QueueKey, job: Job): Record<string, unknown> {
  const data = job.data as { event?: { customerId?: string; systemId?: string }; statusChange?: { customerId?: string; systemId?: string } };
  const source = data.event ?? data.statusChange ?? {};
  return {
    queue: QUEUES[queue].name,
    jobId: job.id,
    attempt: job.attemptsMade + 1,
    maxAttempts: job.opts.attempts ?? 1,
    customerId: source.customerId,
    systemId: source.systemId,
  };
}

/**
 * The readable failure reason stored on a failed job (shown in the dashboard, read back by
 * `npm run replay`; core failure-reason.ts): partner, HTTP status or code, the partner's message,
 * and which attempt.
 */
export function describeFailure(queue: QueueKey, job: Job, error: unknown): string {
  const attempt = { attempt: job.attemptsMade + 1, maxAttempts: job.opts.attempts ?? 1 };
  if (error instanceof PartnerError) {
    const { partner, httpStatus, code, partnerMessage, tenantId } = error.details;
    return formatFailureReason({ partner, tenantId, httpStatus, code, message: error.message, partnerMessage, ...attempt });
  }
  return formatFailureReason({ partner: QUEUES[queue].partner, message: error instanceof Error ? error.message : String(error), ...attempt });
}

/**
 * Wraps a processor with the behaviour every queue shares: logs with job context, metrics, and
 * the translation of typed partner errors into BullMQ outcomes:
 *  - PermanentError   → UnrecoverableError: failed at once, kept in the failed set (dead letters).
 *  - RateLimitedError → the queue paused for the delay (queue-pause.ts, every process; with
 *    QUEUE_PARTITIONS > 1 the same queue of every partition) + RateLimitError: the job waits
 *    without spending an attempt.
 *  - anything else    → rethrown: retried with the queue's backoff until attempts run out.
 */
export function wrapProcessor<K extends QueueKey>(
  queue: K,
  processor: Processor<K>,
  deps: { logger: Logger; metrics: WorkerMetrics; pause: (ms: number) => Promise<unknown> },
): Processor<K> {
  return async (job, token, signal) => {
    const context = jobLogContext(queue, job);
    const started = process.hrtime.bigint();
    const seconds = (): number => Number(process.hrtime.bigint() - started) / 1e9;
    deps.logger.debug('job started', context);
    try {
      const result = await processor(job, token, signal);
      deps.metrics.jobs.inc({ queue, outcome: 'completed' });
      deps.metrics.jobDuration.observe({ queue, outcome: 'completed' }, seconds());
      deps.logger.info('job completed', { ...context, durationMs: Math.round(seconds() * 1000) });
      return result;
    } catch (error) {
      // A processor that moved its own job to delayed (e.g. a per-tenant limit) is not failing:
      // BullMQ must see its DelayedError untouched, or it would count an attempt.
      if (error instanceof DelayedError) throw error;
      if (error instanceof RateLimitedError) {
        deps.metrics.jobs.inc({ queue, outcome: 'rate_limited' });
        deps.metrics.jobDuration.observe({ queue, outcome: 'rate_limited' }, seconds());
        deps.logger.warn('partner asked to slow down; pausing the queue', { ...context, delayMs: error.delayMs, reason: describeFailure(queue, job, error) });
        await deps.pause(error.delayMs);
        throw Worker.RateLimitError();
      }
      const reason = describeFailure(queue, job, error);
      const permanent = error instanceof PermanentError || error instanceof UnrecoverableError;
      const outcome = permanent ? 'failed' : 'retry';
      deps.metrics.jobs.inc({ queue, outcome });
      deps.metrics.jobDuration.observe({ queue, outcome }, seconds());
      deps.logger.warn(permanent ? 'job failed permanently' : 'job failed; will retry', { ...context, reason });
      await job.log(reason).catch(() => undefined);
      if (permanent) throw new UnrecoverableError(reason);
      const retry = new Error(reason);
      retry.name = error instanceof Error ? error.name : 'Error';
      throw retry;
    }
  };
}
