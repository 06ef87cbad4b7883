import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { QUEUE_KEYS, QUEUES, type QueueKey } from '@status-bridge/partners';
import { maskJobData } from './masking';

export const BOARD_PATH = '/admin/queues';

export interface BoardOptions {
  allowRetry: boolean;
  environment: { label: string; color: string };
  pollIntervalMs: number;
}

/** One partition's queues (QUEUE_PARTITIONS > 1), shown as `p<partition>.<queue>`. */
export interface BoardPartition {
  partition: number;
  queues: Record<QueueKey, Queue>;
}

/**
 * bull-board over every queue of the contract; with partitions, over every partition's (named
 * `p<partition>.<queue>`, so the board lists them side by side and its routes tell them apart). Job data and return values pass through the PII
 * mask (bull-board recipe "formatters"); failed reasons are written by the worker without PII
 * (apps/worker/src/job-wrapper.ts describeFailure).
 */
export function createBoardRouter(queues: Record<QueueKey, Queue> | readonly BoardPartition[], options: BoardOptions): ExpressAdapter {
  const serverAdapter = new ExpressAdapter();
  serverAdapter.setBasePath(BOARD_PATH);
  const shown: Array<{ key: QueueKey; queue: Queue; name?: string }> = Array.isArray(queues)
    ? (queues as readonly BoardPartition[]).flatMap((entry) => QUEUE_KEYS.map((key) => ({ key, queue: entry.queues[key], name: `p${entry.partition}.` })))
    : QUEUE_KEYS.map((key) => ({ key, queue: (queues as Record<QueueKey, Queue>)[key] }));
  const adapters = shown.map(({ key, queue, name }) => {
    const adapterOptions = {
      // Server-enforced: bull-board answers 405 to every write on a read-only queue, where
      // `allowRetries: false` would only hide the buttons.
      readOnlyMode: !options.allowRetry,
      allowRetries: options.allowRetry,
      // Hides "retry" on completed jobs: it would send the status to the partner again.
      allowCompletedRetries: false,
      description: QUEUES[key].description,
      // bull-board's visual prefix: part of the name it lists and routes by.
      ...(name ? { prefix: name } : {}),
    };
    const adapter = new BullMQAdapter(queue, adapterOptions);
    adapter.setFormatter('data', (data: unknown) => maskJobData(data));
    adapter.setFormatter('returnValue', (value: unknown) => maskJobData(value));
    return adapter;
  });
  createBullBoard({
    queues: adapters,
    serverAdapter,
    options: {
      uiConfig: {
        boardTitle: 'status-bridge',
        environment: { label: options.environment.label, color: options.environment.color },
        // Every open tab polls Redis; one interval for everyone keeps that load predictable.
        pollingInterval: { forceInterval: options.pollIntervalMs, showSetting: false },
        hideDocsLink: true,
      },
    },
  });
  return serverAdapter;
}
