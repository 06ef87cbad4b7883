import type { ConnectionOptions, Queue } from 'bullmq';
import {
  createDefinedQueue,
  ENRICH_QUEUE,
  parseQueueList as parseQueueListOf,
  partnerQueueDefinition,
  type Logger,
  type PartitionLayout,
  type QueueDefinition,
} from '@status-bridge/core';
import { PARTNERS } from './registry';
import type { PartnerKey, QueueKey, QueuePayloads } from './types';

/**
 * The queue contract, derived from the registry: `enrich` (core) and one delivery queue per
 * partner, each with its payload type and the shared retry and retention policy. Producers and
 * processors import these entries.
 */
export const PARTNER_KEYS: readonly PartnerKey[] = PARTNERS.map((partner) => partner.key);

export const QUEUES = {
  enrich: ENRICH_QUEUE,
  ...Object.fromEntries(PARTNERS.map((partner) => [partner.key, partnerQueueDefinition(partner)])),
} as { readonly [K in QueueKey]: QueueDefinition<K> };

export const QUEUE_KEYS: readonly QueueKey[] = ['enrich', ...PARTNER_KEYS];

/** Parses WORKER_QUEUES ("enrich,<partner key>,…" or "all"), refusing unknown names. */
export function parseQueueList(value: string): QueueKey[] {
  return parseQueueListOf(value, QUEUE_KEYS);
}

/** Typed producer for one queue of the contract, with the contract's default job options. */
export type ContractQueue<K extends QueueKey> = Queue<QueuePayloads[K], unknown, string>;

export type ContractQueues = { [K in QueueKey]: ContractQueue<K> };

/** See core `createDefinedQueue`: with a `logger`, the queue's errors are logged once per message and minute. */
export function createQueue<K extends QueueKey>(key: K, connection: ConnectionOptions, prefix: string, logger?: Logger): ContractQueue<K> {
  return createDefinedQueue<QueuePayloads[K]>(QUEUES[key], connection, prefix, logger);
}

export function createQueues(connection: ConnectionOptions, prefix: string, logger?: Logger): ContractQueues {
  return Object.fromEntries(QUEUE_KEYS.map((key) => [key, createQueue(key, connection, prefix, logger)])) as ContractQueues;
}

/** One partition's queue set (QUEUE_PARTITIONS): its index, its hash-tagged prefix and a producer per queue. */
export interface PartitionQueues {
  partition: number;
  prefix: string;
  queues: ContractQueues;
}

/** Producers for the queues of `partitions` (default: every partition of the layout, drained ones included). */
export function createPartitionedQueues(connection: ConnectionOptions, layout: PartitionLayout, logger?: Logger, partitions: readonly number[] = layout.all): PartitionQueues[] {
  return partitions.map((partition) => ({ partition, prefix: layout.prefix(partition), queues: createQueues(connection, layout.prefix(partition), logger) }));
}
