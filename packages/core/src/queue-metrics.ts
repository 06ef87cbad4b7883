import { Gauge, type Registry } from 'prom-client';


/**
 * Queue depth gauges, read from Redis when Prometheus scrapes (not on a timer), so a process that
 * is never scraped costs Redis nothing. Used by the worker's and the dashboard's /metrics; series
 * names are part of the operators' contract (deploy/grafana/status-bridge.json).
 *
 *   status_bridge_queue_jobs{queue, state}   jobs per queue and state
 *   status_bridge_queue_counts_up{queue}     1 if the last scrape could read the counts, else 0
 *
 * With partitions (QUEUE_PARTITIONS > 1, or a drain) both carry a `partition` label too, one
 * series per partition; with one partition the series are exactly as before (no such label), so
 * nothing an operator built on them changes until they partition.
 */
export const QUEUE_STATES = ['waiting', 'active', 'failed', 'delayed', 'completed', 'prioritized', 'waiting-children'] as const;

/** What a queue must offer to be measured (a BullMQ Queue does). */
export interface CountableQueue {
  getJobCounts(...states: string[]): Promise<Record<string, number>>;
}

// A worker's BullMQ connection retries commands forever while Redis is down; a scrape must not
// hang with it, so each read is bounded and reported as "down" instead.
const DEFAULT_READ_TIMEOUT_MS = 2_000;

type Labels = { queue: string; partition?: string };
type CountsByQueue = Array<[Labels, Record<string, number> | undefined]>;

/** One partition's queues, keyed like the contract (see packages/partners createPartitionedQueues). */
export interface CountablePartition {
  partition: number;
  queues: Readonly<Record<string, CountableQueue>>;
}

export function registerQueueMetrics(
  registry: Registry,
  queues: Readonly<Record<string, CountableQueue>> | readonly CountablePartition[],
  options: { readTimeoutMs?: number } = {},
): void {
  const readTimeoutMs = options.readTimeoutMs ?? DEFAULT_READ_TIMEOUT_MS;
  const entries: Array<[Labels, CountableQueue]> = Array.isArray(queues)
    ? (queues as readonly CountablePartition[]).flatMap((entry) => Object.entries(entry.queues).map(([key, queue]): [Labels, CountableQueue] => [{ queue: key, partition: String(entry.partition) }, queue]))
    : Object.entries(queues as Readonly<Record<string, CountableQueue>>).map(([key, queue]): [Labels, CountableQueue] => [{ queue: key }, queue]);

  const readOne = async (queue: CountableQueue): Promise<Record<string, number> | undefined> => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        queue.getJobCounts(...QUEUE_STATES),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out')), readTimeoutMs);
        }),
      ]);
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  };
  // Both gauges are collected in the same scrape; they share one read of Redis.
  let inflight: Promise<CountsByQueue> | undefined;
  const readAll = (): Promise<CountsByQueue> =>
    (inflight ??= Promise.all(entries.map(async ([labels, queue]): Promise<CountsByQueue[number]> => [labels, await readOne(queue)]))
      .finally(() => {
        inflight = undefined;
      }));

  new Gauge({
    name: 'status_bridge_queue_jobs',
    help: 'Jobs per queue and state (waiting, active, failed, delayed, completed, prioritized, waiting-children), read at scrape time',
    labelNames: ['queue', 'state', 'partition'],
    registers: [registry],
    async collect() {
      const counts = await readAll();
      // Old values must not survive a failed read: a missing series is honest, a stale one lies.
      this.reset();
      for (const [labels, byState] of counts) {
        if (byState) for (const state of QUEUE_STATES) this.set({ ...labels, state }, byState[state] ?? 0);
      }
    },
  });
  new Gauge({
    name: 'status_bridge_queue_counts_up',
    help: '1 if this scrape read the queue counts from Redis, 0 if the read failed or timed out',
    labelNames: ['queue', 'partition'],
    registers: [registry],
    async collect() {
      const counts = await readAll();
      for (const [labels, byState] of counts) this.set(labels, byState ? 1 : 0);
    },
  });
}
