import { createHash } from 'node:crypto';
import type { RedisConnection } from './redis';

/**
 * One of our Lua scripts, sent as EVALSHA. `redis.eval(lua, …)` ships the whole script text with
 * every call and Redis hashes it again each time; on the hot path (the back-off gate, the budget,
 * the newest-wins order mark) that was four script bodies per event. ioredis's defineCommand sends
 * EVALSHA and falls back to EVAL once when Redis answers NOSCRIPT (a restart, a failover, SCRIPT
 * FLUSH), so nothing depends on the script having been loaded before. Works on a Cluster as well
 * (keys of one script share a hash tag: our keys all live under the hash-tagged queue prefix).
 *
 * Defined lazily, once per connection: modules receive their connection at run time.
 */
export class RedisScript<Result = unknown> {
  /** The ioredis command name: `sb_<digest>`, unique per script text. */
  readonly name: string;
  private readonly defined = new WeakSet<RedisConnection>();

  constructor(
    readonly lua: string,
    readonly numberOfKeys: number,
  ) {
    this.name = `sb_${createHash('sha1').update(lua).digest('hex').slice(0, 16)}`;
  }

  run(redis: RedisConnection, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<Result> {
    if (keys.length !== this.numberOfKeys) throw new Error(`script ${this.name} takes ${this.numberOfKeys} keys, got ${keys.length}`);
    if (!this.defined.has(redis)) {
      redis.defineCommand(this.name, { numberOfKeys: this.numberOfKeys, lua: this.lua });
      this.defined.add(redis);
    }
    const command = (redis as unknown as Record<string, (...params: Array<string | number>) => Promise<Result>>)[this.name];
    return command.call(redis, ...keys, ...args);
  }
}
