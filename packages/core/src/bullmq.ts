import { Queue, type ConnectionOptions } from 'bullmq';
import { QUEUES, type QueueKey, type QueuePayloads } from './queues';

/** Typed producer for one queue of the contract, with the contract's default job options. */
export type ContractQueue<K extends QueueKey> = Queue<QueuePayloads[K], unknown, string>;

export function createQueue<K extends QueueKey>(key: K, connection: ConnectionOptions, prefix: string): ContractQueue<K> {
  const definition = QUEUES[key];
  return new Queue<QueuePayloads[K], unknown, string>(definition.name, {
    connection,
    prefix,
    defaultJobOptions: definition.defaultJobOptions,
  });
}

export type ContractQueues = { [K in QueueKey]: ContractQueue<K> };

export function createQueues(connection: ConnectionOptions, prefix: string): ContractQueues {
  return {
    enrich: createQueue('enrich', connection, prefix),
    stepstone: createQueue('stepstone', connection, prefix),
    seek: createQueue('seek', connection, prefix),
  };
}
