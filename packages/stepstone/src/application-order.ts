import { randomUUID } from 'node:crypto';
import type { RedisConnection as Redis } from '@status-bridge/core';
import { ownKey, RedisScript, type OrderPosition } from '@status-bridge/core';

/**
 * Newest wins at StepStone, per application. ATSi Application Status is a *current state*: the
 * last message StepStone receives for an AtsiApplicationId is what the jobseeker sees, so an
 * older change must never land after a newer one (a retry after a 503, or two changes in flight
 * on different worker slots or replicas).
 *
 * Per (tenant, AtsiApplicationId) two keys, both under the hash-tagged prefix (one Cluster slot):
 *  - the order mark (hash: at, tie, job, status): the newest position that claimed the application
 *    and the iCIMS status its change entered;
 *  - a short lock (string: the holding job's id, PX): held from the claim until the POST ends, so
 *    two POSTs for one application are never in flight at once.
 * `claim` decides in ONE script, so the check and the record cannot interleave with another job:
 *  1. the mark is newer than this position (and not this job's own) → superseded: post nothing;
 *     except when this position was capped before the workflow's update (an upper bound to the
 *     minute, see packages/icims/src/event-order.ts) and the marked change is its predecessor (it
 *     entered the status this change left, was received first, and is not the change that moved
 *     the workflow on): then this change is the newer one and is recorded just after the mark;
 *  2. another job holds the lock → busy: try again shortly;
 *  3. else record this position as the mark, take the lock → go.
 * A job that already holds the mark or the lock (its own retry, or the same job re-run after a
 * stall) passes 1 and 2 again: both are re-entrant by job id (the lock gets the new claim's token).
 *
 * Positions compare atMs first, then the tie-break BYTE BY BYTE: Lua's `<` on strings uses
 * strcoll, and Redis sets LC_COLLATE from its environment, so a locale could reorder ids.
 *
 * Knows Redis and positions; nothing of BullMQ (the processor turns outcomes into job behaviour).
 */
const CLAIM = new RedisScript<[string, ...Array<string | number>]>(`
local function newer(atA, tieA, atB, tieB)
  if atA ~= atB then return atA > atB end
  local n = math.min(#tieA, #tieB)
  for i = 1, n do
    local a, b = string.byte(tieA, i), string.byte(tieB, i)
    if a ~= b then return a > b end
  end
  return #tieA > #tieB
end
local at, tie, job = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local oldStatus, newStatus, receivedAt, movedTo = ARGV[7], ARGV[8], tonumber(ARGV[9]), ARGV[10]
local mark = redis.call('HMGET', KEYS[1], 'at', 'tie', 'job', 'status')
if mark[1] and mark[3] ~= job and newer(tonumber(mark[1]), mark[2], at, tie) then
  -- A capped position is only an upper bound (to the minute): the marked change may in fact be
  -- older. It is this change's predecessor when this change left the status the marked one
  -- entered, the mark was received first, and the workflow moved on to some OTHER status (a
  -- mark that entered the workflow's current status is the change that moved it on: newer).
  local follows = receivedAt ~= nil and mark[4] and oldStatus ~= '' and mark[4] == oldStatus
    and mark[4] ~= movedTo and tonumber(mark[1]) < receivedAt
  if not follows then
    return {'superseded', mark[3], mark[1], mark[2]}
  end
  -- Recorded just after its predecessor: still before any change received after this one.
  at = tonumber(mark[1]) + 1
end
local holder = redis.call('HGET', KEYS[2], 'job')
if holder and holder ~= job then
  return {'busy', holder, redis.call('PTTL', KEYS[2])}
end
redis.call('HSET', KEYS[1], 'at', string.format('%d', at), 'tie', tie, 'job', job, 'status', newStatus)
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('HSET', KEYS[2], 'job', job, 'token', ARGV[6])
redis.call('PEXPIRE', KEYS[2], ARGV[4])
return {'go'}
`, 2);

// Compare-and-delete on the claim's token, or compare-and-shorten when the POST's outcome is unknown (settleMs > 0).
const RELEASE = new RedisScript<number>(`
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
if tonumber(ARGV[2]) > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 2
end
redis.call('DEL', KEYS[1])
return 1
`, 1);

export interface ApplicationRef {
  tenantId: string;
  atsiApplicationId: string;
}

