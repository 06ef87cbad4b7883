import type { JobsOptions } from 'bullmq';
import { BACKOFF_TYPE } from './backoff';

/**
 * The generic half of the queue contract: what every queue is (name, job name, retry and retention
 * policy), the `enrich` queue, and the job ids. The typed contract, one queue per registered
 * partner (QueueKey, QueuePayloads, QUEUES), is derived from the partner registry in
 * packages/partners; core names no partner.
 *
 * DO NOT RENAME a queue name without a migration: jobs already in Redis live under the old name
 * and would be stranded.
 */
export interface QueueDefinition<K extends string = string> {
  key: K;
  /** Redis name of the queue. */
  name: string;
  /** Job name shown in the dashboard; never carries PII. */
  jobName: string;
  /** Whom this queue talks to, for metrics and failure reasons: "icims" for enrich, else the partner's key. */
  partner: string;
  defaultJobOptions: JobsOptions;
  description: string;
}

const DAY_S = 24 * 3600;

// Completed jobs are kept long enough to outlive any retry of the job that created them (a
// retried enrichment re-adds its delivery jobs by id, and BullMQ ignores an id that still exists).
// Failed jobs are the dead-letter view: kept a month for operators to inspect and replay.
export const QUEUE_RETENTION = {
  removeOnComplete: { age: 7 * DAY_S, count: 50_000 },
  removeOnFail: { age: 30 * DAY_S, count: 100_000 },
} as const;

export const ENRICH_QUEUE: QueueDefinition<'enrich'> = {
  key: 'enrich',
  name: 'enrich',
  jobName: 'enrich-status-change',
  partner: 'icims',
  description: 'Reads person, job and workflow from the iCIMS API and fans out to the partner queues',
  // 20 attempts with RETRY_BASE_DELAY_MS=5s and RETRY_MAX_DELAY_MS=1h: about 11 hours of retries.
  defaultJobOptions: { attempts: 20, backoff: { type: BACKOFF_TYPE }, ...QUEUE_RETENTION },
};

/** A partner's delivery queue: its own name, job name and attempts, the shared backoff and retention. */
export function partnerQueueDefinition<K extends string>(partner: { key: K; queue: { name: string; jobName: string; description: string; attempts: number } }): QueueDefinition<K> {
  return {
    key: partner.key,
    name: partner.queue.name,
    jobName: partner.queue.jobName,
    partner: partner.key,
    description: partner.queue.description,
    defaultJobOptions: { attempts: partner.queue.attempts, backoff: { type: BACKOFF_TYPE }, ...QUEUE_RETENTION },
  };
}

/** Parses WORKER_QUEUES ("enrich,<partner key>" or "all") against the known keys, refusing unknown names. */
export function parseQueueList<K extends string>(value: string, known: readonly K[]): K[] {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'all') return [...known];
  const keys = trimmed.split(',').map((part) => part.trim()).filter(Boolean);
  const unknown = keys.filter((key) => !(known as readonly string[]).includes(key));
  if (unknown.length > 0) throw new Error(`unknown queue(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  return [...new Set(keys)] as K[];
}

/** Characters BullMQ allows in a custom job id (no ':'), kept readable for operators. */
export function safeIdPart(value: string): string {
  return value.replace(/[^A-Za-z0-9._-]/g, '_');
}

/**
 * Enrichment job id: starts with customerId and workflow systemId, so an operator can find
 * `enrich/<id>` from a log line; ends with the receive time, so a real repeat of a transition
 * later is a new job (re-sends inside the window are collapsed by deduplication, not by id).
 */
export function enrichJobId(event: { customerId: string; systemId: string; oldStatus: string; newStatus: string }, receivedAtMs: number): string {
  return [`c${event.customerId}`, `w${event.systemId}`, safeIdPart(event.oldStatus), safeIdPart(event.newStatus), receivedAtMs.toString(36)].join('-');
}

/** Deduplication key of an event: the same transition of the same workflow. */
export function eventDedupId(event: { customerId: string; systemId: string; oldStatus: string; newStatus: string }): string {
  return [event.customerId, event.systemId, event.oldStatus, event.newStatus].join('|');
}

/** Delivery job id `<enrich id>-<partner key>`: derived from the enrichment job, so a retried enrichment never creates a second delivery. */
export function deliveryJobId(enrichId: string, partnerKey: string): string {
  return `${enrichId}-${partnerKey}`;
}
