import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { start as startIcims, SANDBOX_ICIMS_CLIENT, type IcimsSandbox } from '@status-bridge/sandbox/src/icims';
import { start as startStepStone, type StepStoneSandbox } from '@status-bridge/stepstone/src/sandbox';
import { basicAuth, eventJson, sleep, spawnService, startRedisServer, waitFor, type RedisServerHandle, type ServiceHandle } from '@status-bridge/testing';
import { enrichQueue, postEvent } from './helpers';

/**
 * Deduplication never swallows an event into a job that will not deliver it. End to end: iCIMS
 * event → ingest (child) → enrich (worker child, iCIMS sandbox) → StepStone sandbox, on a private
 * redis-server (so its command counters show ingest's round trips).
 *
 * - waiting / delayed (still retrying): a re-send stays collapsed, delivered once by that job;
 * - failed for good, or removed: a re-send becomes a new job and is delivered.
 */
const PREFIX = '{sbt-redelivery}';
const INBOUND_PASSWORD = 'inbound-redelivery-password';
const AUTH = basicAuth('icims-1234', INBOUND_PASSWORD);
const STEPSTONE_TOKEN = 'tok-redelivery-secret';
const ATSI = {
  waiting: '11111111-1111-4111-8111-111111111111',
  delayed: '22222222-2222-4222-8222-222222222222',
  failed: '33333333-3333-4333-8333-333333333333',
  gone: '44444444-4444-4444-8444-444444444444',
};

let redis: RedisServerHandle;
let admin: Redis;
let icims: IcimsSandbox;
let stepstone: StepStoneSandbox;
let ingest: ServiceHandle;
let worker: ServiceHandle | undefined;
let configDir: string;
let env: Record<string, string>;
const queue = () => enrichQueue(redis.url, PREFIX);
let jobs: ReturnType<typeof queue>;

/** A workflow of the seed's person and job whose AtsiApplicationId is `atsi` (status 9782, Interview). */
function setWorkflow(systemId: string, atsi: string): void {
  icims.setRecord('1234', 'applicantworkflows', systemId, { id: Number(systemId), status: { id: '9782', value: 'Second Interview' }, field51234: atsi });
}

const send = (systemId: string) => postEvent(ingest.url, eventJson({ systemId }, icims.url), { authorization: AUTH });

