import { mapStatus, type TenantConfig } from '@status-bridge/core';
import { PARTNERS } from '@status-bridge/partners';
import { seekIdempotencyId } from '@status-bridge/seek';
import type { StoredItem } from '@status-bridge/seek/src/sandbox';
import type { ReceivedStatus } from '@status-bridge/stepstone/src/sandbox';
import type { Posted } from './load';
import { CUSTOMER_ID, faultsTenants } from './tenants';

/**
 * Counts what a scenario did from what the partner sandboxes received, never from our own logs.
 *
 * - delivered: acknowledged events a partner received at least once.
 * - lost: acknowledged events that did not reach a partner they map to. StepStone keeps one
 *   current status per application, so an event whose application's NEWER change arrived is
 *   delivered in effect ("superseded"), not lost. SEEK keeps the history: every item counts.
 * - duplicates: SEEK items created twice for one idempotencyId (must be 0: a replay is answered
 *   `_Conflict`, which is not a duplicate); StepStone (application, status) received more than once,
 *   allowed only where the sender could not know the first one arrived (its answer was lost).
 * - wrong final status: applications whose last StepStone status (if any: none at all is a loss) is
 *   not the mapping of their newest change (the newest acknowledged one, or a newer one that arrived although its post got no answer).
 * Events marked `refused` (must never be delivered) count as sent and acknowledged only.
 */
export interface StepStoneDuplicates {
  count: number;
  /** Of those, explained by an answer that was lost (see AnswerLost). */
  explained: number;
  unexplained: number;
  samples: string[];
}

export interface Tally {
  sent: number;
  acknowledged: number;
  delivered: { stepstone: number; seek: number };
  superseded: number;
  lost: number;
  lostSamples: string[];
  /** The acknowledged events that did not reach a partner they map to. */
  lostEvents: Posted[];
  duplicates: { stepstone: StepStoneDuplicates; seek: { count: number; samples: string[] } };
  wrongFinalStatus: number;
  wrongSamples: string[];
}

/**
 * Posts to StepStone whose answer was lost, per (AtsiApplicationId, Status): each allows one
 * repeat. Two witnesses, which may see the same lost answer: the worker side (a job in flight when
 * its worker was killed, a request the worker reports as timed out or broken) and the StepStone
 * side (a message accepted whose answer never reached the sender). Per pair the larger count
 * counts, so one lost answer seen by both allows one repeat, not two.
 */
export class AnswerLost {
  private readonly workerSide = new Map<string, number>();
  private readonly partnerSide = new Map<string, number>();
  readonly reasons: string[] = [];

  private static add(map: Map<string, number>, atsiApplicationId: string | undefined, status: string | undefined): void {
    if (!atsiApplicationId || !status) return;
    const key = pairKey(atsiApplicationId, status);
    map.set(key, (map.get(key) ?? 0) + 1);
  }

  /** Jobs that were active at a kill; `what` says which (e.g. "the kill -9"). */
  addInFlight(jobs: Array<{ atsiApplicationId?: string; status?: string }>, what: string): void {
    for (const job of jobs) AnswerLost.add(this.workerSide, job.atsiApplicationId, job.status);
    this.reasons.push(`${jobs.length} StepStone job(s) in flight at ${what}`);
  }

  /** Deliveries whose StepStone request timed out or broke (the worker reported it got no answer). */
  addTimedOut(jobs: Array<{ atsiApplicationId?: string; status?: string }>): void {
    for (const job of jobs) AnswerLost.add(this.workerSide, job.atsiApplicationId, job.status);
    if (jobs.length > 0) this.reasons.push(`${jobs.length} StepStone request(s) timed out or broke before the answer`);
  }

  /** Messages StepStone accepted whose answer never reached the sender (a hang, its timeout, a worker gone). */
  addUnanswered(received: ReceivedStatus[]): void {
    const unanswered = received.filter((message) => message.unanswered);
    for (const message of unanswered) AnswerLost.add(this.partnerSide, String(message.body.AtsiApplicationId), String(message.body.Status));
    if (unanswered.length > 0) this.reasons.push(`${unanswered.length} accepted by StepStone whose answer never reached the worker`);
  }

  allowed(atsiApplicationId: string, status: string): number {
    const key = pairKey(atsiApplicationId, status);
    return Math.max(this.workerSide.get(key) ?? 0, this.partnerSide.get(key) ?? 0);
  }
}

function pairKey(atsiApplicationId: string, status: string): string {
  return `${atsiApplicationId.toLowerCase()}|${status}`;
}

const tenant: TenantConfig = faultsTenants().tenants[CUSTOMER_ID];

export function stepstoneStatusOf(statusId: string): string | undefined {
  const decision = mapStatus(tenant, statusId, PARTNERS).partners.stepstone;
  return decision.mapped ? decision.status : undefined;
}

