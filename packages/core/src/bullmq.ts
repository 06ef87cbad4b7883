import { Queue, type ConnectionOptions } from 'bullmq';
import type { Logger } from './logger';
import type { QueueDefinition } from './queues';
import { bullErrorListener } from './redis-log';

/**
 * A producer for one queue definition, with its default job options. The typed producers of the
 * contract (`createQueue(key, …)`, `createQueues`) are in packages/partners.
 *
 * With a `logger`, the queue's errors are logged (bullErrorListener: connection errors at debug,
 * once per message and minute). A Queue without an 'error' listener prints each error with its
 * stack through console.error, several lines per reconnect attempt during a Redis outage.
 */
export function createDefinedQueue<Data>(definition: QueueDefinition, connection: ConnectionOptions, prefix: string, logger?: Logger): Queue<Data, unknown, string> {
  const queue = new Queue<Data, unknown, string>(definition.name, {
    connection,
    prefix,
    defaultJobOptions: definition.defaultJobOptions,
  });
  if (logger) queue.on('error', bullErrorListener(logger, 'queue error', { queue: definition.name }));
  return queue;
}
