import type { QueueBase } from 'bullmq';
import { RedisScript, type Logger, type RedisConnection } from '@status-bridge/core';

/**
 * The queue-wide pause after a partner's 429 (job-wrapper.ts), without a limiter on every job.
 *
 * BullMQ honours its rate-limit key only when the queue has a limit: moveToActive reads the limit's
 * `max` from the Worker's `limiter` option or from the queue's meta hash, and ignores the key
 * otherwise (bullmq commands/moveToActive-11.lua, includes/getRateLimitTTL.lua), so other slots
 * and processes would fetch jobs again at once. A `limiter` option on the Worker made the pause
 * work but cost every job three or four commands (GET and INCR of the limiter key, HEXISTS of the
 * job, a PEXPIRE), paid on every event to serve a rare 429. Instead the limit lives in the queue's
 * meta hash, set only while a pause is on:
 *
 *  - pause(ms): ONE script sets the meta `max` (a value no queue reaches, so it limits nothing by
 *    count) and the limiter key to a value above it with the pause's PTTL: every Worker of the
 *    queue, in every process, then sees the key and waits its PTTL. A pause is only lengthened,
 *    never shortened, by a second 429.
 *  - lift: once the key has expired, ONE script removes the meta fields again (only when they are
 *    ours: `max` equal to our marker, so a limit an operator set with setGlobalRateLimit stays).
 *    The process that paused lifts at the pause's end; every process also tries at start and
 *    every LIFT_SWEEP_MS, so a pause whose process died is lifted too. Until then jobs run as
 *    before, with the limiter's per-job commands: a cost, never a stall.
 * Both scripts are atomic, so a lift can never remove the meta of a pause being set (it sees both
 * fields or neither). Keys of one queue share the hash-tagged prefix (Cluster-safe).
 */
export const PAUSE_MARKER_MAX = 1_000_000_000;
export const LIFT_SWEEP_MS = 30_000;

const PAUSE = new RedisScript<number>(
  `
local marker, ms = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('HSET', KEYS[2], 'max', ARGV[1], 'duration', '1000')
if tonumber(redis.call('GET', KEYS[1]) or '0') >= marker then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl >= ms then return ttl end
end
redis.call('SET', KEYS[1], ARGV[3], 'PX', ms)
return ms
`,
  2,
);

const LIFT = new RedisScript<number>(
  `
if redis.call('HGET', KEYS[2], 'max') ~= ARGV[1] then return 0 end
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[1]) then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl > 0 then return ttl end
end
redis.call('HDEL', KEYS[2], 'max', 'duration')
return 0
`,
  2,
);

export class QueuePause {
  private timer?: NodeJS.Timeout;
  private sweep?: NodeJS.Timeout;

  constructor(
    private readonly redis: RedisConnection,
    /** The queue's keys (a Queue's or a Worker's: the same keys), so a process can pause a queue it does not consume. */
    private readonly queue: Pick<QueueBase, 'keys'>,
    private readonly logger: Logger,
  ) {}

  private get keys(): [limiter: string, meta: string] {
    return [this.queue.keys.limiter, this.queue.keys.meta];
  }

  /** Pauses the whole queue for at least `ms`; answers how long it is paused now. */
  async pause(ms: number): Promise<number> {
    const pausedMs = Number(await PAUSE.run(this.redis, this.keys, [PAUSE_MARKER_MAX, Math.max(1, Math.ceil(ms)), String(Number.MAX_SAFE_INTEGER)]));
    this.liftAfter(pausedMs);
    return pausedMs;
  }

  /** Removes the pause's limit if the pause is over; answers the ms left otherwise (0: lifted or none). */
  async lift(): Promise<number> {
    return Number(await LIFT.run(this.redis, this.keys, [PAUSE_MARKER_MAX]));
  }

  /** Lifts a pause left by a process that died (now and every LIFT_SWEEP_MS). */
  start(): void {
    const sweep = () => void this.lift().catch((error: Error) => this.logger.debug('queue pause: lift check failed', { error: error.message }));
    sweep();
    this.sweep = setInterval(sweep, LIFT_SWEEP_MS);
    this.sweep.unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    clearInterval(this.sweep);
  }

  private liftAfter(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.lift().then(
        (leftMs) => {
          if (leftMs > 0) this.liftAfter(leftMs);
        },
        // Redis away: the sweep lifts it later; until then jobs only pay the limiter's commands.
        (error: Error) => this.logger.debug('queue pause: lift failed', { error: error.message }),
      );
    }, ms + 20);
    this.timer.unref();
  }
}
