import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { enrichJobId, type EnrichJob, type IcimsStatusEvent, type TenantsFile } from '@status-bridge/core';
import { createQueues, type ContractQueues } from '@status-bridge/partners';
import { cleanupPrefix, SEED_EVENT_JSON, spawnService, TEST_REDIS_URL, uniquePrefix, waitFor, type ServiceHandle } from '@status-bridge/testing';
import { SANDBOX_ICIMS_CLIENT, SANDBOX_ICIMS_USER, start as startIcimsSandbox, type IcimsSandbox, type IcimsSandboxOptions } from '@status-bridge/sandbox/src/icims';

/**
 * Shared set-up of the enrichment tests (not a test file itself): the iCIMS sandbox in this
 * process on port 0, a temp tenants file whose tenant 1234 talks to it, worker child processes
 * (WORKER_QUEUES=enrich, so delivery jobs stay in their queues for inspection), and producers
 * under a unique queue prefix on the real Redis.
 */
export const SECRETS = {
  TEST_ICIMS_CLIENT_SECRET: SANDBOX_ICIMS_CLIENT.clientSecret,
  TEST_ICIMS_PASSWORD: SANDBOX_ICIMS_USER.password,
  TEST_STEPSTONE_TOKEN: 'stepstone-test-token',
  TEST_INBOUND_PASSWORD: 'inbound-test-password-1234',
};

export function defaultTenants(): TenantsFile {
  const statusMapping = { D10100: 'applied', '1752': 'screening', '9782': 'interview', '9790': 'assessment', '9800': 'offer', '9810': 'hired', '9820': 'rejected', '9830': 'withdrawn' } as const;
  return {
    tenants: {
      '1234': {
        inbound: { basic: { username: 'icims-1234', passwordEnv: 'TEST_INBOUND_PASSWORD' } },
        icims: { auth: { type: 'oauth', clientId: SANDBOX_ICIMS_CLIENT.clientId, clientSecretEnv: 'TEST_ICIMS_CLIENT_SECRET' } },
        statusMapping: { ...statusMapping },
        stepstone: { tokenEnv: 'TEST_STEPSTONE_TOKEN', applicationIdField: 'field51234' },
        seek: {
          hirerId: 'seekAnzPublicTest:organization:seek:93WyyF1h',
          positionProfileField: 'field61234',
          candidateProfileField: 'field71234',
          defaultSource: 'iCIMS',
          withoutPosition: 'interaction',
        },
      },
      // Basic auth, StepStone only.
      '5678': {
        inbound: { basic: { username: 'icims-5678', passwordEnv: 'TEST_INBOUND_PASSWORD' } },
        icims: { auth: { type: 'basic', username: SANDBOX_ICIMS_USER.username, passwordEnv: 'TEST_ICIMS_PASSWORD' } },
        statusMapping: { ...statusMapping },
        stepstone: { tokenEnv: 'TEST_STEPSTONE_TOKEN' },
      },
    },
  };
}

/** The seed event, its links pointing at `origin` (the sandbox), with fields replaced. */
export function seedEvent(origin: string, overrides: Partial<IcimsStatusEvent> = {}): IcimsStatusEvent {
  const event = { ...(JSON.parse(SEED_EVENT_JSON) as IcimsStatusEvent), ...overrides };
  if (overrides.links) return event;
  // Links as iCIMS builds them, for the (possibly replaced) ids, on the sandbox origin.
  const base = `${origin}/customers/${event.customerId}`;
  event.links = [
    { title: 'Applicant Workflow', rel: 'applicantWorkflow', url: `${base}/applicantworkflows/${event.systemId}` },
    { title: 'Job Profile', rel: 'job', url: `${base}/jobs/${event.jobId}` },
    { title: 'Person Profile', rel: 'person', url: `${base}/people/${event.personId}` },
    { title: 'Posting User', rel: 'user', url: `${base}/people/${event.userId}` },
  ];
  return event;
}

export interface Harness {
  sandbox: IcimsSandbox;
  prefix: string;
  redis: Redis;
  queues: ContractQueues;
  workers: ServiceHandle[];
  env: Record<string, string>;
  enqueue(event: IcimsStatusEvent, options?: { tenantId?: string; receivedAt?: number; jobId?: string }): Promise<string>;
  waitForState(queue: keyof ContractQueues, jobId: string, states: string[], timeoutMs?: number): Promise<string>;
  spawnWorker(extraEnv?: Record<string, string>): Promise<ServiceHandle>;
  output(): string;
  close(): Promise<void>;
}

export async function startHarness(
  label: string,
  options: { tenants?: TenantsFile; env?: Record<string, string>; sandbox?: IcimsSandboxOptions; workers?: number } = {},
): Promise<Harness> {
  const sandbox = await startIcimsSandbox(options.sandbox);
  const prefix = uniquePrefix(label);
  const dir = mkdtempSync(join(tmpdir(), 'sb-enrich-'));
  const tenantsPath = join(dir, 'tenants.json');
  writeFileSync(tenantsPath, JSON.stringify(options.tenants ?? defaultTenants(), null, 2));
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  const queues = createQueues(redis, prefix);
  const env: Record<string, string> = {
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    CONFIG_FILE: tenantsPath,
    WORKER_QUEUES: 'enrich',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    ICIMS_API_BASE_URL: sandbox.url,
    ICIMS_TOKEN_URL: sandbox.tokenUrl,
    ICIMS_REQUEST_TIMEOUT_MS: '1000',
    RETRY_BASE_DELAY_MS: '50',
    RETRY_MAX_DELAY_MS: '200',
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...SECRETS,
    ...options.env,
  };
  const workers: ServiceHandle[] = [];
  const spawnWorker = async (extraEnv: Record<string, string> = {}): Promise<ServiceHandle> => {
    const worker = await spawnService('apps/worker/src/main.ts', { ...env, ...extraEnv });
    workers.push(worker);
    return worker;
  };
  await Promise.all(Array.from({ length: options.workers ?? 1 }, () => spawnWorker()));
  let counter = 0;

  return {
    sandbox,
    prefix,
    redis,
    queues,
    workers,
    env,
    spawnWorker,
    async enqueue(event, enqueueOptions = {}) {
      const receivedAt = enqueueOptions.receivedAt ?? Date.now() + counter++;
      const data: EnrichJob = { event, tenantId: enqueueOptions.tenantId ?? event.customerId, receivedAt: new Date(receivedAt).toISOString(), requestId: `test-${counter}` };
      const jobId = enqueueOptions.jobId ?? enrichJobId(event, receivedAt);
      await queues.enrich.add('enrich-status-change', data, { jobId });
      return jobId;
    },
    async waitForState(queue, jobId, states, timeoutMs = 15_000) {
      return waitFor(
        async () => {
          const job = await queues[queue].getJob(jobId);
          const state = job ? await job.getState() : 'missing';
          return states.includes(state) ? state : undefined;
        },
        { timeoutMs, what: `${queue} job ${jobId} in state ${states.join('|')}` },
      );
    },
    output: () => workers.flatMap((worker) => worker.lines).join('\n'),
    async close() {
      await Promise.all(workers.map((worker) => worker.stop()));
      await Promise.all(Object.values(queues).map((queue) => queue.close()));
      await sandbox.close();
      await cleanupPrefix(TEST_REDIS_URL, prefix);
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
