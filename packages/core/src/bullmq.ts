import { Queue, type ConnectionOptions } from 'bullmq';
import type { Logger } from './logger';
import { QUEUES, type QueueKey, type QueuePayloads } from './queues';
import { bullErrorListener } from './redis-log';

/** Typed producer for one queue of the contract, with the contract's default job options. */
export type ContractQueue<K extends QueueKey> = Queue<QueuePayloads[K], unknown, string>;

/**
 * With a `logger`, the queue's errors are logged (bullErrorListener: connection errors at debug,
 * once per message and minute). A Queue without an 'error' listener prints each error with its
 * stack through console.error, several lines per reconnect attempt during a Redis outage.
 */
export function createQueue<K extends QueueKey>(key: K, connection: ConnectionOptions, prefix: string, logger?: Logger): ContractQueue<K> {
  const definition = QUEUES[key];
  const queue = new Queue<QueuePayloads[K], unknown, string>(definition.name, {
    connection,
    prefix,
    defaultJobOptions: definition.defaultJobOptions,
  });
  if (logger) queue.on('error', bullErrorListener(logger, 'queue error', { queue: definition.name }));
  return queue;
}

export type ContractQueues = { [K in QueueKey]: ContractQueue<K> };

export function createQueues(connection: ConnectionOptions, prefix: string, logger?: Logger): ContractQueues {
  return {
    enrich: createQueue('enrich', connection, prefix, logger),
    stepstone: createQueue('stepstone', connection, prefix, logger),
    seek: createQueue('seek', connection, prefix, logger),
  };
}