export function seekIdOf(posted: Pick<Posted, 'application' | 'oldStatus' | 'newStatus'>): string | undefined {
  if (!mapStatus(tenant, posted.newStatus, PARTNERS).partners.seek.mapped) return undefined;
  return seekIdempotencyId({ tenantId: CUSTOMER_ID, systemId: posted.application.systemId, oldStatus: posted.oldStatus, newStatus: posted.newStatus });
}

const describe = (posted: Posted): string => `workflow ${posted.application.systemId} #${posted.seq} ${posted.oldStatus}→${posted.newStatus}`;

export function tally(posted: Posted[], stepstoneReceived: ReceivedStatus[], seekItems: StoredItem[], answerLost = new AnswerLost()): Tally {
  const acknowledged = posted.filter((event) => event.httpStatus === 200);
  const result: Tally = {
    sent: posted.length,
    acknowledged: acknowledged.length,
    delivered: { stepstone: 0, seek: 0 },
    superseded: 0,
    lost: 0,
    lostSamples: [],
    lostEvents: [],
    duplicates: { stepstone: { count: 0, explained: 0, unexplained: 0, samples: [] }, seek: { count: 0, samples: [] } },
    wrongFinalStatus: 0,
    wrongSamples: [],
  };
  const lose = (event: Posted, partner: string): void => {
    result.lost += 1;
    if (!result.lostEvents.includes(event)) result.lostEvents.push(event);
    if (result.lostSamples.length < 5) result.lostSamples.push(`${partner}: ${describe(event)}`);
  };

  // StepStone: how often each (application, status) arrived, and each application's last status.
  const receivedCount = new Map<string, number>();
  const lastStatus = new Map<string, string>();
  for (const message of stepstoneReceived) {
    const atsi = String(message.body.AtsiApplicationId).toLowerCase();
    const status = String(message.body.Status);
    receivedCount.set(pairKey(atsi, status), (receivedCount.get(pairKey(atsi, status)) ?? 0) + 1);
    lastStatus.set(atsi, status);
  }
  const arrivedAtStepStone = (event: Posted): boolean => {
    const status = stepstoneStatusOf(event.newStatus);
    return status !== undefined && (receivedCount.get(pairKey(event.application.atsiApplicationId, status)) ?? 0) > 0;
  };
  const seekIds = new Map<string, number>();
  for (const item of seekItems) seekIds.set(item.idempotencyId, (seekIds.get(item.idempotencyId) ?? 0) + 1);

  const byApplication = new Map<string, Posted[]>();
  for (const event of posted.filter((candidate) => !candidate.refused)) byApplication.set(event.application.systemId, [...(byApplication.get(event.application.systemId) ?? []), event]);

  for (const events of byApplication.values()) {
    events.sort((a, b) => a.seq - b.seq);
    // Newest change that is known to exist: acknowledged, or arrived although its post got no answer.
    const newest = [...events].reverse().find((event) => event.httpStatus === 200 || arrivedAtStepStone(event));
    for (const event of events.filter((candidate) => candidate.httpStatus === 200)) {
      if (stepstoneStatusOf(event.newStatus) !== undefined) {
        if (arrivedAtStepStone(event)) result.delivered.stepstone += 1;
        else if (events.some((later) => later.seq > event.seq && arrivedAtStepStone(later))) result.superseded += 1;
        else lose(event, 'stepstone');
      }
      const seekId = seekIdOf(event);
      if (seekId !== undefined) {
        if ((seekIds.get(seekId) ?? 0) > 0) result.delivered.seek += 1;
        else lose(event, 'seek');
      }
    }
    const expected = newest ? stepstoneStatusOf(newest.newStatus) : undefined;
    if (newest && expected !== undefined && events.some((event) => event.httpStatus === 200)) {
      const actual = lastStatus.get(newest.application.atsiApplicationId.toLowerCase());
      // Nothing at all is a loss (counted above), not a stale status.
      if (actual !== undefined && actual !== expected) {
        result.wrongFinalStatus += 1;
        if (result.wrongSamples.length < 5) result.wrongSamples.push(`workflow ${newest.application.systemId}: StepStone shows ${actual}, newest change ${describe(newest)} maps to ${expected}`);
      }
    }
  }

  for (const [key, count] of receivedCount) {
    if (count < 2) continue;
    const [atsi, status] = key.split('|');
    const extra = count - 1;
    const explained = Math.min(extra, answerLost.allowed(atsi, status));
    result.duplicates.stepstone.count += extra;
    result.duplicates.stepstone.explained += explained;
    result.duplicates.stepstone.unexplained += extra - explained;
    if (extra > explained && result.duplicates.stepstone.samples.length < 5) result.duplicates.stepstone.samples.push(`${status} for ${atsi} received ${count} times (${explained} explained)`);
  }
  for (const [idempotencyId, count] of seekIds) {
    if (count < 2) continue;
    result.duplicates.seek.count += count - 1;
    if (result.duplicates.seek.samples.length < 5) result.duplicates.seek.samples.push(`${idempotencyId} created ${count} times`);
  }
  return result;
}
