import { Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '@status-bridge/testing';
import { RedisScript } from '../src/redis-script';

/**
 * Our Lua scripts go out as EVALSHA (the script text only when Redis does not have it), against a
 * private redis-server: its INFO commandstats count only this file's calls, and SCRIPT FLUSH
 * there touches no one else's scripts.
 */
let server: RedisServerHandle;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

const lua = `redis.call('INCRBY', KEYS[1], ARGV[1])\nreturn redis.call('GET', KEYS[1])`;

/** Successful EVAL and EVALSHA calls so far (a NOSCRIPT answer is a failed call, not counted). */
async function scriptCalls(): Promise<{ eval: number; evalsha: number }> {
  const stats = await redis.info('commandstats');
  const calls = (name: string) => Number(new RegExp(`cmdstat_${name}:calls=(\\d+),.*?failed_calls=(\\d+)`).exec(stats)?.slice(1).reduce((ok, failed) => String(Number(ok) - Number(failed))) ?? 0);
  return { eval: calls('eval'), evalsha: calls('evalsha') };
}

test('runs the script with its keys and arguments; the text goes out only when Redis lacks it (first call, after SCRIPT FLUSH)', async () => {
  const script = new RedisScript<string>(lua, 1);
  expect(await script.run(redis, ['counter'], [2])).toBe('2');
  expect(await script.run(redis, ['counter'], [3])).toBe('5');
  expect(await script.run(redis, ['counter'], [4])).toBe('9');
  expect(await scriptCalls()).toEqual({ eval: 1, evalsha: 2 });
  // A Redis restart or failover empties the script cache: the next call must still work.
  await redis.script('FLUSH');
  expect(await script.run(redis, ['counter'], [1])).toBe('10');
  expect(await script.run(redis, ['counter'], [1])).toBe('11');
  expect(await scriptCalls()).toEqual({ eval: 2, evalsha: 3 });
});

test('two scripts on one connection stay apart; a call with the wrong number of keys is refused (it would shift every argument)', async () => {
  const other = new RedisScript<string>(`return ARGV[1] .. KEYS[1]`, 1);
  expect(await other.run(redis, ['k'], ['v'])).toBe('vk');
  expect(await new RedisScript<string>(lua, 1).run(redis, ['counter-2'], [7])).toBe('7');
  expect(() => other.run(redis, [], ['v'])).toThrow('takes 1 keys, got 0');
});
