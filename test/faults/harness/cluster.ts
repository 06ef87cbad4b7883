import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisConnection as Redis } from '@status-bridge/core';
import { closeRedis, createRedis } from '@status-bridge/core';
import { createQueues, QUEUE_KEYS, type ContractQueues, type QueueKey } from '@status-bridge/partners';
import { start as startIcims, type GeneratedApplication, type IcimsSandbox } from '@status-bridge/sandbox/src/icims';
import { start as startSeek, type SeekSandbox } from '@status-bridge/seek/src/sandbox';
import { start as startStepStone, type StepStoneSandbox } from '@status-bridge/stepstone/src/sandbox';
import { freePort, sleep, spawnService, startRedisServer, type RedisServerHandle, type ServiceHandle } from '@status-bridge/testing';
import { countNonJsonLines, type NonJsonCount } from './log-lines';
import { CUSTOMER_ID, faultsTenants, SECRETS } from './tenants';

/**
 * One scenario's system: a private redis-server (AOF with `appendfsync always` as production runs it, its own port and
 * directory: never the shared Redis on 6379), the three partner sandboxes in this process (they
 * are the record of what partners received), ingest and workers as child processes configured by
 * env only, as operators run them. Processes can be killed and restarted; everything started is
 * stopped by `close()` (and SIGKILLed if the test process exits first).
 */
export interface ClusterOptions {
  label: string;
  /** Worker processes started at once (default 1). */
  workers?: number;
  /** Env for every worker, over the suite's defaults (e.g. short partner timeouts). */
  workerEnv?: Record<string, string>;
  ingestEnv?: Record<string, string>;
  /** Distinct applications generated in the iCIMS sandbox (default 100: 170 events with planChanges). */
  applications?: number;
}

/** A process the cluster started, with how it ended (for the non-JSON line count). */
export interface ClusterProcess {
  name: string;
  handle: ServiceHandle;
  killedHard: boolean;
}

export type JobCounts = Record<QueueKey, Record<string, number>>;

/** States in which a job still has work to do. */
const PENDING_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

// Short retries so a scenario drains in seconds; scenarios that need production delays override them.
// No stall settings (lock duration, stalled interval, max stalled count): the suite tests BullMQ's
// defaults as the worker sets them.
export const SUITE_WORKER_ENV: Record<string, string> = {
  RETRY_BASE_DELAY_MS: '150',
  RETRY_MAX_DELAY_MS: '1500',
  ICIMS_REQUEST_TIMEOUT_MS: '5000',
  ICIMS_DEFAULT_RETRY_AFTER_MS: '1000',
  STEPSTONE_REQUEST_TIMEOUT_MS: '5000',
  STEPSTONE_DEFAULT_RETRY_AFTER_MS: '1000',
  SEEK_REQUEST_TIMEOUT_MS: '5000',
};

// How a worker reports a partner request that got no answer (packages/stepstone classify: timeouts, resets).
const NO_ANSWER = /ETIMEDOUT|ECONNRESET|EPIPE|socket hang up|no answer/i;

// Generous: on a busy two-core machine a tsx start-up has taken over 20 s.
const SPAWN_TIMEOUT_MS = 60_000;

const live = new Set<Cluster>();

export class Cluster {
  readonly processes: ClusterProcess[] = [];
  ingest: ClusterProcess | undefined;
  private workerCount = 0;
  private closed = false;
  // Last resort when the test process ends without afterEach (a crash): no orphans left behind.
  private readonly onExit = (): void => this.killAllNow();

  private constructor(
    readonly label: string,
    readonly redisServer: RedisServerHandle,
    readonly icims: IcimsSandbox,
    readonly stepstone: StepStoneSandbox,
    readonly seek: SeekSandbox,
    readonly applications: GeneratedApplication[],
    readonly prefix: string,
    readonly ingestPort: number,
    private readonly dir: string,
    private readonly workerEnv: Record<string, string>,
    private readonly ingestEnv: Record<string, string>,
    readonly inspection: Redis,
    readonly queues: ContractQueues,
  ) {}

