import { randomBytes } from 'node:crypto';
import type { RedisConnection as Redis } from '@status-bridge/core';
import { ownKey, RedisScript } from '@status-bridge/core';

/**
 * The tenant-wide iCIMS back-off gate, shared by every worker process through Redis.
 *
 * A 429 is iCIMS telling the whole integration user (the tenant) to slow down, not one job: if
 * each job waits only for itself, the others keep calling and every call is another refused,
 * counted request (measured on main: 3,781 429s in 10 s for 300 events). So a 429 closes the
 * gate of its tenant until Retry-After has passed, and every job of that tenant checks the gate
 * before calling iCIMS; other tenants have their own gates.
 *
 * States, per tenant:
 *   open        no key: go.
 *   closed      `gate` key alive; its PTTL (Redis's clock, so process clocks do not matter) is
 *               the wait. A later 429 may push it later, never earlier.
 *   recovering  the gate has expired but `recovering` is alive (set with the gate, outlives it):
 *               iCIMS may still be limiting, so one event at a time may probe (a SET NX lease);
 *               the others wait a jittered moment. The probe's success opens the gate fully; a
 *               429 closes it again. Without this, every job woken at the opening (and every
 *               request already in flight) would meet the same 429 together.
 * Waits handed to callers are spread with jitter over `jitterMs`, so hundreds of delayed jobs
 * do not come back in the same millisecond.
 */
export interface BackoffGateOptions {
  /** Waits are spread uniformly over [0, jitterMs) on top of the gate's own wait. */
  jitterMs: number;
  /** How long one probing event may hold the lease (longer than its requests can take). */
  probeLeaseMs: number;
  /** How long after the gate opens the tenant stays in `recovering` without a successful probe. */
  recoveryMs?: number;
  random?: () => number;
}

/** RateLimitedError codes of waits the gate hands out (no request was sent). */
export const GATE_CLOSED_CODE = 'BACKOFF_GATE_CLOSED';
export const GATE_PROBING_CODE = 'BACKOFF_GATE_PROBING';

export type GateClosing = 'closed' | 'extended' | 'kept';

export type GateAdmission =
  | { state: 'open' }
  /** This caller probes; pass `probeId` to `probeSucceeded` / `probeEnded`. */
  | { state: 'probe'; probeId: string }
  | { state: 'closed'; remainingMs: number }
  | { state: 'probing'; remainingMs: number };

// KEYS: gate, recovering, probe. ARGV: delay ms, recovery ms.
// Returns {1 closed | 2 extended | 0 kept, ms until the gate opens}.
const CLOSE = new RedisScript<[number, number]>(`
local remaining = redis.call('PTTL', KEYS[1])
local delay = tonumber(ARGV[1])
if remaining >= delay then return {0, remaining} end
redis.call('SET', KEYS[1], '1', 'PX', delay)
redis.call('SET', KEYS[2], '1', 'PX', delay + tonumber(ARGV[2]))
redis.call('DEL', KEYS[3])
if remaining > 0 then return {2, delay} end
return {1, delay}
`, 3);

// KEYS: gate, recovering, probe. ARGV: probe id, lease ms.
// Returns {0 open | 1 closed | 2 probe granted | 3 another probe in flight, ms}.
const ADMIT = new RedisScript<[number, number]>(`
local remaining = redis.call('PTTL', KEYS[1])
if remaining > 0 then return {1, remaining} end
if redis.call('EXISTS', KEYS[2]) == 0 then return {0, 0} end
if redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', tonumber(ARGV[2])) then return {2, 0} end
return {3, math.max(0, redis.call('PTTL', KEYS[3]))}
`, 3);

// KEYS: gate, recovering, probe. ARGV: probe id. The probe got answers: open, unless a 429
// closed the gate meanwhile (that closing stands).
const PROBE_SUCCEEDED = new RedisScript<number>(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
return 1
`, 3);

// KEYS: probe. ARGV: probe id. The probe ended without telling us anything: let another try.
const PROBE_ENDED = new RedisScript<number>(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`, 1);

const ADMISSION_STATES = ['open', 'closed', 'probe', 'probing'] as const;

/** Waiting for a probe's answer: at least this long (plus jitter), so waiting jobs do not spin. */
export const PROBE_POLL_MS = 100;

export class BackoffGate {
  private readonly recoveryMs: number;
  private readonly random: () => number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly options: BackoffGateOptions,
  ) {
    this.recoveryMs = options.recoveryMs ?? 60_000;
    this.random = options.random ?? Math.random;
  }

  /** The tenant's keys; one hash tag (the queue prefix), so the scripts work on Redis Cluster. */
  keys(tenantId: string): [gate: string, recovering: string, probe: string] {
    return [ownKey(this.prefix, 'icims', 'gate', tenantId), ownKey(this.prefix, 'icims', 'gate-recovering', tenantId), ownKey(this.prefix, 'icims', 'gate-probe', tenantId)];
  }

  /**
   * After a 429: closes the tenant's gate for `delayMs` from now, unless it is already closed
   * until later. `closed` means this call closed an open gate (log it: one line per closing).
   */
  async close(tenantId: string, delayMs: number): Promise<{ closing: GateClosing; remainingMs: number }> {
    const [code, remainingMs] = await CLOSE.run(this.redis, this.keys(tenantId), [Math.max(1, Math.round(delayMs)), this.recoveryMs]);
    return { closing: code === 1 ? 'closed' : code === 2 ? 'extended' : 'kept', remainingMs: Number(remainingMs) };
  }

  /** Before one request: ms until the gate opens (0: open). Cheap (one PTTL); ignores recovery. */
  async remaining(tenantId: string): Promise<number> {
    return Math.max(0, await this.redis.pttl(this.keys(tenantId)[0]));
  }

  /** Before an event's requests (and before it reserves budget). */
  async admit(tenantId: string): Promise<GateAdmission> {
    const probeId = randomBytes(8).toString('hex');
    const [code, remainingMs] = await ADMIT.run(this.redis, this.keys(tenantId), [probeId, this.options.probeLeaseMs]);
    const state = ADMISSION_STATES[code];
    if (state === 'probe') return { state, probeId };
    if (state === 'closed' || state === 'probing') return { state, remainingMs: Number(remainingMs) };
    return { state: 'open' };
  }

  /** The probing event got its answers: the tenant is open again (unless a 429 closed it since). */
  async probeSucceeded(tenantId: string): Promise<boolean> {
    return (await PROBE_SUCCEEDED.run(this.redis, this.keys(tenantId), [])) === 1;
  }

  /** The probing event ended without an answer that tells (network error, pacing): another may probe. */
  async probeEnded(tenantId: string, probeId: string): Promise<void> {
    await PROBE_ENDED.run(this.redis, [this.keys(tenantId)[2]], [probeId]);
  }

  /** How long a caller refused by the gate should wait: the gate's time plus jitter. */
  waitFor(admission: { state: 'closed' | 'probing'; remainingMs: number }): number {
    const base = admission.state === 'closed' ? admission.remainingMs : PROBE_POLL_MS;
    return base + Math.floor(this.random() * this.options.jitterMs);
  }
}
