import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@status-bridge/testing';

/**
 * Client-side Redis round trips of our processes and the baselines, counted by a preload
 * (redis-round-trips.cjs) in each of them: node flags and env to pass, and the reader.
 */
export function roundTripPreload(dir: string): { nodeArgs: string[]; env: Record<string, string> } {
  mkdirSync(dir, { recursive: true });
  return { nodeArgs: ['--require', join(REPO_ROOT, 'bench', 'lib', 'redis-round-trips.cjs')], env: { BENCH_ROUND_TRIPS_DIR: dir } };
}

/** Round trips the processes have made so far (their files are at most 100 ms old). */
export function roundTripsSoFar(dir: string, pids: number[]): number {
  let total = 0;
  for (const pid of pids) {
    const file = join(dir, `${pid}.json`);
    if (existsSync(file)) total += (JSON.parse(readFileSync(file, 'utf8')) as { roundTrips: number }).roundTrips;
  }
  return total;
}
