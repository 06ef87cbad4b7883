/**
 * `npm run replay -- --queue <enrich|partner key> [--tenant 1234] [--error-class http-5xx]
 *   [--since ISO] [--until ISO] [--dry-run] [--limit N]`
 *
 * Retries failed jobs of one queue after an operator fixed the cause (a partner outage ended,
 * a tenant's credentials were renewed), filtered by tenant, partner error class and the time the
 * job failed. A dry run lists what would be retried. Retried jobs get a fresh set of attempts.
 * Reads the Redis variables (REDIS_URL, or REDIS_CLUSTER_NODES / REDIS_SENTINELS …), QUEUE_PREFIX and
 * REDIS_UNSAFE_CONFIG like the services, and checks the Redis settings first like them (an evicting
 * Redis would drop the jobs it puts back).
 */
import { parseArgs } from 'node:util';
import { Job, Queue } from 'bullmq';
import { SingleBar, Presets } from 'cli-progress';
import {
  checkRedisSafety,
  closeRedis,
  commonEnvProperties,
  ConfigError,
  createRedis,
  loadEnv,
  parseFailureReason,
  parsePartitionList,
  partitionEnvProperties,
  partitionLayout,
  redisConnectionFromEnv,
  redisEnvProperties,
  type EnvSource,
  type ParsedFailureReason,
  type RedisEnv,
  type RedisUnsafeConfigMode,
} from '@status-bridge/core';
import { PARTNERS, QUEUE_KEYS, QUEUES, type QueueKey } from '@status-bridge/partners';

// ---- error classes ------------------------------------------------------------------------

/**
 * Classes an operator can name with --error-class. A failed job's reason is written by the worker
 * in the shape core failure-reason.ts formats and parses:
 *   "[<partner> tenant <id>] HTTP <status> <CODE> (attempt n/m): <message> | partner said: …"
 * where status and code are each optional. One reason can be in several classes: a code of a
 * partner whose codes form a family (PartnerDefinition.errorCodeClass, e.g. "graphql") is in the
 * family and in "<family>:<CODE>".
 */
const CODE_FAMILIES = new Map<string, string>(PARTNERS.flatMap((partner) => (partner.errorCodeClass ? [[partner.key, partner.errorCodeClass] as [string, string]] : [])));
const FAMILY_CLASSES = [...new Set(CODE_FAMILIES.values())].map((family) => `${family}|${family}:[A-Z][A-Z0-9_]*`).join('|');
export const ERROR_CLASS_PATTERN = new RegExp(`^(http-[45]xx|http-\\d{3}|${FAMILY_CLASSES ? `${FAMILY_CLASSES}|` : ''}network|timeout|stalled|other)$`);

/** Tags a reason may carry: icims (the enrichment) and every partner's key. */
const REASON_TAGS = ['icims', ...PARTNERS.map((partner) => partner.key)];
// Codes Node and undici give a request that got no answer; NETWORK_ERROR is our clients' fallback.
const NETWORK_CODE = /^(E[A-Z0-9_]+|UND_ERR_[A-Z_]+|NETWORK_ERROR)$/;
const TIMEOUT_CODE = /^(ETIMEDOUT|ECONNABORTED|ESOCKETTIMEDOUT|UND_ERR_(CONNECT|HEADERS|BODY)_TIMEOUT)$/;

export type ParsedReason = ParsedFailureReason;

export function parseFailedReason(reason: string | undefined): ParsedReason {
  return parseFailureReason(reason, REASON_TAGS);
}

/** Every class a failed reason belongs to; "other" when none of the specific ones fits. */
export function errorClassesOf(reason: string | undefined): string[] {
  const classes: string[] = [];
  const { partner, httpStatus, code } = parseFailedReason(reason);
  if (httpStatus !== undefined) {
    classes.push(`http-${httpStatus}`);
    if (httpStatus >= 400 && httpStatus < 600) classes.push(`http-${String(httpStatus)[0]}xx`);
  }
  if (code !== undefined) {
    if (NETWORK_CODE.test(code)) {
      classes.push('network');
      if (TIMEOUT_CODE.test(code)) classes.push('timeout');
    } else if (partner !== undefined && CODE_FAMILIES.has(partner) && !/^HTTP_\d{3}$/.test(code)) {
      const family = CODE_FAMILIES.get(partner) as string;
      classes.push(family, `${family}:${code}`);
    }
  }
  // BullMQ's own reason for a job whose worker lost its lock too often (a crash loop).
  if (/stalled more than allowable limit/i.test(reason ?? '')) classes.push('stalled');
  if (/\btimed? ?out\b/i.test(reason ?? '') && !classes.includes('timeout')) classes.push('timeout');
  return classes.length > 0 ? classes : ['other'];
}