async function enrichJobs(systemId: string) {
  return (await jobs.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'])).filter((job) => job.data.event.systemId === systemId);
}

const delivered = (atsi: string) => stepstone.received.filter((message) => message.body.AtsiApplicationId === atsi).length;

/** Script calls (BullMQ's add, our dedup check) the private Redis has answered so far. */
async function scriptCalls(): Promise<number> {
  const stats = await admin.info('commandstats');
  return [...stats.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

/** Ingest's log lines of this kind for this workflow, once `count` arrived (ingest batches its log writes). */
function ingestLog(message: string, systemId: string, count: number) {
  const lines = () => ingest.logs().filter((line) => line.message === message && line.systemId === systemId);
  return waitFor(() => (lines().length >= count ? lines() : undefined), { timeoutMs: 5_000, what: `${count} "${message}" log line(s) for ${systemId}` });
}

async function startWorker(): Promise<void> {
  worker = await spawnService('apps/worker/src/main.ts', {
    ...env,
    WORKER_QUEUES: 'enrich,stepstone',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    // First retry after 4-8 s: long enough to see the job delayed and re-send meanwhile, even on
    // a loaded machine (a re-send that arrives after the retry started is collapsed all the same).
    RETRY_BASE_DELAY_MS: '8000',
    RETRY_MAX_DELAY_MS: '16000',
    ICIMS_TOKEN_URL: icims.tokenUrl,
    STEPSTONE_STATUS_URL: stepstone.statusUrl('ATS-REDELIVERY'),
  });
}

beforeAll(async () => {
  [redis, icims, stepstone] = await Promise.all([startRedisServer(), startIcims(), startStepStone({ tokens: [STEPSTONE_TOKEN] })]);
  admin = new Redis(redis.url);
  jobs = queue();
  configDir = mkdtempSync(join(tmpdir(), 'sb-redelivery-'));
  const tenantsFile = join(configDir, 'tenants.json');
  writeFileSync(
    tenantsFile,
    JSON.stringify({
      tenants: {
        '1234': {
          inbound: { basic: { username: 'icims-1234', passwordEnv: 'REDELIVERY_INBOUND_PASSWORD' } },
          icims: { auth: { type: 'oauth', clientId: SANDBOX_ICIMS_CLIENT.clientId, clientSecretEnv: 'REDELIVERY_ICIMS_SECRET' } },
          statusMapping: { '1752': 'screening', '9782': 'interview' },
          stepstone: { tokenEnv: 'REDELIVERY_STEPSTONE_TOKEN', applicationIdField: 'field51234' },
        },
      },
    }),
  );
  env = {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: PREFIX,
    CONFIG_FILE: tenantsFile,
    ICIMS_API_BASE_URL: icims.url,
    REDELIVERY_INBOUND_PASSWORD: INBOUND_PASSWORD,
    REDELIVERY_ICIMS_SECRET: SANDBOX_ICIMS_CLIENT.clientSecret,
    REDELIVERY_STEPSTONE_TOKEN: STEPSTONE_TOKEN,
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
  ingest = await spawnService('apps/ingest/src/main.ts', { ...env, PORT: '0', HOST: '127.0.0.1' });
}, 40_000);

afterAll(async () => {
  await Promise.all([worker?.stop(), ingest?.stop()]);
  await jobs?.close();
  admin?.disconnect();
  await Promise.all([icims?.close(), stepstone?.close(), redis?.stop(true)]);
  rmSync(configDir, { recursive: true, force: true });
});

test('a re-send while the job is waiting stays collapsed (the hot path is one round trip, the de-dup path two) and is delivered once', async () => {
  setWorkflow('3300', ATSI.waiting);
  setWorkflow('3301', ATSI.waiting);
  // Warm-up: the first add on a connection loads BullMQ's script (NOSCRIPT, then EVAL).
  expect((await send('3300')).status).toBe(200);

  const beforeNew = await scriptCalls();
  expect((await send('3301')).status).toBe(200);
  const afterNew = await scriptCalls();
  expect((await send('3301')).status).toBe(200);
  const afterResend = await scriptCalls();
  // A new event: BullMQ's add only. A re-send: the add, then our look at the existing job.
  // (+1 on the first use of our script on this Redis: NOSCRIPT, then EVAL.)
  expect(afterNew - beforeNew).toBe(1);
  expect(afterResend - afterNew).toBeGreaterThanOrEqual(2);
  expect(afterResend - afterNew).toBeLessThanOrEqual(3);
  expect((await send('3301')).status).toBe(200);
  expect((await scriptCalls()) - afterResend).toBe(2);

  const [job] = await enrichJobs('3301');
  expect(await enrichJobs('3301')).toHaveLength(1);
  expect(await job.getState()).toBe('waiting');
  expect((await ingestLog('event deduplicated', '3301', 2)).map((line) => line.jobId)).toEqual([job.id, job.id]);

  await startWorker();
  await waitFor(() => delivered(ATSI.waiting) >= 2, { timeoutMs: 45_000, what: 'StepStone messages for workflows 3300 and 3301' });
  await sleep(1_000);
  expect(delivered(ATSI.waiting)).toBe(2);
  expect(await enrichJobs('3301')).toHaveLength(1);
}, 120_000);

test('a re-send while the job is retrying (delayed) stays collapsed and the retry delivers it once', async () => {
  setWorkflow('3302', ATSI.delayed);
  // The next iCIMS request answers 500: the first attempt fails and the job waits for its retry.
  icims.faults({ serverError: { count: 1 } });
  expect((await send('3302')).status).toBe(200);
  const [job] = await waitFor(async () => {
    const found = await enrichJobs('3302');
    return found.length === 1 && (await found[0].getState()) === 'delayed' ? found : undefined;
  }, { timeoutMs: 40_000, what: 'the enrich job of 3302 to wait for its retry' });

  const resend = await send('3302');
  expect(resend.status).toBe(200);
  expect((await ingestLog('event deduplicated', '3302', 1)).map((line) => line.jobId)).toEqual([job.id]);
  await waitFor(() => delivered(ATSI.delayed) >= 1, { timeoutMs: 45_000, what: 'the StepStone message for 3302' });
  await sleep(1_000);
  expect(delivered(ATSI.delayed)).toBe(1);
  const all = await enrichJobs('3302');
  expect(all.map((entry) => entry.id)).toEqual([job.id]);
  expect(await all[0].getState()).toBe('completed');
  expect(all[0].attemptsMade).toBe(2);
}, 120_000);

test('a re-send after the job failed for good becomes a new job and is delivered; a further re-send joins the new job', async () => {
  // No workflow 3303 at iCIMS yet: 404, a permanent failure on the first attempt.
  expect((await send('3303')).status).toBe(200);
  const [failed] = await waitFor(async () => {
    const found = await enrichJobs('3303');
    return found.length === 1 && (await found[0].getState()) === 'failed' ? found : undefined;
  }, { timeoutMs: 40_000, what: 'the enrich job of 3303 to fail' });
  expect(failed.failedReason).toMatch(/404/);

  // The record is fixed at iCIMS, and the recruiter (or iCIMS) sends the event again, inside the window.
  setWorkflow('3303', ATSI.failed);
  const resend = await send('3303');
  expect(resend.status).toBe(200);
  const accepted = await ingestLog('event accepted', '3303', 2);
  expect(accepted).toHaveLength(2);
  expect(accepted[1]).toMatchObject({ replacedFailedJobId: failed.id });
  const newJobId = accepted[1].jobId as string;
  expect(newJobId).not.toBe(failed.id);
  await waitFor(() => delivered(ATSI.failed) >= 1, { timeoutMs: 45_000, what: 'the StepStone message for 3303' });

  // The new job holds the key now: another re-send is collapsed into it, not into the failed one.
  expect((await send('3303')).status).toBe(200);
  expect((await ingestLog('event deduplicated', '3303', 1)).map((line) => line.jobId)).toEqual([newJobId]);
  await sleep(1_000);
  expect(delivered(ATSI.failed)).toBe(1);
  const states = await Promise.all((await enrichJobs('3303')).map(async (job) => `${job.id}:${await job.getState()}`));
  expect(states.sort()).toEqual([`${failed.id}:failed`, `${newJobId}:completed`].sort());
}, 120_000);

test('a re-send after the failed job was trimmed by retention (its dedup key left behind) becomes a new job too', async () => {
  expect((await send('3304')).status).toBe(200);
  const [failed] = await waitFor(async () => {
    const found = await enrichJobs('3304');
    return found.length === 1 && (await found[0].getState()) === 'failed' ? found : undefined;
  }, { timeoutMs: 40_000, what: 'the enrich job of 3304 to fail' });
  // What removeOnFail's count/age trimming does (BullMQ 6.7 removeJobsByMaxCount/MaxAge call removeJob
  // with "keep the dedup key"): the job's keys and its failed-set entry go, the dedup key stays
  // until the window ends. (job.remove() would delete the key too, and the re-send would simply be added.)
  await admin.zrem(`${PREFIX}:enrich:failed`, failed.id!);
  await admin.del(`${PREFIX}:enrich:${failed.id}`, `${PREFIX}:enrich:${failed.id}:logs`);
  expect(await admin.get(`${PREFIX}:enrich:de:1234|3304|1752|9782`)).toBe(failed.id);

  setWorkflow('3304', ATSI.gone);
  expect((await send('3304')).status).toBe(200);
  expect((await ingestLog('event accepted', '3304', 2))[1]).toMatchObject({ replacedFailedJobId: failed.id });
  await waitFor(() => delivered(ATSI.gone) >= 1, { timeoutMs: 45_000, what: 'the StepStone message for 3304' });
  expect(await enrichJobs('3304')).toHaveLength(1);
}, 120_000);
