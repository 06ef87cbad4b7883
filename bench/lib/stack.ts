import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { basicAuth, eventJson, REPO_ROOT, startRedisServer, type RedisServerHandle } from '@status-bridge/testing';
import { PARTNERS, sandboxPortVariable } from '@status-bridge/partners';
import { generatedApplicant } from '@status-bridge/sandbox/src/icims/fixtures';
import { killOnExit, startChild, type Child } from './child';
import { roundTripPreload } from './round-trips';

/** Queue prefix of every run; hash-tagged like production's. */
export const PREFIX = '{bench}';
export const TENANT = '1234';
/** Jobs the generated applicants apply to (shared, so the job cache sees repeats as at a customer). */
export const GENERATED_JOBS = 50;
/** Applicants the iCIMS sandbox generates; ids past it answer 404. */
const GENERATED_COUNT = 5_000_000;

/** Development-only secrets for the bench's private processes (tenant 1234 of config/tenants.example.json). */
const SECRETS: Record<string, string> = {
  INBOUND_DEFAULT_PASSWORD: 'bench-default-inbound-password',
  TENANT_1234_INBOUND_PASSWORD: 'bench-inbound-password',
  TENANT_1234_INBOUND_CLIENT_SECRET: 'bench-inbound-client-secret',
  INGEST_TOKEN_SECRET: 'bench-only-ingest-token-secret-0123456789abcdef',
  TENANT_1234_ICIMS_CLIENT_SECRET: 'bench-icims-client-secret',
  TENANT_1234_STEPSTONE_TOKEN: 'bench-stepstone-token',
  SEEK_CLIENT_ID: 'bench-seek-client',
  SEEK_CLIENT_SECRET: 'bench-seek-client-secret',
};

export const INGEST_AUTHORIZATION = basicAuth('icims-1234', SECRETS.TENANT_1234_INBOUND_PASSWORD);

/** Origins of the sandboxes the bench controls (`/_sandbox/...`), by name. */
export interface PartnerUrls {
  icims: string;
  stepstone: string;
  seek: string;
}

/**
 * The sandboxes' origins and the env that points a worker at them, from the runner's ready line
 * (packages/sandbox/src/main.ts: `icims`, one origin per partner key, `workerEnv` as
 * "NAME=value" strings): the partner packages decide their own URLs and variables, so the bench
 * takes them as the runner reports them rather than knowing their paths.
 */
