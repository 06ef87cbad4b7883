import type { JobsOptions } from 'bullmq';
import { BACKOFF_TYPE } from './backoff';
import type { EnrichJob, SeekDeliveryJob, StepStoneDeliveryJob } from './payloads';

/**
 * The queue contract: the one place that names each queue, its payload type and its retry and
 * retention policy. Producers and processors import these entries.
 *
 * DO NOT RENAME a queue name without a migration: jobs already in Redis live under the old name
 * and would be stranded.
 */
export interface QueuePayloads {
  enrich: EnrichJob;
  stepstone: StepStoneDeliveryJob;
  seek: SeekDeliveryJob;
}

export type QueueKey = keyof QueuePayloads;

export interface QueueDefinition<K extends QueueKey> {
  key: K;
  /** Redis name of the queue. */
  name: string;
  /** Job name shown in the dashboard; never carries PII. */
  jobName: string;
  /** Partner this queue delivers to, for metrics and failure reasons. */
  partner: 'icims' | 'stepstone' | 'seek';
  defaultJobOptions: JobsOptions;
  description: string;
}

const DAY_S = 24 * 3600;

// Completed jobs are kept long enough to outlive any retry of the job that created them (a
// retried enrichment re-adds its delivery jobs by id, and BullMQ ignores an id that still exists).
// Failed jobs are the dead-letter view: kept a month for operators to inspect and replay.
const retention = {
  removeOnComplete: { age: 7 * DAY_S, count: 50_000 },
  removeOnFail: { age: 30 * DAY_S, count: 100_000 },
} as const;

export const QUEUES: { [K in QueueKey]: QueueDefinition<K> } = {
  enrich: {
    key: 'enrich',
    name: 'enrich',
    jobName: 'enrich-status-change',
    partner: 'icims',
    description: 'Reads person, job and workflow from the iCIMS API and fans out to the partner queues',
    // 20 attempts with RETRY_BASE_DELAY_MS=5s and RETRY_MAX_DELAY_MS=1h: about 11 hours of retries.
    defaultJobOptions: { attempts: 20, backoff: { type: BACKOFF_TYPE }, ...retention },
  },
  stepstone: {
    key: 'stepstone',
    name: 'deliver-stepstone',
    jobName: 'stepstone-status',
    partner: 'stepstone',
    description: 'Posts status changes to the StepStone ATSi Application Status service',
    // 35 attempts: about 26 hours of retries with the default delays, so a day-long outage is survived.
    defaultJobOptions: { attempts: 35, backoff: { type: BACKOFF_TYPE }, ...retention },
  },
  seek: {
    key: 'seek',
    name: 'deliver-seek',
    jobName: 'seek-process-history',
    partner: 'seek',
    description: 'Records status changes as SEEK candidate process history items',
    defaultJobOptions: { attempts: 35, backoff: { type: BACKOFF_TYPE }, ...retention },
  },
};

export const QUEUE_KEYS = Object.keys(QUEUES) as QueueKey[];

/** Parses WORKER_QUEUES ("enrich,stepstone" or "all"), refusing unknown names. */
export function parseQueueList(value: string): QueueKey[] {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'all') return [...QUEUE_KEYS];
  const keys = trimmed.split(',').map((part) => part.trim()).filter(Boolean);
  const unknown = keys.filter((key) => !(QUEUE_KEYS as string[]).includes(key));
  if (unknown.length > 0) throw new Error(`unknown queue(s) ${unknown.join(', ')}; known: ${QUEUE_KEYS.join(', ')}`);
  return [...new Set(keys)] as QueueKey[];
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

/** Delivery job id: derived from the enrichment job, so a retried enrichment never creates a second delivery. */
export function deliveryJobId(enrichId: string, partner: 'stepstone' | 'seek'): string {
  return `${enrichId}-${partner}`;
}