// ---- the filter ---------------------------------------------------------------------------

export interface ReplayFilter {
  tenant?: string;
  errorClass?: string;
  /** Inclusive bounds on when the job failed (finishedOn), epoch ms. */
  sinceMs?: number;
  untilMs?: number;
}

/** What replay needs of a failed job (a BullMQ Job has these fields). */
export interface FailedJobView {
  id?: string;
  data: unknown;
  failedReason?: string;
  finishedOn?: number;
}

/** The tenant of a job: from its payload (every payload names it), else from the job id "c<customerId>-…". */
export function tenantOf(job: FailedJobView): string | undefined {
  const data = (job.data ?? {}) as { tenantId?: unknown; statusChange?: { tenantId?: unknown } };
  const fromData = data.tenantId ?? data.statusChange?.tenantId;
  if (typeof fromData === 'string' && fromData !== '') return fromData;
  return /^c(\d+)-/.exec(job.id ?? '')?.[1];
}

/** Pure: does this failed job match every filter given? */
export function matchesFilter(job: FailedJobView, filter: ReplayFilter): boolean {
  if (filter.tenant !== undefined && tenantOf(job) !== filter.tenant) return false;
  if (filter.errorClass !== undefined && !errorClassesOf(job.failedReason).includes(filter.errorClass)) return false;
  if (filter.sinceMs !== undefined && (job.finishedOn === undefined || job.finishedOn < filter.sinceMs)) return false;
  if (filter.untilMs !== undefined && (job.finishedOn === undefined || job.finishedOn > filter.untilMs)) return false;
  return true;
}

// ---- arguments ----------------------------------------------------------------------------

export interface ReplayOptions extends ReplayFilter {
  queue: QueueKey;
  /** --partition (with QUEUE_PARTITIONS > 1): which partitions' failed sets to read, e.g. "0-3,5"; default all. */
  partitions?: string;
  dryRun: boolean;
  limit?: number;
}

export const USAGE = `usage: npm run replay -- --queue <${QUEUE_KEYS.join('|')}> [--tenant <customerId>]
         [--error-class <http-4xx|http-5xx|http-NNN|${[...new Set(CODE_FAMILIES.values())].map((family) => `${family}|${family}:CODE|`).join('')}network|timeout|stalled|other>]
         [--since <ISO time>] [--until <ISO time>] [--limit <N>] [--partition <list, e.g. 0-3,5>] [--dry-run]
env: REDIS_URL (or REDIS_CLUSTER_NODES, REDIS_SENTINELS …; docs/configuration.md), QUEUE_PREFIX, QUEUE_PARTITIONS,
     QUEUE_PARTITIONS_DRAIN (every partition is read unless --partition narrows it), REDIS_UNSAFE_CONFIG`;

export class UsageError extends Error {}

function parseTime(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new UsageError(`--${name}: "${value}" is not an ISO-8601 time (e.g. 2026-11-23T18:00:00Z)`);
  return ms;
}

