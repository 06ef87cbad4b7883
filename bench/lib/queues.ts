import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { PREFIX } from './stack';

/** Queue names of the pipeline (packages/core/src/queues.ts); the baselines use the same ones. */
export const QUEUE_NAMES = { enrich: 'enrich', stepstone: 'deliver-stepstone', seek: 'deliver-seek' } as const;
type Stage = keyof typeof QUEUE_NAMES;
const STAGES = Object.keys(QUEUE_NAMES) as Stage[];

export type Counts = Record<Stage, number>;

/**
 * The harness's view of the queues. Every call it makes is counted (`calls`), so the Redis
 * figures of a run can leave them out.
 */
export class QueueWatch {
  readonly calls: Record<string, number> = {};

  constructor(private readonly admin: Redis) {}

  private count(command: string, calls: number): void {
    this.calls[command] = (this.calls[command] ?? 0) + calls;
  }

  /** Completed and failed jobs per queue, in one pipeline. */
  async finished(): Promise<{ completed: Counts; failed: Counts }> {
    const pipeline = this.admin.pipeline();
    for (const stage of STAGES) pipeline.zcard(`${PREFIX}:${QUEUE_NAMES[stage]}:completed`).zcard(`${PREFIX}:${QUEUE_NAMES[stage]}:failed`);
    const answers = ((await pipeline.exec()) ?? []).map(([, value]) => Number(value));
    this.count('zcard', STAGES.length * 2);
    const completed = {} as Counts;
    const failed = {} as Counts;
    STAGES.forEach((stage, i) => {
      completed[stage] = answers[2 * i];
      failed[stage] = answers[2 * i + 1];
    });
    return { completed, failed };
  }

  /** Jobs not finished yet in any queue (waiting, active, delayed, prioritized, paused). */
  async unfinished(): Promise<number> {
    const pipeline = this.admin.pipeline();
    for (const stage of STAGES) {
      const key = `${PREFIX}:${QUEUE_NAMES[stage]}`;
      pipeline.llen(`${key}:wait`).llen(`${key}:active`).llen(`${key}:paused`).zcard(`${key}:delayed`).zcard(`${key}:prioritized`);
    }
    const answers = ((await pipeline.exec()) ?? []).map(([, value]) => Number(value));
    this.count('llen', STAGES.length * 3);
    this.count('zcard', STAGES.length * 2);
    return answers.reduce((sum, value) => sum + value, 0);
  }

  /** Holds the enrichment queue: events pile up until resume(), so every run starts with the same backlog. */
  async pauseEnrich(): Promise<void> {
    const queue = new Queue(QUEUE_NAMES.enrich, { connection: this.admin, prefix: PREFIX });
    await queue.pause();
    await queue.close();
  }

  async resumeEnrich(): Promise<void> {
    const queue = new Queue(QUEUE_NAMES.enrich, { connection: this.admin, prefix: PREFIX });
    await queue.resume();
    await queue.close();
  }
}
