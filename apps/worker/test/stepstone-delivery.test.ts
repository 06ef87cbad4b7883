import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { deliveryJobId } from '@status-bridge/core';
import { createQueue, QUEUES, type ContractQueue } from '@status-bridge/partners';
import { applicationLockMs, type StepStoneDeliveryJob } from '@status-bridge/stepstone';
import { start, type StepStoneSandbox } from '@status-bridge/stepstone/src/sandbox';
import { cleanupPrefix, sampleStatusChange, spawnService, sleep, TEST_REDIS_URL, uniquePrefix, waitFor, type ServiceHandle } from '@status-bridge/testing';

/**
 * The StepStone processor as operators run it: the worker as a child process (WORKER_QUEUES=stepstone,
 * env-only config), jobs put straight onto `deliver-stepstone` in the real Redis, the StepStone
 * sandbox on a real port. Every "Done when" of issue 4 that does not need the enrichment worker.
 */
const prefix = uniquePrefix('stepstone-delivery');
// Each job is another application (its own AtsiApplicationId): these tests are about one delivery
// each; several changes of ONE application (newest wins) are the ordering tests' subject.
const atsiIdOf = (sequence: number): string => `51c3be16-0f93-41ed-9cc0-${String(sequence).padStart(12, '0')}`;
const TOKENS = { '1234': 'tok-1234-secret', '2000': 'tok-2000-secret', '3000': 'tok-3000-WRONG', '4000': 'tok-4000-secret' };

let sandbox: StepStoneSandbox;
let worker: ServiceHandle;
let connection: Redis;
let queue: ContractQueue<'stepstone'>;
let configDir: string;
let workerEnv: Record<string, string>;
let sequence = 0;

function deliveryJob(tenantId: string, status = 'INTERVIEW', overrides: Partial<StepStoneDeliveryJob['statusChange']> = {}, atsiApplicationId?: string): { id: string; data: StepStoneDeliveryJob } {
  sequence += 1;
  const systemId = String(700000 + sequence);
  const enrichJobId = `c${tenantId}-w${systemId}-1752-9782-${Date.now().toString(36)}`;
  return {
    id: deliveryJobId(enrichJobId, 'stepstone'),
    data: {
      statusChange: sampleStatusChange({
        tenantId,
        customerId: tenantId,
        systemId,
        newStatus: { id: '9782', stage: 'interview', name: 'Interview' },
        occurredAt: '2026-11-23T18:30:00.000Z',
        receivedAt: new Date().toISOString(),
        candidate: { formattedName: 'Erika Mustermann', email: 'erika@example.com' },
        job: { title: 'Nurse' },
        enrichJobId,
        ...overrides,
      }),
      stepstone: { atsiApplicationId: atsiApplicationId ?? atsiIdOf(sequence), status },
    },
  };
}

async function enqueue(tenantId: string, status?: string, overrides?: Partial<StepStoneDeliveryJob['statusChange']>): Promise<string> {
  const { id, data } = deliveryJob(tenantId, status, overrides);
  await queue.add(QUEUES.stepstone.jobName, data, { jobId: id });
  return id;
}

async function finished(jobId: string, timeoutMs = 15_000) {
  return waitFor(
    async () => {
      // State first, then the job: a job read before it finished would carry stale fields.
      const state = await queue.getJobState(jobId);
      if (state !== 'completed' && state !== 'failed') return undefined;
      const job = await queue.getJob(jobId);
      return job ? { job, state } : undefined;
    },
    { timeoutMs, what: `job ${jobId} to finish` },
  );
}

async function metric(series: string): Promise<number> {
  const text = await (await fetch(`${worker.url}/metrics`)).text();
  const [name, labels] = series.split('{');
  const wanted = labels ? labels.replace(/}$/, '').split(',') : [];
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && wanted.every((label) => candidate.includes(label)));
  return line ? Number(line.split(' ').pop()) : 0;
}