  static async start(options: ClusterOptions): Promise<Cluster> {
    const dir = mkdtempSync(join(tmpdir(), `sb-faults-${options.label}-`));
    const started: Array<() => Promise<unknown>> = [];
    try {
      const redisServer = await startRedisServer({ appendonly: true, appendfsync: 'always', dir });
      started.push(() => redisServer.stop(true));
      if (redisServer.port === 6379) throw new Error('the fault suite must not use the shared Redis on 6379');
      const [icims, stepstone, seek] = await Promise.all([
        startIcims(),
        startStepStone({ tokens: [SECRETS.FAULTS_STEPSTONE_TOKEN] }),
        startSeek({ clients: [{ clientId: SECRETS.FAULTS_SEEK_CLIENT_ID, clientSecret: SECRETS.FAULTS_SEEK_CLIENT_SECRET }] }),
      ]);
      started.push(() => icims.close(), () => stepstone.close(), () => seek.close());
      const applications = icims.generateApplications(CUSTOMER_ID, options.applications ?? 100);
      const tenantsFile = join(dir, 'tenants.json');
      writeFileSync(tenantsFile, JSON.stringify(faultsTenants(), null, 2));
      const prefix = '{faults}';
      const env: Record<string, string> = {
        REDIS_URL: redisServer.url,
        QUEUE_PREFIX: prefix,
        CONFIG_FILE: tenantsFile,
        LOG_LEVEL: 'info',
        SHUTDOWN_TIMEOUT_MS: '8000',
        ...SECRETS,
      };
      const workerEnv: Record<string, string> = {
        ...env,
        WORKER_QUEUES: 'all',
        METRICS_PORT: '0',
        METRICS_HOST: '127.0.0.1',
        ICIMS_API_BASE_URL: icims.url,
        ICIMS_TOKEN_URL: icims.tokenUrl,
        STEPSTONE_STATUS_URL: stepstone.statusUrl('ATS-FAULTS'),
        SEEK_TOKEN_URL: seek.tokenUrl,
        SEEK_GRAPHQL_URL: seek.graphqlUrl,
        SEEK_CLIENT_ID: SECRETS.FAULTS_SEEK_CLIENT_ID,
        SEEK_CLIENT_SECRET: SECRETS.FAULTS_SEEK_CLIENT_SECRET,
        ...SUITE_WORKER_ENV,
        ...options.workerEnv,
      };
      // ICIMS_API_BASE_URL: ingest checks event links against it once the ingest hardening is merged.
      const ingestEnv: Record<string, string> = { ...env, HOST: '127.0.0.1', ICIMS_API_BASE_URL: icims.url, ...options.ingestEnv };
      const inspection = createRedis({ mode: 'single', url: redisServer.url }, 'worker', 'faults-inspection');
      const queues = createQueues(inspection, prefix);
      for (const queue of Object.values(queues)) queue.on('error', () => undefined);
      const cluster = new Cluster(options.label, redisServer, icims, stepstone, seek, applications, prefix, await freePort(), dir, workerEnv, ingestEnv, inspection, queues);
      live.add(cluster);
      process.once('exit', cluster.onExit);
      // From here on close() stops whatever did start.
      started.length = 0;
      started.push(() => cluster.close());
      // allSettled: a process still starting when another fails must be registered before close() runs.
      const starts = await Promise.allSettled([cluster.startIngest(), ...Array.from({ length: options.workers ?? 1 }, () => cluster.startWorker())]);
      const failed = starts.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      if (failed) throw failed.reason;
      return cluster;
    } catch (error) {
      for (const stop of started.reverse()) await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
  }

  get ingestUrl(): string {
    return `http://127.0.0.1:${this.ingestPort}`;
  }

  get workers(): ClusterProcess[] {
    return this.processes.filter((entry) => entry.name.startsWith('worker') && entry.handle.process.exitCode === null && entry.handle.process.signalCode === null);
  }

  /** Starts a worker process (env over the cluster's worker env) and waits for its "ready" line. */
  async startWorker(extraEnv: Record<string, string> = {}): Promise<ClusterProcess> {
    this.workerCount += 1;
    const name = `worker-${this.workerCount}`;
    const handle = await spawnService('apps/worker/src/main.ts', { ...this.workerEnv, ...extraEnv }, { timeoutMs: SPAWN_TIMEOUT_MS });
    const entry = { name, handle, killedHard: false };
    this.processes.push(entry);
    return entry;
  }

  /** Starts ingest on the cluster's fixed port (a restart after a kill answers on the same URL). */
  async startIngest(): Promise<ClusterProcess> {
    const handle = await spawnService('apps/ingest/src/main.ts', { ...this.ingestEnv, PORT: String(this.ingestPort) }, { timeoutMs: SPAWN_TIMEOUT_MS });
    const entry = { name: `ingest-${this.processes.filter((p) => p.name.startsWith('ingest')).length + 1}`, handle, killedHard: false };
    this.processes.push(entry);
    this.ingest = entry;
    return entry;
  }

  /** Sends a signal to one of our processes and waits until it has exited. */
  async signal(target: ClusterProcess, signal: NodeJS.Signals): Promise<number | null> {
    if (signal === 'SIGKILL') target.killedHard = true;
    // stop() escalates to SIGKILL after the bound; a graceful stop is bounded by SHUTDOWN_TIMEOUT_MS (8 s).
    return target.handle.stop(signal, 15_000);
  }

  /** Pending and failed job counts per queue. */
  async jobCounts(): Promise<JobCounts> {
    const entries = await Promise.all(QUEUE_KEYS.map(async (key) => [key, await this.queues[key].getJobCounts(...PENDING_STATES, 'failed', 'completed')] as const));
    return Object.fromEntries(entries) as JobCounts;
  }

  static pending(counts: JobCounts): number {
    return QUEUE_KEYS.reduce((sum, key) => sum + PENDING_STATES.reduce((inner, state) => inner + (counts[key][state] ?? 0), 0), 0);
  }

  /**
   * Waits until no queue holds a job with work left (twice in a row, 250 ms apart). Returns the
   * time it happened, or undefined when `timeoutMs` passed first.
   */
  async waitForDrain(timeoutMs: number): Promise<number | undefined> {
    const deadline = Date.now() + timeoutMs;
    let idleSince: number | undefined;
    while (Date.now() < deadline) {
      // Bounded: while Redis is down the counts would wait for it (-1: unknown, not idle).
      let timer: NodeJS.Timeout | undefined;
      const pending = await Promise.race([this.jobCounts().then(Cluster.pending), new Promise<number>((resolve) => (timer = setTimeout(() => resolve(-1), 5_000)))]);
      clearTimeout(timer);
      if (pending === 0) {
        idleSince ??= Date.now();
        if (Date.now() - idleSince >= 250) return idleSince;
      } else {
        idleSince = undefined;
      }
      await sleep(125);
    }
    return undefined;
  }

  /** The jobs of a queue that are active right now, with their StepStone message when it is a delivery. */
  async activeJobs(key: QueueKey): Promise<Array<{ id: string; atsiApplicationId?: string; status?: string }>> {
    const jobs = await this.queues[key].getJobs(['active']);
    return jobs.map((job) => {
      const stepstone = (job.data as { stepstone?: { atsiApplicationId: string; status: string } }).stepstone;
      return { id: String(job.id), atsiApplicationId: stepstone?.atsiApplicationId, status: stepstone?.status };
    });
  }

  /**
   * StepStone deliveries whose request got no answer (timed out, connection broken), as the
   * workers reported them: StepStone may have accepted the message, so a retry may repeat it.
   */
  async stepstoneTimeouts(): Promise<Array<{ id: string; atsiApplicationId?: string; status?: string }>> {
    const ids = this.processes
      .filter((entry) => entry.name.startsWith('worker'))
      .flatMap((entry) => entry.handle.logs())
      .filter((line) => line.queue === 'deliver-stepstone' && typeof line.reason === 'string' && NO_ANSWER.test(line.reason))
      .map((line) => String(line.jobId));
    const jobs = await Promise.all(ids.map((id) => this.queues.stepstone.getJob(id)));
    return jobs.flatMap((job) => (job ? [{ id: String(job.id), atsiApplicationId: job.data.stepstone.atsiApplicationId, status: job.data.stepstone.status }] : []));
  }

  /** How often BullMQ has moved a job back from a dead worker (its `stc` field). */
  async stalledCount(key: QueueKey, id: string): Promise<number> {
    return Number((await this.inspection.hget(`${this.prefix}:${this.queues[key].name}:${id}`, 'stc')) ?? 0);
  }

  /** Failed jobs of every queue, with their reasons (first `limit` of each queue). */
  /**
   * What became of one workflow's jobs in every queue (state, attempts, outcome or failure, order
   * position): printed with a loss, so a CI failure says which decision dropped the change.
   */
  async jobTrail(systemId: string): Promise<string[]> {
    const trail: string[] = [];
    for (const key of QUEUE_KEYS) {
      const jobs = await this.queues[key].getJobs(['completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);
      for (const job of jobs) {
        const data = job.data as { event?: { systemId?: string }; statusChange?: { systemId?: string; order?: unknown } };
        if ((data.event?.systemId ?? data.statusChange?.systemId) !== systemId) continue;
        const state = await job.getState();
        const result = job.failedReason ? `failed: ${job.failedReason}` : JSON.stringify(job.returnvalue ?? null);
        trail.push(`${this.queues[key].name}/${job.id} ${state} attempts ${job.attemptsMade} → ${result}${data.statusChange?.order ? ` order ${JSON.stringify(data.statusChange.order)}` : ''}`);
      }
    }
    return trail;
  }

  async failedJobs(limit = 5): Promise<{ count: number; reasons: string[] }> {
    let count = 0;
    const reasons: string[] = [];
    for (const key of QUEUE_KEYS) {
      count += await this.queues[key].getFailedCount();
      for (const job of await this.queues[key].getFailed(0, limit - 1)) reasons.push(`${this.queues[key].name}/${job.id}: ${job.failedReason}`);
    }
    return { count, reasons };
  }

  nonJsonLines(): NonJsonCount {
    return countNonJsonLines(this.processes.map((entry) => ({ name: entry.name, lines: entry.handle.lines, killedHard: entry.killedHard })));
  }

  /** SIGKILL for every child, synchronously (process exit). */
  killAllNow(): void {
    for (const entry of this.processes) if (entry.handle.process.exitCode === null) entry.handle.process.kill('SIGKILL');
    const redis = this.redisServer.process;
    if (redis.exitCode === null && redis.signalCode === null) redis.kill('SIGKILL');
  }

  /** Stops everything the cluster started (children first, hard: the scenario's counts are taken), removes its files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.processes.map((entry) => entry.handle.stop('SIGKILL', 5_000).catch(() => undefined)));
    await Promise.all(Object.values(this.queues).map((queue) => queue.close().catch(() => undefined)));
    await closeRedis(this.inspection, 500);
    await this.redisServer.stop(true).catch(() => undefined);
    await Promise.all([this.icims.close(), this.stepstone.close(), this.seek.close()]);
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
    process.off('exit', this.onExit);
  }
}

/** Closes every cluster still open (afterEach / afterAll of each scenario file). */
export async function closeAllClusters(): Promise<void> {
  for (const cluster of [...live]) await cluster.close();
}
