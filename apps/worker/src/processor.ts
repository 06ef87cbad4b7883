import type { Job, Worker } from 'bullmq';
import type { Logger, RedisConnection, Tenants } from '@status-bridge/core';
import type { ContractQueues, QueueKey, QueuePayloads } from '@status-bridge/partners';
import type { WorkerConfig } from './config';
import type { WorkerMetrics } from './metrics';

/**
 * What a processor gets from the worker process. Processors know queues and call partner
 * clients; clients know HTTP and nothing of queues.
 */
export interface ProcessorContext {
  config: WorkerConfig;
  tenants: Tenants;
  logger: Logger;
  /** Our own keys (token caches, correlation records, counters); never a BullMQ connection. */
  redis: RedisConnection;
  /** Producers for every queue of the contract (the enrichment fans out through them). */
  queues: ContractQueues;
  metrics: WorkerMetrics;
  /** The BullMQ Worker running this processor, available once started. */
  worker(): Worker;
}

export type ContractJob<K extends QueueKey> = Job<QueuePayloads[K], unknown, string>;

export type Processor<K extends QueueKey> = (job: ContractJob<K>, token?: string, signal?: AbortSignal) => Promise<unknown>;

/** Built once per process, after config and connections exist; may hold clients and caches. */
export interface ProcessorModule<K extends QueueKey> {
  process: Processor<K>;
  /** Releases what the module holds (HTTP agents …) at shutdown. */
  close?(): Promise<void>;
}

export type ProcessorFactory<K extends QueueKey> = (context: ProcessorContext) => ProcessorModule<K> | Promise<ProcessorModule<K>>;