export function sandboxUrls(ready: Record<string, unknown>): { urls: PartnerUrls; workerEnv: Record<string, string> } {
  const origin = (key: string): string => {
    const value = ready[key];
    if (typeof value !== 'string') throw new Error(`the sandbox runner's ready line has no "${key}" origin (keys: ${Object.keys(ready).join(', ')})`);
    return value;
  };
  if (!Array.isArray(ready.workerEnv)) throw new Error('the sandbox runner\'s ready line has no workerEnv');
  const workerEnv = Object.fromEntries(
    (ready.workerEnv as string[]).map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
  for (const name of ['ICIMS_API_BASE_URL', 'ICIMS_TOKEN_URL', 'STEPSTONE_STATUS_URL', 'SEEK_TOKEN_URL', 'SEEK_GRAPHQL_URL']) {
    if (!workerEnv[name]) throw new Error(`the sandbox runner's workerEnv has no ${name} (has: ${Object.keys(workerEnv).join(', ')})`);
  }
  return { urls: { icims: origin('icims'), stepstone: origin('stepstone'), seek: origin('seek') }, workerEnv };
}

/**
 * What every pipeline section runs against: a private Redis (AOF everysec, as in production;
 * never the shared 6379, so FLUSHALL between scenarios is allowed), the three sandboxes in one
 * child process (their CPU is measured apart from ours) serving generated applicants, and the
 * real ingest process. Workers are started per run (workers.ts).
 */
export class Stack {
  private applicants = 0;

  private constructor(
    readonly scratch: string,
    readonly redis: RedisServerHandle,
    readonly admin: Redis,
    readonly sandbox: Child,
    readonly ingest: Child,
    readonly urls: PartnerUrls,
    /** Env every process of ours (and the baselines) gets: Redis, prefix, tenants, secrets, partner URLs. */
    readonly env: Record<string, string>,
    /** Where our processes and the baselines report their Redis round trips (round-trips.ts). */
    readonly roundTripsDir: string,
  ) {}

  static async start(scratch: string): Promise<Stack> {
    const redis = await startRedisServer({ appendonly: true, dir: scratch, args: ['--appendfsync', 'everysec'] });
    killOnExit(redis.process);
    const admin = new Redis(redis.url, { maxRetriesPerRequest: null });
    const started: Child[] = [];
    try {
      const tenants = JSON.parse(readFileSync(join(REPO_ROOT, 'config', 'tenants.example.json'), 'utf8')) as { tenants: Record<string, { icims: { dailyRequestBudget?: number } }> };
      // The example's 10,000 requests a day would pace the run after 8,000 (80%): the bench measures
      // throughput, not the licence. The budget is still counted in Redis on every request.
      tenants.tenants[TENANT].icims.dailyRequestBudget = 1_000_000_000;
      // The bench compares our pipeline with a hand-written copy of the two job boards' calls
      // (bench/pipeline): the example's webhook endpoint (the quick start's receiver on a fixed port)
      // is not part of that comparison, so the bench's tenant has none.
      delete (tenants.tenants[TENANT] as Record<string, unknown>).webhook;
      const configFile = join(scratch, 'tenants.json');
      writeFileSync(configFile, JSON.stringify(tenants));
      const base = { REDIS_URL: redis.url, QUEUE_PREFIX: PREFIX, CONFIG_FILE: configFile, ...SECRETS };
      // The sandbox runner starts iCIMS's and every registered partner's sandbox (their packages own
      // them); port 0 for each, by the variable the registry derives from the partner's key.
      const ports = Object.fromEntries([['SANDBOX_ICIMS_PORT', '0'], ...PARTNERS.filter((partner) => partner.sandbox).map((partner) => [sandboxPortVariable(partner.key), '0'])]);
      const sandbox = await startChild('sandbox', 'packages/sandbox/src/main.ts', { logDir: scratch, env: { ...base, ...ports } });
      started.push(sandbox);
      const { urls, workerEnv } = sandboxUrls(sandbox.ready);
      const env = { ...base, ...workerEnv };
      const roundTripsDir = join(scratch, 'round-trips');
      const preload = roundTripPreload(roundTripsDir);
      const ingest = await startChild('ingest', 'apps/ingest/src/main.ts', { logDir: scratch, nodeArgs: preload.nodeArgs, env: { ...env, ...preload.env, HOST: '127.0.0.1', PORT: '0' } });
      started.push(ingest);
      const stack = new Stack(scratch, redis, admin, sandbox, ingest, urls, env, roundTripsDir);
      await stack.control('icims', '/_sandbox/generated', { customerId: TENANT, count: GENERATED_COUNT, jobs: GENERATED_JOBS });
      return stack;
    } catch (error) {
      await Promise.all(started.map((child) => child.stop()));
      admin.disconnect();
      await redis.stop();
      throw error;
    }
  }

  get ingestUrl(): string {
    return String(this.ingest.ready.url);
  }

  /** `count` applicants never used before in this bench: every event is a new workflow, person and candidate. */
  takeApplicants(count: number): number[] {
    const first = this.applicants;
    this.applicants += count;
    return Array.from({ length: count }, (_, i) => first + i);
  }

  /** `count` applicants the iCIMS sandbox does not have (it answers 404): events whose enrichment fails for good. */
  takeMissingApplicants(count: number): number[] {
    return this.takeApplicants(count).map((index) => GENERATED_COUNT + index);
  }

  /** Ingest request bodies, one per applicant: the seed event naming the generated ids, links at the iCIMS sandbox. */
  eventBodies(applicants: number[]): Buffer[] {
    return applicants.map((index) => {
      const ids = generatedApplicant(index, GENERATED_JOBS);
      return Buffer.from(eventJson({ customerId: TENANT, ...ids }, this.urls.icims));
    });
  }

  /** An HTTP control of a sandbox (`/_sandbox/...`). */
  async control(partner: 'icims' | 'stepstone' | 'seek', path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST'): Promise<unknown> {
    const response = await fetch(`${this.urls[partner]}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${partner} sandbox ${method} ${path}: HTTP ${response.status} ${await response.text()}`);
    return response.status === 204 ? undefined : response.json();
  }

  /** Every partner answers after `ms` (0: at once). */
  async setPartnerLatency(ms: number): Promise<void> {
    await Promise.all([this.control('icims', '/_sandbox/faults', { latencyMs: ms }), this.control('stepstone', '/_sandbox/faults', { latencyMs: ms }), this.control('seek', '/_sandbox/faults', { latencyMs: ms })]);
  }

  /** Before every scenario: an empty private Redis (unless `flush` is false) and empty sandbox request logs. */
  async reset(flush = true): Promise<void> {
    if (flush) await this.admin.flushall();
    await Promise.all([
      this.control('icims', '/_sandbox/requests', undefined, 'DELETE'),
      this.control('stepstone', '/_sandbox/received', undefined, 'DELETE'),
      this.control('seek', '/_sandbox/operations', undefined, 'DELETE'),
    ]);
  }

  async stop(): Promise<void> {
    await Promise.all([this.ingest.stop(), this.sandbox.stop()]);
    this.admin.disconnect();
    await this.redis.stop();
  }
}