beforeAll(async () => {
  sandbox = await start({ tokens: [TOKENS['1234'], TOKENS['2000'], TOKENS['4000']], extraStatuses: ['CONTACT'] });
  configDir = mkdtempSync(join(tmpdir(), 'sb-stepstone-'));
  const tenantsFile = join(configDir, 'tenants.json');
  writeFileSync(
    tenantsFile,
    JSON.stringify({
      tenants: {
        '1234': { statusMapping: { '9782': 'interview' }, stepstone: { tokenEnv: 'SS_TOKEN_1234' } },
        '2000': { statusMapping: {}, stepstone: { tokenEnv: 'SS_TOKEN_2000', statusUrl: sandbox.statusUrl('ATS2000'), rateLimit: { max: 2, durationMs: 1500 } } },
        '3000': { statusMapping: {}, stepstone: { tokenEnv: 'SS_TOKEN_3000' } },
        '4000': { statusMapping: {}, stepstone: { tokenEnv: 'SS_TOKEN_4000', sendRawStatus: false, sendBusinessDate: false, extraStatuses: ['CONTACT'] } },
        '5000': { statusMapping: {}, stepstone: { tokenEnv: 'SS_TOKEN_5000', enabled: false } },
      },
    }),
  );
  workerEnv = {
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    CONFIG_FILE: tenantsFile,
    WORKER_QUEUES: 'stepstone',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    RETRY_BASE_DELAY_MS: '50',
    RETRY_MAX_DELAY_MS: '200',
    SHUTDOWN_TIMEOUT_MS: '5000',
    STEPSTONE_STATUS_URL: sandbox.statusUrl('ATS1'),
    STEPSTONE_REQUEST_TIMEOUT_MS: '500',
    SS_TOKEN_1234: TOKENS['1234'],
    SS_TOKEN_2000: TOKENS['2000'],
    SS_TOKEN_3000: TOKENS['3000'],
    SS_TOKEN_4000: TOKENS['4000'],
  };
  worker = await spawnService('apps/worker/src/main.ts', workerEnv);
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queue = createQueue('stepstone', connection, prefix);
});

beforeEach(() => sandbox.reset());

afterAll(async () => {
  await worker?.stop();
  await queue?.close();
  connection?.disconnect();
  await sandbox?.close();
  rmSync(configDir, { recursive: true, force: true });
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

// attemptsMade of a job delivered at the first try: the yardstick for "attempts not consumed".
let firstTryAttempts: number;

test('delivers one message with the tenant token, RawStatus and BusinessDate; re-adding the job id sends nothing more', async () => {
  const deliveredBefore = await metric('status_bridge_deliveries_total{partner="stepstone",outcome="delivered"');
  const { id, data } = deliveryJob('1234');
  await queue.add(QUEUES.stepstone.jobName, data, { jobId: id });
  const { job, state } = await finished(id);
  expect(state).toBe('completed');
  expect(job.returnvalue).toEqual({ httpStatus: 200, status: 'INTERVIEW' });
  firstTryAttempts = job.attemptsMade;
  expect(sandbox.received).toHaveLength(1);
  expect(sandbox.received[0]).toMatchObject({
    path: '/qs-api/public/atsi/v1/ATS1',
    token: TOKENS['1234'],
    body: { AtsiApplicationId: data.stepstone.atsiApplicationId, Status: 'INTERVIEW', RawStatus: 'Interview', BusinessDate: '2026-11-23T18:30:00.000Z' },
  });
  expect(Object.keys(sandbox.received[0].body)).toEqual(['AtsiApplicationId', 'Status', 'RawStatus', 'BusinessDate']);

  // The same status change again (a retried enrichment re-adds the same delivery job id): ignored.
  await queue.add(QUEUES.stepstone.jobName, data, { jobId: id });
  await sleep(500);
  expect(sandbox.requests).toHaveLength(1);

  expect(await metric('status_bridge_deliveries_total{partner="stepstone",outcome="delivered"')).toBe(deliveredBefore + 1);
  expect(await metric('status_bridge_delivery_latency_seconds_count{partner="stepstone"')).toBeGreaterThanOrEqual(1);
  // Logs carry ids, never the candidate or the token.
  const logs = worker.lines.join('\n');
  expect(logs).toContain('stepstone status delivered');
  for (const secret of ['Erika', 'erika@example.com', ...Object.values(TOKENS)]) expect(logs).not.toContain(secret);
});

test('5xx twice then 200 → delivered once, after two retries', async () => {
  sandbox.failNext(2, 503);
  const id = await enqueue('1234', 'OFFER');
  const { job, state } = await finished(id);
  expect(state).toBe('completed');
  expect(sandbox.requests.map((request) => request.answer)).toEqual([503, 503, 200]);
  expect(sandbox.received).toHaveLength(1);
  expect(job.attemptsMade).toBe(firstTryAttempts + 2);
});

test('429 with Retry-After: 2 → the queue sends nothing before 2 s (not the job, not a job queued meanwhile), then delivers; no attempt consumed', async () => {
  // A second replica: the pause must hold for every worker process, not only the one that got the 429.
  const replica = await spawnService('apps/worker/src/main.ts', workerEnv);
  const rateLimited = async () =>
    (await metric('status_bridge_deliveries_total{partner="stepstone",outcome="rate_limited"')) +
    Number((await (await fetch(`${replica.url}/metrics`)).text()).match(/status_bridge_deliveries_total\{[^}]*outcome="rate_limited"[^}]*\} (\d+)/)?.[1] ?? 0);
  const before = await rateLimited();
  try {
    sandbox.rateLimitNext(1, 2);
    const id = await enqueue('1234', 'HIRED');
    await waitFor(() => sandbox.requests.length >= 1, { what: 'the 429' });
    // StepStone said it about our whole account: a job queued during the pause waits too.
    const queuedMeanwhile = await enqueue('1234', 'OFFER');
    const [{ job, state }, other] = await Promise.all([finished(id), finished(queuedMeanwhile)]);
    expect([state, other.state]).toEqual(['completed', 'completed']);
    expect(sandbox.requests.map((request) => request.answer)).toEqual([429, 200, 200]);
    const [limited, ...after] = sandbox.requests;
    for (const request of after) expect(request.at - limited.at).toBeGreaterThanOrEqual(2_000);
    expect(job.attemptsMade).toBe(firstTryAttempts);
    expect(other.job.attemptsMade).toBe(firstTryAttempts);
    expect(await rateLimited()).toBe(before + 1);
  } finally {
    await replica.stop();
  }
});

