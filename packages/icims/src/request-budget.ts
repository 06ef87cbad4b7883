import type { RedisConnection } from '@status-bridge/core';
import { ownKey, RedisScript } from '@status-bridge/core';

/**
 * The iCIMS daily request budget, per tenant (licence: about 10,000 requests per customer per
 * day; docs/partners/icims.md#rate-limits-and-errors; the reset time is NOT FOUND, we assume the UTC day).
 *
 * Counting: every request sent is counted in a Redis key per tenant and UTC day (expires after
 * two days), shared by every worker process.
 *
 * Pacing (slow down rather than be cut off): below 80% of the budget requests go out freely.
 * From 80% on, the rest of the budget is spread evenly over the rest of the UTC day: an event may
 * take its requests only when the tenant's next slot has come, otherwise `admit` answers how long
 * to wait. The enrichment processor then delays THAT job (not the queue), so one busy tenant
 * never stalls the others. Once the budget is spent, the wait runs to the next UTC day.
 * An event reserves all its requests at once, so a paced event is never half fetched.
 */
export const WARN_FRACTION = 0.8;

export interface Admission {
  /** 0: go now. Otherwise wait this long and try again. */
  waitMs: number;
  used: number;
  budget: number;
}

// KEYS: count key, slot key. ARGV: now ms, requests wanted, budget, ms left in the UTC day, warn fraction.
const ADMIT = new RedisScript<[number, number]>(`
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local now = tonumber(ARGV[1])
local wanted = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local left = tonumber(ARGV[4])
if used + wanted > budget then return {left, used} end
if used < math.floor(budget * tonumber(ARGV[5])) then return {0, used} end
local interval = math.floor(left / math.max(1, budget - used))
local nextSlot = tonumber(redis.call('GET', KEYS[2]) or '0')
if now < nextSlot then return {nextSlot - now, used} end
redis.call('SET', KEYS[2], tostring(now + interval * wanted), 'PX', math.max(1, left))
return {0, used}
`, 2);

// Before one request: the tenant's back-off gate (KEYS[1]) still open? Then count the request
// (KEYS[2], today's counter, kept two days). One round trip for what were a PTTL and a MULTI.
const COUNT_IF_OPEN = new RedisScript<[number, number]>(
  `
local remaining = redis.call('PTTL', KEYS[1])
if remaining > 0 then return {remaining, 0} end
local used = redis.call('INCR', KEYS[2])
if used == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
return {0, used}
`,
  2,
);

export function utcDay(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export function msLeftInUtcDay(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate() + 1) - now;
}

export class RequestBudget {
  constructor(
    private readonly redis: RedisConnection,
    private readonly prefix: string,
    private readonly onWarn: (tenantId: string, used: number, budget: number) => void = () => undefined,
  ) {}

  countKey(tenantId: string, now: number): string {
    return ownKey(this.prefix, 'icims', 'requests', tenantId, utcDay(now));
  }

  private slotKey(tenantId: string, now: number): string {
    return ownKey(this.prefix, 'icims', 'request-slot', tenantId, utcDay(now));
  }

  /** May this tenant send `wanted` requests now? Does not count them (`count` does, per request sent). */
  async admit(tenantId: string, wanted: number, budget: number, now = Date.now()): Promise<Admission> {
    const [waitMs, used] = await ADMIT.run(this.redis, [this.countKey(tenantId, now), this.slotKey(tenantId, now)], [now, wanted, budget, msLeftInUtcDay(now), WARN_FRACTION]);
    return { waitMs: Number(waitMs), used: Number(used), budget };
  }

  /** Counts one request sent; warns once per day (across processes) when 80% of the budget is used. */
  async count(tenantId: string, budget: number, now = Date.now()): Promise<number> {
    const key = this.countKey(tenantId, now);
    const [[, used]] = (await this.redis.multi().incr(key).expire(key, 2 * 24 * 3600).exec()) as [[Error | null, number], unknown];
    if (used === Math.ceil(budget * WARN_FRACTION)) this.onWarn(tenantId, used, budget);
    return used;
  }

  /**
   * Just before one request goes out: when the tenant's back-off gate (`gateKey`, backoff-gate.ts)
   * is open, counts the request and answers 0; while it is closed, counts nothing and answers the
   * ms it stays closed. Counting as the request leaves (not after its answer) counts the same
   * requests: every one sent, 429s, errors and lost answers included.
   */
  async countIfOpen(tenantId: string, budget: number, gateKey: string, now = Date.now()): Promise<number> {
    const [gateRemainingMs, used] = await COUNT_IF_OPEN.run(this.redis, [gateKey, this.countKey(tenantId, now)], [2 * 24 * 3600]);
    if (Number(used) === Math.ceil(budget * WARN_FRACTION)) this.onWarn(tenantId, Number(used), budget);
    return Math.max(0, Number(gateRemainingMs));
  }

  async used(tenantId: string, now = Date.now()): Promise<number> {
    return Number((await this.redis.get(this.countKey(tenantId, now))) ?? 0);
  }
}
