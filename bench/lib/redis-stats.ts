import type { Redis } from 'ioredis';

/**
 * What Redis itself reports, read before and after a run: calls per command (INFO commandstats;
 * commands a Lua script runs are counted too, under their own names, besides the EVALSHA), used
 * memory and Redis's CPU. (Round trips are counted on the clients' side: round-trips.ts.)
 */
export interface RedisSnapshot {
  calls: Map<string, number>;
  usedMemory: number;
  cpuMs: number;
}

export async function redisSnapshot(admin: Redis): Promise<RedisSnapshot> {
  // One MULTI, whose own calls diff() takes off again.
  const [[, commandstats], [, memory], [, cpu]] = (await admin.multi().info('commandstats').info('memory').info('cpu').exec()) as Array<[unknown, string]>;
  const calls = new Map<string, number>();
  for (const match of commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1], Number(match[2]));
  const field = (text: string, name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(text)?.[1] ?? NaN);
  return {
    calls,
    usedMemory: field(memory, 'used_memory'),
    cpuMs: (field(cpu, 'used_cpu_sys') + field(cpu, 'used_cpu_user')) * 1000,
  };
}

export interface RedisDelta {
  /** Calls per command during the run, the harness's own calls taken off. */
  calls: Map<string, number>;
  totalCalls: number;
  usedMemoryDelta: number;
  cpuMs: number;
}

/**
 * after − before, less what the harness itself sent in between (calls per command, e.g. its
 * progress polls), and less the snapshots' own MULTI/INFO/EXEC.
 */
export function redisDiff(before: RedisSnapshot, after: RedisSnapshot, harness: Record<string, number> = {}): RedisDelta {
  // Counted in between: the first snapshot's EXEC and its last two INFOs, the second's MULTI.
  const own: Record<string, number> = { multi: 1, exec: 1, info: 2 };
  for (const [name, count] of Object.entries(harness)) own[name] = (own[name] ?? 0) + count;
  const calls = new Map<string, number>();
  let totalCalls = 0;
  for (const [name, count] of after.calls) {
    const delta = count - (before.calls.get(name) ?? 0) - (own[name] ?? 0);
    if (delta > 0) {
      calls.set(name, delta);
      totalCalls += delta;
    }
  }
  return { calls, totalCalls, usedMemoryDelta: after.usedMemory - before.usedMemory, cpuMs: after.cpuMs - before.cpuMs };
}