export function parseReplayArgs(args: string[]): ReplayOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        queue: { type: 'string' },
        tenant: { type: 'string' },
        'error-class': { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        limit: { type: 'string' },
        partition: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const queue = values.queue;
  if (!queue || !(QUEUE_KEYS as string[]).includes(queue)) throw new UsageError(`--queue must be one of ${QUEUE_KEYS.join(', ')}${queue ? ` (got "${queue}")` : ''}`);
  const errorClass = values['error-class'];
  if (errorClass !== undefined && !ERROR_CLASS_PATTERN.test(errorClass)) throw new UsageError(`--error-class: unknown class "${errorClass}"`);
  if (values.tenant !== undefined && !/^\d+$/.test(values.tenant)) throw new UsageError(`--tenant: an iCIMS customerId is digits (got "${values.tenant}")`);
  let limit: number | undefined;
  if (values.limit !== undefined) {
    limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit: a positive integer (got "${values.limit}")`);
  }
  const sinceMs = parseTime('since', values.since);
  const untilMs = parseTime('until', values.until);
  if (sinceMs !== undefined && untilMs !== undefined && sinceMs > untilMs) throw new UsageError('--since is after --until');
  return { queue: queue as QueueKey, tenant: values.tenant, errorClass, sinceMs, untilMs, limit, ...(values.partition !== undefined ? { partitions: values.partition } : {}), dryRun: values['dry-run'] ?? false };
}

// ---- the run ------------------------------------------------------------------------------

export interface PlannedRetry {
  jobId: string;
  failedReason: string;
  finishedOn?: number;
}

export interface ReplaySummary {
  queue: string;
  dryRun: boolean;
  scanned: number;
  matched: number;
  retried: number;
  /** Jobs that left the failed set between listing and retrying (retried by someone else, removed). */
  skipped: number;
  planned: PlannedRetry[];
}

const PAGE = 500;

/** Lists the failed jobs that match, oldest failure first, up to the limit. Reads only. */
export async function planReplay(queue: Queue, options: ReplayOptions): Promise<{ scanned: number; planned: PlannedRetry[] }> {
  const planned = new Map<string, PlannedRetry>();
  const total = await queue.getFailedCount();
  let scanned = 0;
  // Every page is read before anything is retried, oldest failure first (ascending), so jobs that
  // fail while we read land after the pages already read instead of shifting them.
  for (let start = 0; start < total; start += PAGE) {
    const jobs = await queue.getJobs(['failed'], start, start + PAGE - 1, true);
    scanned += jobs.length;
    for (const job of jobs) {
      if (job?.id && !planned.has(job.id) && matchesFilter(job, options)) planned.set(job.id, { jobId: job.id, failedReason: job.failedReason ?? '', finishedOn: job.finishedOn });
    }
  }
  const ordered = [...planned.values()].sort((a, b) => (a.finishedOn ?? 0) - (b.finishedOn ?? 0));
  return { scanned, planned: options.limit !== undefined ? ordered.slice(0, options.limit) : ordered };
}

export async function runReplay(
  queue: Queue,
  options: ReplayOptions,
  out: { line(text: string): void; progress?: { start(total: number): void; tick(): void; stop(): void } } = { line: () => undefined },
): Promise<ReplaySummary> {
  const { scanned, planned } = await planReplay(queue, options);
  const summary: ReplaySummary = { queue: queue.name, dryRun: options.dryRun, scanned, matched: planned.length, retried: 0, skipped: 0, planned };
  if (options.dryRun) {
    for (const item of planned) {
      const failedAt = item.finishedOn !== undefined ? new Date(item.finishedOn).toISOString() : 'unknown';
      out.line(`would retry ${queue.name}/${item.jobId}  failed ${failedAt}  ${item.failedReason}`);
    }
    return summary;
  }
  out.progress?.start(planned.length);
  for (const item of planned) {
    const job = await Job.fromId(queue, item.jobId);
    try {
      if (!job) throw new Error('job no longer exists');
      // A fresh stall budget as well: no BullMQ script resets a job's stalled counter (`stc`), so a
      // job that failed for being interrupted too often would fail again at its next interruption
      // (apps/worker/src/config stalledJobSettings).
      await (await queue.backend.client).hdel(queue.toKey(item.jobId), 'stc');
      // A fresh set of attempts: the cause was fixed, the job deserves its full retry schedule.
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      summary.retried += 1;
    } catch (error) {
      summary.skipped += 1;
      out.line(`skipped ${queue.name}/${item.jobId}: ${(error as Error).message}`);
    }
    out.progress?.tick();
  }
  out.progress?.stop();
  return summary;
}

function describeFilter(options: ReplayOptions): string {
  const parts = [
    options.tenant !== undefined ? `tenant ${options.tenant}` : undefined,
    options.errorClass !== undefined ? `error class ${options.errorClass}` : undefined,
    options.sinceMs !== undefined ? `failed since ${new Date(options.sinceMs).toISOString()}` : undefined,
    options.untilMs !== undefined ? `failed until ${new Date(options.untilMs).toISOString()}` : undefined,
    options.limit !== undefined ? `at most ${options.limit}` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'all failed jobs';
}

export async function main(argv: string[] = process.argv.slice(2), source: EnvSource = process.env): Promise<number> {
  let options: ReplayOptions;
  type ReplayEnv = RedisEnv & { QUEUE_PREFIX: string; QUEUE_PARTITIONS: number; QUEUE_PARTITIONS_DRAIN?: number; REDIS_UNSAFE_CONFIG: RedisUnsafeConfigMode };
  let env: ReplayEnv;
  let partitions: number[];
  try {
    options = parseReplayArgs(argv);
    env = loadEnv<ReplayEnv>(
      { type: 'object', properties: { ...redisEnvProperties, QUEUE_PREFIX: commonEnvProperties.QUEUE_PREFIX, ...partitionEnvProperties, REDIS_UNSAFE_CONFIG: commonEnvProperties.REDIS_UNSAFE_CONFIG } },
      source,
    );
    try {
      partitions = parsePartitionList(options.partitions ?? 'all', partitionLayout(env).all.length);
    } catch (error) {
      throw new UsageError(`--partition: ${(error as Error).message}`);
    }
  } catch (error) {
    process.stderr.write(`replay: ${(error as Error).message}\n${USAGE}\n`);
    return 64;
  }
  // A terminal tool: its warnings are plain text on stderr, like its other messages.
  const warn = (level: string) => (message: string) => void process.stderr.write(`replay: ${level}: ${message}\n`);
  try {
    await checkRedisSafety(redisConnectionFromEnv(env), env.REDIS_UNSAFE_CONFIG, { error: warn('ERROR'), warn: warn('warning') });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`replay: ${error.message}\n`);
    return 78;
  }
  const redis = createRedis(redisConnectionFromEnv(env), 'client', 'replay');
  const layout = partitionLayout(env);
  // One queue per partition (QUEUE_PARTITIONS; drained ones too): a job is retried where it failed.
  const queues = partitions.map((partition) => ({ partition, queue: new Queue(QUEUES[options.queue].name, { connection: redis, prefix: layout.prefix(partition) }) }));
  const say = (text: string): void => void process.stdout.write(`${text}\n`);
  // A bar only where someone watches it; pipes and CI logs get the summary alone.
  const bar = process.stderr.isTTY ? new SingleBar({ format: 'replay [{bar}] {value}/{total} jobs  {eta_formatted} left', stream: process.stderr }, Presets.shades_classic) : undefined;
  try {
    say(`${options.dryRun ? 'dry run: ' : ''}${QUEUES[options.queue].name}: ${describeFilter(options)}${layout.partitioned ? `; partitions ${partitions.join(',')}` : ''}`);
    const total = { scanned: 0, matched: 0, retried: 0, skipped: 0 };
    for (const { partition, queue } of queues) {
      // --limit counts over all partitions.
      const left = options.limit === undefined ? undefined : options.limit - total.matched;
      if (left !== undefined && left <= 0) break;
      if (layout.partitioned) say(`partition ${partition} (${layout.prefix(partition)})`);
      const summary = await runReplay(queue, { ...options, limit: left }, {
        line: say,
        progress: bar && { start: (count) => bar.start(count, 0), tick: () => bar.increment(), stop: () => bar.stop() },
      });
      total.scanned += summary.scanned;
      total.matched += summary.matched;
      total.retried += summary.retried;
      total.skipped += summary.skipped;
    }
    say(
      options.dryRun
        ? `dry run: ${total.matched} of ${total.scanned} failed jobs would be retried; nothing was changed`
        : `retried ${total.retried} of ${total.matched} matching jobs (${total.scanned} failed jobs scanned, ${total.skipped} skipped)`,
    );
    return total.skipped > 0 ? 2 : 0;
  } catch (error) {
    process.stderr.write(`replay: ${(error as Error).message}\n`);
    return 1;
  } finally {
    await Promise.all(queues.map(({ queue }) => queue.close().catch(() => undefined)));
    await closeRedis(redis);
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
