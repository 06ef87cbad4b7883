import type { Cluster } from 'ioredis';
import { ConfigError } from './config-error';
import { createProbe } from './redis';
import type { RedisConnectionConfig } from './redis-config';

/**
 * Start-up check of the two Redis settings our delivery guarantees rest on:
 *
 * - `maxmemory-policy noeviction`: any other policy lets Redis delete keys when memory runs
 *   out, and a deleted job (or its lock, or its deduplication key) is a status change lost or
 *   sent twice without any error anywhere. This is the one BullMQ requires.
 * - `appendonly yes`: without AOF a Redis restart loses every job accepted since the last RDB
 *   snapshot (all of them without snapshots), although the ingest answered iCIMS 200 for each.
 *
 * Both are read from INFO (`INFO memory` → maxmemory_policy, `INFO persistence` → aof_enabled),
 * not CONFIG GET, because managed Redis services often refuse CONFIG. The decision is a pure
 * function of the INFO text (`assessRedisSafety`, table-tested); `checkRedisSafety` does the I/O.
 */
export const REDIS_UNSAFE_CONFIG_MODES = ['warn', 'refuse'] as const;
export type RedisUnsafeConfigMode = (typeof REDIS_UNSAFE_CONFIG_MODES)[number];

export interface RedisSafetyProblem {
  /** `error`: Redis may drop jobs while running; `warn`: jobs may be lost on a restart, or we could not tell. */
  severity: 'error' | 'warn';
  /** The Redis setting, as it is named in redis.conf. */
  setting: 'maxmemory-policy' | 'appendonly';
  /** What INFO said (undefined when INFO did not say). */
  value?: string;
  /** One sentence: what is wrong, what can happen, what to set. */
  message: string;
}

/** INFO's `key:value` lines as a map (section headers, blank lines and CRs ignored). */
export function parseRedisInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** Pure: the problems INFO's memory and persistence sections show; empty when Redis is safe for queues. */
export function assessRedisSafety(infoText: string): RedisSafetyProblem[] {
  const info = parseRedisInfo(infoText);
  const problems: RedisSafetyProblem[] = [];
  const policy = info.get('maxmemory_policy');
  if (policy === undefined) {
    problems.push({
      severity: 'warn',
      setting: 'maxmemory-policy',
      message: 'INFO memory does not show maxmemory_policy, so eviction could not be checked; make sure Redis runs with maxmemory-policy noeviction',
    });
  } else if (policy !== 'noeviction') {
    problems.push({
      severity: 'error',
      setting: 'maxmemory-policy',
      value: policy,
      message: `maxmemory-policy is ${policy}: Redis may evict queued jobs, their locks or deduplication keys when memory is full (status changes lost or sent twice); set maxmemory-policy noeviction`,
    });
  }
  const aof = info.get('aof_enabled');
  if (aof === undefined) {
    problems.push({
      severity: 'warn',
      setting: 'appendonly',
      message: 'INFO persistence does not show aof_enabled, so persistence could not be checked; make sure Redis runs with appendonly yes (or the service\'s equivalent durability)',
    });
  } else if (aof !== '1') {
    problems.push({
      severity: 'warn',
      setting: 'appendonly',
      value: 'no',
      message: 'appendonly is off: a Redis restart loses every job accepted since the last snapshot (all of them without snapshots); set appendonly yes',
    });
  }
  return problems;
}

/** Pure: the refusal for `REDIS_UNSAFE_CONFIG=refuse`, or undefined when nothing refuses the start. */
export function refusalFor(problems: readonly RedisSafetyProblem[], mode: RedisUnsafeConfigMode): ConfigError | undefined {
  // Only eviction refuses: AOF off is a warning in either mode, because several managed services
  // (e.g. ElastiCache) offer no AOF at all and protect data by replication instead.
  const fatal = problems.filter((problem) => problem.severity === 'error');
  if (mode !== 'refuse' || fatal.length === 0) return undefined;
  return new ConfigError(
    `REDIS_UNSAFE_CONFIG=refuse and the Redis at REDIS_URL is unsafe for queues: ${fatal.map((problem) => problem.message).join('; ')} (or set REDIS_UNSAFE_CONFIG=warn to start anyway)`,
  );
}

/** Where the check reports (a winston Logger fits; the CLI passes plain-text writers). */
export interface SafetyReporter {
  error(message: string, meta?: Record<string, unknown>): unknown;
  warn(message: string, meta?: Record<string, unknown>): unknown;
}

/** Reads INFO memory and INFO persistence on a short-lived connection of its own (no retries). */
/**
 * INFO memory + persistence of every node that takes writes: the one Redis, the Sentinel primary,
 * or every master of a Cluster (each holds its own slots, so each must be safe). One attempt,
 * bounded by `timeoutMs`; a node that does not answer fails the read.
 */
export async function readRedisSafetyInfo(connection: RedisConnectionConfig, timeoutMs = 2_000): Promise<Array<{ node: string; info: string }>> {
  const probe = createProbe(connection, timeoutMs);
  const read = async (node: { info(section: string): Promise<string> }): Promise<string> => {
    const [memory, persistence] = await Promise.all([node.info('memory'), node.info('persistence')]);
    return `${memory}\n${persistence}`;
  };
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer INFO within ${timeoutMs} ms`)), timeoutMs * 2);
  });
  try {
    return await Promise.race([
      (async () => {
        await probe.connect();
        if (connection.mode !== 'cluster') return [{ node: connection.mode === 'sentinel' ? `primary of ${connection.name}` : 'redis', info: await read(probe) }];
        const masters = (probe as Cluster).nodes('master');
        return Promise.all(masters.map(async (node) => ({ node: `${node.options.host}:${node.options.port}`, info: await read(node) })));
      })(),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
    probe.disconnect();
  }
}

/**
 * The start-up check: reports every problem (eviction at error level, AOF at warn level) and, in
 * refuse mode, throws a ConfigError (runService exits 78) when eviction could drop jobs.
 *
 * A Redis that cannot be read (down at start, INFO disabled) is reported and the process starts
 * anyway, in both modes: the ingest must be able to come up during an outage and answer 503, and
 * the workers wait for Redis. The check then runs again at the next start.
 */
export async function checkRedisSafety(
  connection: RedisConnectionConfig,
  mode: RedisUnsafeConfigMode,
  reporter: SafetyReporter,
  options: { timeoutMs?: number } = {},
): Promise<RedisSafetyProblem[]> {
  let infos: Array<{ node: string; info: string }>;
  try {
    infos = await readRedisSafetyInfo(connection, options.timeoutMs);
  } catch (error) {
    reporter.warn('could not read the Redis settings (maxmemory-policy, appendonly) at start; not checked', { error: (error as Error).message });
    return [];
  }
  const problems: RedisSafetyProblem[] = [];
  for (const { node, info } of infos) {
    for (const problem of assessRedisSafety(info)) {
      problems.push(problem);
      const meta = { check: 'redis-config', setting: problem.setting, value: problem.value, mode, ...(infos.length > 1 ? { node } : {}) };
      if (problem.severity === 'error') reporter.error(problem.message, meta);
      else reporter.warn(problem.message, meta);
    }
  }
  const refusal = refusalFor(problems, mode);
  if (refusal) throw refusal;
  return problems;
}
