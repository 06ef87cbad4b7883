import type { GeneratedApplication, IcimsSandbox } from '@status-bridge/sandbox/src/icims';
import { sleep } from '@status-bridge/testing';
import { applicationEventJson, postEvent } from './post';
import { CUSTOMER_ID } from './tenants';

/**
 * The load of a scenario: applications moving through the hiring funnel, some of them two or three
 * times in a row (a recruiter clicking on), posted to ingest as iCIMS posts them. Before each post
 * the iCIMS sandbox shows the workflow in its new status, as iCIMS does once the recruiter moved
 * the candidate. Changes of one application are posted in order, each after the previous answer.
 */
export interface Change {
  application: GeneratedApplication;
  /** Order of the change within its application (0 = first). */
  seq: number;
  oldStatus: string;
  newStatus: string;
  /** An event that must not be delivered (e.g. a link to a foreign host): counted as sent, never as lost. */
  refused?: true;
}

export interface Posted extends Change {
  sentAt: number;
  answeredAt: number;
  /** HTTP status, 0 when no answer came. */
  httpStatus: number;
  error?: string;
}

/** The funnel the load walks (each status maps to a different StepStone status and SEEK code). */
export const FUNNEL = ['D10100', '1752', '9782', '9790', '9800', '9810'] as const;
export const REJECTED = '9820';

/**
 * Deterministic plan: of every ten applications five change once, three twice, two three times in
 * a row; they start at different points of the funnel; every fourth ends rejected.
 */
export function planChanges(applications: GeneratedApplication[]): Change[][] {
  return applications.map((application, i) => {
    const count = i % 10 < 5 ? 1 : i % 10 < 8 ? 2 : 3;
    const offset = i % 3;
    return Array.from({ length: count }, (_, seq) => {
      const last = seq === count - 1;
      return {
        application,
        seq,
        oldStatus: FUNNEL[offset + seq],
        newStatus: last && i % 4 === 3 ? REJECTED : FUNNEL[offset + seq + 1],
      };
    });
  });
}

export interface LoadOptions {
  /** Applications whose first change is posted per second (default 20: a burst that lasts long enough to fault in the middle of it). */
  applicationsPerSecond?: number;
  /** Pause after an answer before the same application's next change (default 1 s: a recruiter clicking on). */
  gapMs?: number;
  /** Client timeout of one POST (default 5 s). */
  timeoutMs?: number;
}

export class Load {
  readonly posted: Posted[] = [];

  constructor(private readonly target: { ingestUrl: string; icims: IcimsSandbox }) {}

  /** Posts every change of the plan; resolves when all are answered (or failed). */
  async run(plan: Change[][], options: LoadOptions = {}): Promise<Posted[]> {
    const perSecond = options.applicationsPerSecond ?? 20;
    const gapMs = options.gapMs ?? 1_000;
    for (const changes of plan) if (changes.length > 0) this.target.icims.moveWorkflow(CUSTOMER_ID, changes[0].application.systemId, changes[0].oldStatus);
    const started = Date.now();
    await Promise.all(
      plan.map(async (changes, index) => {
        await sleep(Math.max(0, started + (index * 1000) / perSecond - Date.now()));
        for (const change of changes) {
          if (change.seq > 0) await sleep(gapMs);
          await this.post(change, options.timeoutMs);
        }
      }),
    );
    return this.posted;
  }

  /** Posts one change (the workflow is moved in the iCIMS sandbox first). */
  async post(change: Change, timeoutMs?: number, linkOrigin?: string): Promise<Posted> {
    this.target.icims.moveWorkflow(CUSTOMER_ID, change.application.systemId, change.newStatus);
    const sentAt = Date.now();
    const result = await postEvent(this.target.ingestUrl, applicationEventJson(change.application, this.target.icims.url, change.oldStatus, change.newStatus, linkOrigin), timeoutMs);
    const posted: Posted = { ...change, sentAt, answeredAt: Date.now(), httpStatus: result.httpStatus, ...(result.error ? { error: result.error } : {}) };
    this.posted.push(posted);
    return posted;
  }

  /** Resolves once `count` posts have been answered (or failed): "mid-burst" for a fault. */
  async untilPosted(count: number): Promise<void> {
    while (this.posted.length < count) await sleep(20);
  }

  get lastAnswerAt(): number {
    return this.posted.reduce((latest, posted) => Math.max(latest, posted.answeredAt), 0);
  }
}

export function eventCount(plan: Change[][]): number {
  return plan.reduce((sum, changes) => sum + changes.length, 0);
}