/** The iCIMS statuses a change left and entered: the mark records the entered one (see CLAIM). */
export interface Transition {
  oldStatusId?: string;
  newStatusId?: string;
}

export type ClaimOutcome =
  /** This claim holds the application; `lockToken` releases it. */
  | { outcome: 'go'; lockToken: string }
  /** A newer change claimed the application: `by` is its delivery job id. */
  | { outcome: 'superseded'; by: string; mark: OrderPosition }
  /** Another job's POST for this application may be in flight; `lockTtlMs` is how long its lock has left. */
  | { outcome: 'busy'; holder: string; lockTtlMs: number };

export interface OrderMark extends OrderPosition {
  jobId: string;
}

export interface ApplicationOrderOptions {
  /** Lock lifetime: must outlast one POST (request timeout) plus the Redis round trips around it. */
  lockMs: number;
  /** Mark lifetime, renewed on every claim: must outlast any replay of an older job (failed jobs are kept 30 days). */
  markTtlMs: number;
}

export class ApplicationOrderStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly options: ApplicationOrderOptions,
  ) {}

  markKey(application: ApplicationRef): string {
    return ownKey(this.prefix, 'stepstone', 'order', application.tenantId, application.atsiApplicationId);
  }

  lockKey(application: ApplicationRef): string {
    return ownKey(this.prefix, 'stepstone', 'order-lock', application.tenantId, application.atsiApplicationId);
  }

  /** Decides whether job `jobId` at `position` may post now (see the module comment). */
  async claim(application: ApplicationRef, position: OrderPosition, jobId: string, transition: Transition = {}): Promise<ClaimOutcome> {
    if (!Number.isSafeInteger(position.atMs)) throw new Error(`order position atMs must be an integer (got ${position.atMs})`);
    const lockToken = randomUUID();
    const reply = await CLAIM.run(
      this.redis,
      [this.markKey(application), this.lockKey(application)],
      [
        String(position.atMs),
        position.tiebreak,
        jobId,
        this.options.lockMs,
        this.options.markTtlMs,
        lockToken,
        transition.oldStatusId ?? '',
        transition.newStatusId ?? '',
        position.capped ? String(position.capped.receivedAtMs) : '',
        position.capped?.workflowStatusId ?? '',
      ],
    );
    const [outcome, ...rest] = reply;
    if (outcome === 'superseded') return { outcome, by: String(rest[0]), mark: { atMs: Number(rest[1]), tiebreak: String(rest[2]) } };
    if (outcome === 'busy') return { outcome, holder: String(rest[0]), lockTtlMs: Math.max(0, Number(rest[1])) };
    return { outcome: 'go', lockToken };
  }

  /**
   * Ends a claim's hold on the application, if it still holds it. `settleMs` > 0 keeps the lock
   * that much longer instead (a POST without an answer may still be applied by StepStone; the
   * next change waits for it rather than racing it). Returns false when the lock was not this
   * claim's any more (it lapsed, and another job or a later run of this one may hold it now).
   */
  async release(application: ApplicationRef, lockToken: string, settleMs = 0): Promise<boolean> {
    return Number(await RELEASE.run(this.redis, [this.lockKey(application)], [lockToken, Math.max(0, Math.floor(settleMs))])) > 0;
  }

  /** The job holding the application's lock, if any. */
  async holder(application: ApplicationRef): Promise<string | undefined> {
    return (await this.redis.hget(this.lockKey(application), 'job')) ?? undefined;
  }

  /** The recorded mark, for operators and tests. */
  async mark(application: ApplicationRef): Promise<OrderMark | undefined> {
    const [at, tie, job] = await this.redis.hmget(this.markKey(application), 'at', 'tie', 'job');
    return at !== null && tie !== null && job !== null ? { atMs: Number(at), tiebreak: tie, jobId: job } : undefined;
  }
}

/** A StatusChange's position; jobs queued before positions existed use receivedAt and the enrichment id. */
export function positionOf(statusChange: { order?: OrderPosition; receivedAt: string; enrichJobId: string }): OrderPosition {
  if (statusChange.order) return statusChange.order;
  const received = Date.parse(statusChange.receivedAt);
  return { atMs: Number.isNaN(received) ? 0 : received, tiebreak: statusChange.enrichJobId };
}
