import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisUrlAnswers } from '@status-bridge/core';
import { freePort } from './net';
import { waitFor } from './wait';

/** The Redis the test suite talks to (CI starts one on 6379 if none answers). */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A fresh hash-tagged queue prefix per test file. Test files share one Redis and run in
 * parallel, so nothing may FLUSHDB; every key a test makes lives under its own prefix.
 */
export function uniquePrefix(label: string): string {
  return `{sbt-${label.replace(/[^A-Za-z0-9_-]/g, '')}-${randomBytes(4).toString('hex')}}`;
}

/** Deletes every key under a test prefix. */
export async function cleanupPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface RedisServerHandle {
  url: string;
  port: number;
  /** The data directory (AOF files live here). */
  dir: string;
  /** The current redis-server process (a new one after `restart`). */
  readonly process: ChildProcess;
  /** Stops the server (SIGTERM, or SIGKILL when `hard`); removes the data directory unless the caller gave it. */
  stop(hard?: boolean): Promise<void>;
  /** `kill -9`: the server dies at once, the data directory stays (for `restart`). */
  kill(): Promise<void>;
  /** Starts redis-server again on the same port and directory (after `kill`), and waits for it to answer. */
  restart(): Promise<void>;
}

export interface RedisServerOptions {
  port?: number;
  /** `appendonly yes` keeps data across restarts (and a kill -9). */
  appendonly?: boolean;
  /** `appendfsync` when appendonly. Redis's default everysec can lose acknowledged writes even to a kill -9 while a slow fsync makes it postpone AOF writes (up to 2 s); `always` loses none. */
  appendfsync?: 'always' | 'everysec' | 'no';
  dir?: string;
  /** Default noeviction, the only policy safe for queues; others are for the start-up check's tests. */
  maxmemoryPolicy?: string;
  /** More redis-server arguments, e.g. ['--maxmemory', '100mb']. */
  args?: string[];
}

/**
 * Starts a private redis-server on a free loopback port, for tests that stop Redis
 * (outages, restarts) or need other settings, without disturbing the shared one.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const port = options.port ?? (await freePort());
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sb-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, '--maxmemory-policy', options.maxmemoryPolicy ?? 'noeviction'];
  args.push('--appendonly', options.appendonly ? 'yes' : 'no');
  if (options.appendonly && options.appendfsync) args.push('--appendfsync', options.appendfsync);
  args.push(...(options.args ?? []));
  const url = `redis://127.0.0.1:${port}`;
  const launch = async (): Promise<ChildProcess> => {
    const started = spawn('redis-server', args, { stdio: 'ignore' });
    await waitFor(() => redisUrlAnswers(url), { timeoutMs: 10_000, what: `redis-server on port ${port}` });
    return started;
  };
  const halt = async (current: ChildProcess, signal: NodeJS.Signals): Promise<void> => {
    if (current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill(signal);
    await exited;
  };
  let child = await launch();
  return {
    url,
    port,
    dir,
    get process() {
      return child;
    },
    async stop(hard = false) {
      await halt(child, hard ? 'SIGKILL' : 'SIGTERM');
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
    kill: () => halt(child, 'SIGKILL'),
    async restart() {
      await halt(child, 'SIGKILL');
      child = await launch();
    },
  };
}