test('400 → failed at once, the reason shows the partner answer', async () => {
  sandbox.rejectAll(true, 'AtsiApplicationId is unknown to StepStone');
  const id = await enqueue('1234', 'REJECTED');
  const { job, state } = await finished(id);
  expect(state).toBe('failed');
  expect(job.failedReason).toContain('HTTP 400');
  expect(job.failedReason).toContain('AtsiApplicationId is unknown to StepStone');
  expect(job.failedReason).toContain('tenant 1234');
  await sleep(300);
  expect(sandbox.requests).toHaveLength(1);
});

test('401 → failed, the reason names the token env var and never the token', async () => {
  const id = await enqueue('3000');
  const { job, state } = await finished(id);
  expect(state).toBe('failed');
  expect(job.failedReason).toContain('HTTP 401');
  expect(job.failedReason).toContain('SS_TOKEN_3000');
  expect(job.failedReason).not.toContain(TOKENS['3000']);
  expect(worker.lines.join('\n')).not.toContain(TOKENS['3000']);
  expect(sandbox.requests).toHaveLength(1);
});

test('a hung request times out and is retried', async () => {
  sandbox.hangNext(1);
  const id = await enqueue('1234', 'POST_INTERVIEW');
  const { state } = await finished(id);
  expect(state).toBe('completed');
  expect(sandbox.requests.map((request) => request.answer)).toEqual(['hang', 200]);
  expect(sandbox.received).toHaveLength(1);
});

test('tenant settings: extra status and RawStatus/BusinessDate off; a status outside the list is never sent', async () => {
  const custom = await enqueue('4000', 'CONTACT');
  expect((await finished(custom)).state).toBe('completed');
  expect(sandbox.received.map((message) => message.body)).toEqual([{ AtsiApplicationId: atsiIdOf(sequence), Status: 'CONTACT' }]);

  const refused = await enqueue('1234', 'CONTACT');
  const { job, state } = await finished(refused);
  expect(state).toBe('failed');
  expect(job.failedReason).toContain('INVALID_MESSAGE');
  expect(sandbox.requests).toHaveLength(1);
});

test('a tenant with StepStone switched off after queueing: skipped and counted, nothing sent', async () => {
  const before = await metric('status_bridge_skips_total{partner="stepstone",reason="disabled"');
  const id = await enqueue('5000');
  const { job, state } = await finished(id);
  expect(state).toBe('completed');
  // One delivery shell for every partner: the return value names the skip reason (before: a sentence).
  expect(job.returnvalue).toEqual({ skipped: 'disabled' });
  expect(sandbox.requests).toHaveLength(0);
  expect(await metric('status_bridge_skips_total{partner="stepstone",reason="disabled"')).toBe(before + 1);
});

test('per-tenant limit: tenant 2000 (2 per 1.5 s) is spaced out without spending attempts, tenant 1234 is not held up', async () => {
  const limited = [];
  for (let i = 0; i < 5; i++) limited.push(await enqueue('2000', 'APPLIED'));
  const other = await enqueue('1234', 'APPLIED');
  const results = await Promise.all([...limited, other].map((id) => finished(id, 20_000)));
  expect(results.map((result) => result.state)).toEqual(Array(6).fill('completed'));
  for (const { job } of results) expect(job.attemptsMade).toBe(firstTryAttempts);

  const limitedArrivals = sandbox.received.filter((message) => message.atsId === 'ATS2000').map((message) => message.at);
  expect(limitedArrivals).toHaveLength(5);
  // At most 2 in any 1.5 s window: each message is >= 1.5 s after the one two places before it
  // (less a margin for the HTTP hop between taking the slot and arriving, which varies under load).
  for (let i = 2; i < limitedArrivals.length; i++) expect(limitedArrivals[i] - limitedArrivals[i - 2]).toBeGreaterThanOrEqual(1_200);
  // The other tenant went through while tenant 2000 was still waiting.
  const otherArrival = sandbox.received.find((message) => message.atsId === 'ATS1')!.at;
  expect(otherArrival).toBeLessThan(limitedArrivals[2]);
  expect(await metric('status_bridge_deliveries_total{partner="stepstone",outcome="tenant_limited"')).toBeGreaterThanOrEqual(3);
});

