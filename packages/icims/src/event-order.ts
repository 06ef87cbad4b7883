import type { OrderPosition } from '@status-bridge/core';

/**
 * The order position of one iCIMS status event among the changes of its workflow. Pure.
 *
 * The event carries no time (docs/partners/icims.md#the-event), so its position is the time ingest received it,
 * tie-broken by the enrichment job id. That alone misorders a late re-send: iCIMS re-sends A
 * after our 503 while B (newer) was already received, so A's receive time is after B's.
 * The workflow read at enrichment tells us: if it already shows a status other than the event's,
 * the event is older than the workflow's last update, so its position is capped just before that
 * update. `updateddate` is written to the minute ("yyyy-mm-dd hh:mm a"), so it is the floor of
 * the newer change's time, and that change's own receive time is >= the floor (our clock and
 * iCIMS's agreeing; see docs/architecture.md for the edges): the capped event sorts before it.
 *
 * The cap is an upper bound to the minute, so it may also put the event before OLDER changes
 * received earlier in that minute: a capped position carries the receive time and the status the
 * workflow moved on to, so a current-state partner's order check can still see a predecessor for what it is.
 *
 * When the workflow shows the event's status, or gives no usable updateddate, the receive time
 * stands. So does it when the workflow's disagreeing update is older than the receive time by more
 * than `resendWindowMs`: the change that produced this event must itself have moved updateddate,
 * so workflow data that old cannot be the newer change that overtook it (a re-send that late, or
 * workflow data that does not follow its events, as with a stand-in that was never told of the
 * change). Such an event is ordered by its receive time and the basis says why.
 */
export interface EventOrderInput {
  /** ISO time ingest received the event (EnrichJob.receivedAt). */
  receivedAt: string;
  /** The enrichment job's id: the tie-break. */
  enrichJobId: string;
  /** The status the event moved the workflow to. */
  eventStatusId: string;
  /** The status the workflow shows now; undefined when iCIMS did not return it. */
  workflowStatusId?: string;
  /** The workflow's updateddate (ISO, as parseIcimsDateTime gives it), if any. */
  workflowUpdatedAt?: string;
  /**
   * How long after the newer change a re-send of an older event can still arrive and be capped
   * (ICIMS_LATE_RESEND_WINDOW_SECONDS). Undefined: no limit.
   */
  resendWindowMs?: number;
}

/**
 * How the position was found: `received` (the receive time), `before-workflow-update` (capped
 * at the workflow's updateddate - 1 ms), `workflow-update` (no usable receive time; the workflow
 * shows the event's status, so its updateddate is this change's time), `unknown` (neither: 0,
 * older than any change with a known time), `received-workflow-too-old` (the workflow disagrees,
 * but its update is older than the re-send window: the receive time).
 */
export type OrderBasis = 'received' | 'before-workflow-update' | 'received-workflow-too-old' | 'workflow-update' | 'unknown';

export interface EventOrder {
  position: OrderPosition;
  basis: OrderBasis;
}

export function eventOrder(input: EventOrderInput): EventOrder {
  const received = Date.parse(input.receivedAt);
  const updated = input.workflowUpdatedAt === undefined ? Number.NaN : Date.parse(input.workflowUpdatedAt);
  const movedOn = input.workflowStatusId !== undefined && input.workflowStatusId !== input.eventStatusId;
  const at = (atMs: number, basis: OrderBasis): EventOrder => ({ position: { atMs, tiebreak: input.enrichJobId }, basis });
  const window = input.resendWindowMs ?? Number.POSITIVE_INFINITY;
  if (movedOn && Number.isFinite(updated) && Number.isFinite(received) && received - updated > window) {
    return at(received, 'received-workflow-too-old');
  }
  if (movedOn && Number.isFinite(updated)) {
    const cap = updated - 1;
    if (Number.isFinite(received) && received <= cap) return at(received, 'received');
    if (!Number.isFinite(received)) return at(cap, 'before-workflow-update');
    // Several events capped before the same update share atMs: the tie-break leads with the receive
    // time, so they keep the order they arrived in (ISO text sorts by time) rather than the order of their ids.
    return {
      position: { atMs: cap, tiebreak: `${new Date(received).toISOString()} ${input.enrichJobId}`, capped: { receivedAtMs: received, workflowStatusId: input.workflowStatusId as string } },
      basis: 'before-workflow-update',
    };
  }
  if (Number.isFinite(received)) return at(received, 'received');
  // Ingest always writes receivedAt; these two only guard a hand-made or damaged job.
  if (!movedOn && Number.isFinite(updated)) return at(updated, 'workflow-update');
  return at(0, 'unknown');
}

