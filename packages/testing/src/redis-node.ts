import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { redisUrlAnswers } from '@status-bridge/core';
import { waitFor } from './wait';

/**
 * One redis-server process of a test topology (cluster node, Sentinel-managed primary/replica, or
 * a sentinel), started on loopback with its own data directory. It can be killed (`kill -9`) and
 * started again with the same arguments and directory (AOF and nodes.conf survive).
 */
export interface RedisNodeProcess {
  readonly port: number;
  readonly dir: string;
  readonly alive: boolean;
  readonly process: ChildProcess;
  /** The server's last log lines, for failure messages. */
  log(): string;
  /** SIGKILL, as a crashed host or OOM killer would. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
  /** Starts it again with the same arguments (plus `extraArgs`) and waits until it answers PING. */
  restart(extraArgs?: string[]): Promise<void>;
}

const LOG_LINES = 60;

export async function spawnRedisNode(port: number, dir: string, args: string[], what: string): Promise<RedisNodeProcess> {
  const lines: string[] = [];
  let child: ChildProcess;
  const exited = (current: ChildProcess): boolean => current.exitCode !== null || current.signalCode !== null;

  const launch = async (extraArgs: string[] = []): Promise<void> => {
    const started = spawn('redis-server', [...args, ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    for (const stream of [started.stdout!, started.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        if (lines.length > LOG_LINES) lines.shift();
      });
    }
    const died = new Promise<never>((_, reject) =>
      started.once('exit', (code, signal) => reject(new Error(`${what} (port ${port}) exited (${signal ?? code}) before answering:\n${lines.join('\n')}`))),
    );
    died.catch(() => undefined);
    await Promise.race([waitFor(() => redisUrlAnswers(`redis://127.0.0.1:${port}`, 500), { timeoutMs: 15_000, intervalMs: 100, what: `${what} on port ${port}` }), died]);
  };

  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const current = child;
    if (exited(current)) return;
    const gone = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill(signal);
    const timer = signal === 'SIGKILL' ? undefined : setTimeout(() => current.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(timer);
  };

  await launch();
  return {
    port,
    dir,
    get alive() {
      return !exited(child);
    },
    get process() {
      return child;
    },
    log: () => lines.join('\n'),
    kill: () => halt('SIGKILL'),
    stop: () => halt('SIGTERM'),
    async restart(extraArgs = []) {
      if (!exited(child)) throw new Error(`${what} on port ${port} is still running`);
      await launch(extraArgs);
    },
  };
}

/** Runs one command on one node over a fresh connection (no retries: a dead node fails at once). */
export async function nodeCommand(port: number, command: string, ...args: Array<string | number>): Promise<unknown> {
  const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2_000, enableOfflineQueue: false });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await redis.call(command, ...args);
  } finally {
    redis.disconnect();
  }
}

/** `INFO <section>` of one node as a map. */
export async function nodeInfo(port: number, section: string): Promise<Record<string, string>> {
  const text = String(await nodeCommand(port, 'INFO', section));
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((line) => line.includes(':') && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}

/** Arguments every data node of a test topology gets: loopback, AOF (as production), noeviction, fast first sync. */
export function dataNodeArgs(port: number, dir: string): string[] {
  return [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    // Diskless sync waits 5 s by default for more replicas to join; ours is the only one.
    '--repl-diskless-sync-delay', '0',
  ];
}