test('newest wins: an older change of an application after a newer one was delivered completes as superseded, posts nothing, and says so on the job, in /metrics and in the log; a retry of it posts nothing either', async () => {
  const supersededBefore = await metric('status_bridge_deliveries_total{partner="stepstone",outcome="superseded"');
  const application = '9d1f0c2e-7a4b-4c3d-8e5f-6a7b8c9d0e1f';
  const now = Date.now();
  // B (rejected) was received after A (interview); B's delivery arrives first.
  const newer = deliveryJob('1234', 'REJECTED', { receivedAt: new Date(now).toISOString(), order: { atMs: now, tiebreak: 'c1234-w2203-9782-9820-b' } }, application);
  const older = deliveryJob('1234', 'INTERVIEW', { receivedAt: new Date(now - 1_500).toISOString(), order: { atMs: now - 1_500, tiebreak: 'c1234-w2203-1752-9782-a' } }, application);
  await queue.add(QUEUES.stepstone.jobName, newer.data, { jobId: newer.id });
  expect((await finished(newer.id)).state).toBe('completed');
  await queue.add(QUEUES.stepstone.jobName, older.data, { jobId: older.id });
  const { job, state } = await finished(older.id);

  expect(state).toBe('completed');
  expect(job.returnvalue).toEqual({ superseded: true, by: newer.id, status: 'INTERVIEW' });
  expect(sandbox.received.map((message) => message.body.Status)).toEqual(['REJECTED']);
  expect(job.attemptsMade).toBe(firstTryAttempts);
  const { logs } = await queue.getJobLogs(older.id);
  expect(logs.some((line) => line.includes(`superseded by ${newer.id}`))).toBe(true);
  expect(await metric('status_bridge_deliveries_total{partner="stepstone",outcome="superseded"')).toBe(supersededBefore + 1);
  const line = worker.logs().find((entry) => entry.jobId === older.id && entry.supersededBy === newer.id);
  expect(line).toMatchObject({ message: expect.stringContaining('superseded'), customerId: '1234', status: 'INTERVIEW' });

  // An operator retries the completed job: it re-runs the check and still sends nothing.
  await job.retry('completed');
  await waitFor(async () => (await metric('status_bridge_deliveries_total{partner="stepstone",outcome="superseded"')) === supersededBefore + 2, { what: 'the retried job to be superseded again' });
  expect((await finished(older.id)).state).toBe('completed');
  expect(sandbox.requests).toHaveLength(1);
});

test('a job queued before order positions existed (no `order`) is placed by its receive time', async () => {
  const application = '0b0c0d0e-1f2a-4b3c-9d4e-5f6a7b8c9d0e';
  const now = Date.now();
  const newer = deliveryJob('1234', 'OFFER', { receivedAt: new Date(now).toISOString() }, application);
  const older = deliveryJob('1234', 'INTERVIEW', { receivedAt: new Date(now - 60_000).toISOString() }, application);
  delete newer.data.statusChange.order;
  delete older.data.statusChange.order;
  await queue.add(QUEUES.stepstone.jobName, newer.data, { jobId: newer.id });
  expect((await finished(newer.id)).state).toBe('completed');
  await queue.add(QUEUES.stepstone.jobName, older.data, { jobId: older.id });
  expect((await finished(older.id)).job.returnvalue).toMatchObject({ superseded: true, by: newer.id });
  expect(sandbox.received.map((message) => message.body.Status)).toEqual(['OFFER']);
});

test('the application lock: 2 x the request timeout + 5 s by default; a worker refuses to start with one that a POST could outlive', async () => {
  expect(applicationLockMs({ STEPSTONE_REQUEST_TIMEOUT_MS: 10_000 })).toBe(25_000);
  expect(applicationLockMs({ STEPSTONE_REQUEST_TIMEOUT_MS: 10_000, STEPSTONE_APPLICATION_LOCK_MS: 12_000 })).toBe(12_000);
  await expect(spawnService('apps/worker/src/main.ts', { ...workerEnv, STEPSTONE_REQUEST_TIMEOUT_MS: '2000', STEPSTONE_APPLICATION_LOCK_MS: '1500' })).rejects.toThrow(
    /STEPSTONE_APPLICATION_LOCK_MS \(1500\) must be longer than STEPSTONE_REQUEST_TIMEOUT_MS \(2000\)/,
  );
});
