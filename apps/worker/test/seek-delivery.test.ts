import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { deliveryJobId, ownKey, type StatusChange } from '@status-bridge/core';
import { createQueue, QUEUES, type ContractQueue } from '@status-bridge/partners';
import { type SeekDeliveryJob } from '@status-bridge/seek';
import { seekIdempotencyId } from '@status-bridge/seek';
import { start, type SeekSandbox } from '@status-bridge/seek/src/sandbox';
import { cleanupPrefix, spawnService, sleep, TEST_REDIS_URL, uniquePrefix, waitFor, type ServiceHandle } from '@status-bridge/testing';

/**
 * The SEEK processor as operators run it: the worker as a child process (WORKER_QUEUES=seek,
 * env-only config), SeekDeliveryJobs put straight onto `deliver-seek` in the real Redis, the SEEK
 * sandbox on a real port. Covers issue 5's "Done when" that do not need ingest and enrichment.
 */
const prefix = uniquePrefix('seek-delivery');
const CLIENT = { clientId: 'sb-seek-worker-test', clientSecret: 'seek-secret-DO-NOT-LOG' };
const HIRERS = { '5001': 'seekAnz:organization:seek:hirer5001', '5002': 'seekAnz:organization:seek:hirer5002', '5003': 'seekAnz:organization:seek:hirer5003' };
const POSITION = 'seekAnz:positionProfile:unposted:pos1242';

let sandbox: SeekSandbox;
let worker: ServiceHandle;
let connection: Redis;
let queue: ContractQueue<'seek'>;
let configDir: string;
let workerEnv: Record<string, string>;
let sequence = 0;
const extraWorkers: ServiceHandle[] = [];

interface JobSpec {
  tenantId?: string;
  personId?: string;
  jobId?: string;
  systemId?: string;
  oldStatus?: string;
  newStatus?: string;
  statusName?: string;
  statusCode?: string;
  positionProfileId?: string;
  candidateProfileId?: string;
  candidate?: StatusChange['candidate'];
}

function seekJob(spec: JobSpec = {}): { id: string; data: SeekDeliveryJob } {
  sequence += 1;
  const tenantId = spec.tenantId ?? '5001';
  const systemId = spec.systemId ?? String(800000 + sequence);
  const oldStatus = spec.oldStatus ?? '1752';
  const newStatus = spec.newStatus ?? '9782';
  const enrichJobId = `c${tenantId}-w${systemId}-${oldStatus}-${newStatus}-${Date.now().toString(36)}${sequence}`;
  const statusChange: StatusChange = {
    tenantId,
    customerId: tenantId,
    systemId,
    personId: spec.personId ?? String(900000 + sequence),
    jobId: spec.jobId ?? '1242',
    userId: '3',
    oldStatus: { id: oldStatus },
    newStatus: { id: newStatus, name: spec.statusName ?? 'Second interview' },
    occurredAt: '2026-11-23T18:30:00.000Z',
    receivedAt: new Date().toISOString(),
    candidate: spec.candidate ?? { formattedName: 'Hayden Robinson', givenName: 'Hayden', familyName: 'Robinson', email: `hayden.${sequence}@example.com`, phone: '+61 400 000 001' },
    job: { title: 'Forklift driver' },
    enrichJobId,
  };
  return {
    id: deliveryJobId(enrichJobId, 'seek'),
    data: {
      statusChange,
      seek: {
        idempotencyId: seekIdempotencyId({ tenantId, systemId, oldStatus, newStatus }),
        statusCode: spec.statusCode ?? 'Interview',
        sourceName: 'iCIMS',
        ...(spec.positionProfileId ? { positionProfileId: spec.positionProfileId } : {}),
        ...(spec.candidateProfileId ? { candidateProfileId: spec.candidateProfileId } : {}),
      },
    },
  };
}

async function run(data: SeekDeliveryJob, id: string, timeoutMs = 15_000) {
  await queue.add(QUEUES.seek.jobName, data, { jobId: id });
  const state = await waitFor(
    async () => {
      const current = await queue.getJobState(id);
      return current === 'completed' || current === 'failed' ? current : undefined;
    },
    { timeoutMs, what: `job ${id} to finish` },
  );
  // Read the job after it finished, so returnvalue / failedReason are there.
  return { job: (await queue.getJob(id))!, state };
}

async function metric(series: string, on: ServiceHandle = worker): Promise<number> {
  const text = await (await fetch(`${on.url}/metrics`)).text();
  const [name, labels] = series.split('{');
  const wanted = labels ? labels.replace(/}$/, '').split(',') : [];
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`) && wanted.every((label) => candidate.includes(label)));
  return line ? Number(line.split(' ').pop()) : 0;
}

const ops = (operation: string): number => sandbox.operations.filter((record) => record.operation === operation).length;
const okTokenRequests = (): number => sandbox.state.tokenRequests.filter((request) => request.httpStatus === 200).length;

beforeAll(async () => {
  sandbox = await start({ clients: [CLIENT], tokenLifetimeSeconds: 1800 });
  configDir = mkdtempSync(join(tmpdir(), 'sb-seek-'));
  const tenantsFile = join(configDir, 'tenants.json');
  const seek = (hirerId: string, extra: Record<string, unknown>) => ({ hirerId, defaultSource: 'iCIMS', candidateProfileField: 'field7001', positionProfileField: 'field7002', ...extra });
  writeFileSync(
    tenantsFile,
    JSON.stringify({
      tenants: {
        '5001': { statusMapping: {}, seek: seek(HIRERS['5001'], { withoutPosition: 'interaction' }) },
        '5002': { statusMapping: {}, seek: seek(HIRERS['5002'], { withoutPosition: 'skip' }) },
        '5003': { statusMapping: {}, seek: seek(HIRERS['5003'], { withoutPosition: 'interaction', interactionActionCode: 'Screening' }) },
        '5004': { statusMapping: {}, seek: seek('seekAnz:organization:seek:off', { withoutPosition: 'interaction', enabled: false }) },
      },
    }),
  );
  workerEnv = {
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    CONFIG_FILE: tenantsFile,
    WORKER_QUEUES: 'seek',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    RETRY_BASE_DELAY_MS: '50',
    RETRY_MAX_DELAY_MS: '200',
    SHUTDOWN_TIMEOUT_MS: '5000',
    SEEK_TOKEN_URL: sandbox.tokenUrl,
    SEEK_GRAPHQL_URL: sandbox.graphqlUrl,
    SEEK_CLIENT_ID: CLIENT.clientId,
    SEEK_CLIENT_SECRET: CLIENT.clientSecret,
    SEEK_REQUEST_TIMEOUT_MS: '700',
  };
  worker = await spawnService('apps/worker/src/main.ts', workerEnv);
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queue = createQueue('seek', connection, prefix);
});

afterAll(async () => {
  for (const extra of extraWorkers) await extra.stop();
  await worker?.stop();
  await queue?.close();
  connection?.disconnect();
  await sandbox?.close();
  rmSync(configDir, { recursive: true, force: true });
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

describe('first and second status change of one person', () => {
  const personId = '1364';
  let profileId: string;

  test('unknown candidate → one uploadCandidate and one CandidateWorkflowTransition with the right fields', async () => {
    const delivered = await metric('status_bridge_deliveries_total{partner="seek",outcome="delivered"');
    const { id, data } = seekJob({ personId, systemId: '2203', positionProfileId: POSITION, statusCode: 'Interview', statusName: 'Second interview' });
    const { job, state } = await run(data, id);
    expect(state).toBe('completed');
    expect(ops('uploadCandidate')).toBe(1);
    expect(ops('createCandidateProcessHistoryItem')).toBe(1);

    const [candidate] = [...sandbox.state.candidates.values()];
    profileId = candidate.profileId;
    expect(candidate).toMatchObject({ hirerId: HIRERS['5001'], email: data.statusChange.candidate.email });
    const [item] = sandbox.state.itemsOf(profileId);
    expect(item.idempotencyId).toBe(data.seek.idempotencyId);
    expect(item.item).toEqual({
      action: { code: 'CandidateWorkflowTransition', name: 'Second interview', description: 'Status changed to Second interview for Forklift driver' },
      actionDate: '2026-11-23T18:30:00.000Z',
      idempotencyId: data.seek.idempotencyId,
      // A job without `actor` (as every job queued before it existed): the tenant's fallback party, never the candidate.
      primaryParties: [{ person: { name: { formattedName: 'Recruiting team' }, communication: { email: [], phone: [] } } }],
      positionProfile: { profileId: POSITION },
      seekSource: { name: 'iCIMS' },
      status: { code: 'Interview' },
    });
    // Where the profile came from and who acted, for the dashboard (the job's return value, no job.log round trip).
    expect(job.returnvalue).toEqual({ outcome: 'delivered', itemId: item.id, candidateProfileId: profileId, mode: 'transition', profileFrom: 'uploaded', partyFrom: 'fallback' });

    // Our records: the candidate per (tenant, personId), the item per idempotencyId, the position per job.
    const records = new Redis(TEST_REDIS_URL);
    try {
      expect(JSON.parse((await records.hget(ownKey(prefix, 'seek', 'candidates', '5001'), personId))!)).toEqual({ documentId: candidate.documentId, profileId, hirerId: HIRERS['5001'] });
      expect(JSON.parse((await records.hget(ownKey(prefix, 'seek', 'items', '5001'), data.seek.idempotencyId))!)).toEqual({ itemId: item.id, profileId });
      expect(await records.hget(ownKey(prefix, 'seek', 'positions', '5001'), '1242')).toBe(POSITION);
      expect(await records.ttl(ownKey(prefix, 'seek', 'candidates', '5001'))).toBe(-1);
    } finally {
      records.disconnect();
    }
    expect(await metric('status_bridge_deliveries_total{partner="seek",outcome="delivered"')).toBe(delivered + 1);
    expect(await metric('status_bridge_delivery_latency_seconds_count{partner="seek"')).toBeGreaterThanOrEqual(1);
    // Logs carry ids, never the candidate, the token or the secret.
    const logs = worker.lines.join('\n');
    // The shell's line for every partner (before: "seek item recorded").
    expect(logs).toContain('seek status delivered');
    for (const secret of ['Hayden', 'Robinson', data.statusChange.candidate.email!, '+61 400', CLIENT.clientSecret, ...sandbox.state.tokens.keys()]) expect(logs).not.toContain(secret);
  });

  test('second change for the same person → one more item, no second upload; position from our record', async () => {
    const { id, data } = seekJob({ personId, systemId: '2203', oldStatus: '9782', newStatus: '9800', statusCode: 'Offer', statusName: 'Offer made' });
    const { state, job } = await run(data, id);
    expect(state).toBe('completed');
    expect(ops('uploadCandidate')).toBe(1);
    expect(ops('createCandidateProcessHistoryItem')).toBe(2);
    const items = sandbox.state.itemsOf(profileId);
    expect(items).toHaveLength(2);
    expect(items[1].item).toMatchObject({ action: { code: 'CandidateWorkflowTransition', name: 'Offer made' }, status: { code: 'Offer' }, positionProfile: { profileId: POSITION } });
    expect(job.returnvalue).toMatchObject({ outcome: 'delivered', candidateProfileId: profileId });
  });

  test('replaying the first event (new job, same idempotencyId) → _Conflict handled as success, still one item for it', async () => {
    const duplicates = await metric('status_bridge_deliveries_total{partner="seek",outcome="duplicate"');
    const { id, data } = seekJob({ personId, systemId: '2203', positionProfileId: POSITION, statusCode: 'Interview', statusName: 'Second interview' });
    const { state, job } = await run(data, id);
    expect(state).toBe('completed');
    const first = sandbox.state.itemsOf(profileId).find((item) => item.idempotencyId === data.seek.idempotencyId)!;
    expect(job.returnvalue).toEqual({ outcome: 'duplicate', itemId: first.id, candidateProfileId: profileId, mode: 'transition', profileFrom: 'record', partyFrom: 'fallback' });
    expect(sandbox.operations.at(-1)).toMatchObject({ operation: 'createCandidateProcessHistoryItem', outcome: 'conflict' });
    expect(sandbox.state.itemsOf(profileId)).toHaveLength(2);
    expect(ops('uploadCandidate')).toBe(1);
    expect(await metric('status_bridge_deliveries_total{partner="seek",outcome="duplicate"')).toBe(duplicates + 1);
  });

  test('the profile id from the job (iCIMS field) is used without an upload', async () => {
    const { id, data } = seekJob({ personId: '777001', candidateProfileId: profileId, positionProfileId: POSITION });
    const { state } = await run(data, id);
    expect(state).toBe('completed');
    expect(ops('uploadCandidate')).toBe(1);
    expect(sandbox.state.itemsOf(profileId)).toHaveLength(3);
  });
});

test('a retry after a timeout whose first request landed → _Conflict, success, one item', async () => {
  sandbox.faults({ hang: { count: 1, operation: 'createCandidateProcessHistoryItem' } });
  const { id, data } = seekJob({ positionProfileId: POSITION });
  const { state, job } = await run(data, id);
  expect(state).toBe('completed');
  const outcomes = sandbox.operations.filter((record) => record.operation === 'createCandidateProcessHistoryItem').slice(-2).map((record) => record.outcome);
  expect(outcomes).toEqual(['hang', 'conflict']);
  expect(job.returnvalue).toMatchObject({ outcome: 'duplicate' });
  expect([...sandbox.state.items.values()].filter((item) => item.idempotencyId === data.seek.idempotencyId)).toHaveLength(1);
  expect(job.attemptsMade).toBeGreaterThanOrEqual(2);
});

describe('without a SEEK position profile the tenant decides', () => {
  test('interaction: a Note (or the tenant code) without status, positionProfile or seekSource', async () => {
    for (const [tenantId, code] of [['5001', 'Note'], ['5003', 'Screening']] as const) {
      const { id, data } = seekJob({ tenantId, jobId: `nopos-${tenantId}`, statusName: 'Phone screen' });
      const { state, job } = await run(data, id);
      expect(state).toBe('completed');
      expect(job.returnvalue).toMatchObject({ outcome: 'delivered', mode: 'interaction' });
      const item = [...sandbox.state.items.values()].find((stored) => stored.idempotencyId === data.seek.idempotencyId)!;
      expect(item.item.action).toEqual({ code, name: 'Phone screen', description: 'Status changed to Phone screen for Forklift driver' });
      for (const field of ['status', 'positionProfile', 'seekSource']) expect(item.item).not.toHaveProperty(field);
    }
  });

  test('skip: no call at all, counted as skips{reason="no_position_profile"}', async () => {
    const skipped = await metric('status_bridge_skips_total{partner="seek",reason="no_position_profile"');
    const before = sandbox.operations.length;
    const { id, data } = seekJob({ tenantId: '5002', jobId: 'nopos-5002' });
    const { state, job } = await run(data, id);
    expect(state).toBe('completed');
    expect(job.returnvalue).toEqual({ skipped: 'no_position_profile' });
    expect(sandbox.operations.length).toBe(before);
    expect(await metric('status_bridge_skips_total{partner="seek",reason="no_position_profile"')).toBe(skipped + 1);
  });
});

describe('candidates', () => {
  test('a re-upload of a known email (record lost) → _Conflict: the existing profile is adopted', async () => {
    const email = 'shared.person@example.com';
    const first = seekJob({ personId: '660001', positionProfileId: POSITION, candidate: { formattedName: 'Sam Lee', email } });
    expect((await run(first.data, first.id)).state).toBe('completed');
    const candidates = sandbox.state.candidates.size;
    const second = seekJob({ personId: '660002', positionProfileId: POSITION, candidate: { formattedName: 'Sam Lee', email } });
    const { state, job } = await run(second.data, second.id);
    expect(state).toBe('completed');
    expect(sandbox.state.candidates.size).toBe(candidates);
    expect(sandbox.operations.filter((record) => record.operation === 'uploadCandidate').at(-1)?.outcome).toBe('conflict');
    const existing = sandbox.state.candidateByEmail(HIRERS['5001'], email)!;
    expect(job.returnvalue).toMatchObject({ outcome: 'delivered', candidateProfileId: existing.profileId });
  });

  test('duplicate email answered BAD_USER_INPUT (schema text) → failed at once with an operator message and SEEK\'s words', async () => {
    const email = 'dup.bad@example.com';
    const first = seekJob({ personId: '661001', positionProfileId: POSITION, candidate: { formattedName: 'Ann Bee', email } });
    expect((await run(first.data, first.id)).state).toBe('completed');
    sandbox.settings({ duplicateUpload: 'bad-user-input' });
    try {
      const second = seekJob({ personId: '661002', positionProfileId: POSITION, candidate: { formattedName: 'Ann Bee', email } });
      const { state, job } = await run(second.data, second.id);
      expect(state).toBe('failed');
      expect(sandbox.operations.at(-1)).toMatchObject({ operation: 'uploadCandidate', outcome: 'error:BAD_USER_INPUT' });
      expect(job.failedReason).toContain('BAD_USER_INPUT');
      expect(job.failedReason).toContain('field7001');
      expect(job.failedReason).toContain('already been uploaded');
      expect(job.failedReason).not.toContain(email);
    } finally {
      sandbox.settings({ duplicateUpload: 'conflict' });
    }
  });

  test('no email and no known profile → skipped with a counted reason, nothing sent', async () => {
    const skipped = await metric('status_bridge_skips_total{partner="seek",reason="no_candidate_email"');
    const before = sandbox.operations.length;
    const { id, data } = seekJob({ positionProfileId: POSITION, candidate: { formattedName: 'No Mail' } });
    const { state, job } = await run(data, id);
    expect(state).toBe('completed');
    expect(job.returnvalue).toEqual({ skipped: 'no_candidate_email' });
    expect(sandbox.operations.length).toBe(before);
    expect(await metric('status_bridge_skips_total{partner="seek",reason="no_candidate_email"')).toBe(skipped + 1);
  });

  test('a tenant with SEEK disabled is skipped', async () => {
    const { id, data } = seekJob({ tenantId: '5004', positionProfileId: POSITION });
    const { state, job } = await run(data, id);
    expect(state).toBe('completed');
    // One delivery shell for every partner: the skip reason is `disabled` (before: `seek_disabled` here, `disabled` at StepStone).
    expect(job.returnvalue).toEqual({ skipped: 'disabled' });
  });
});

describe('failures', () => {
  test('BAD_USER_INPUT → failed at once, SEEK\'s message on the job', async () => {
    const failed = await metric('status_bridge_deliveries_total{partner="seek",outcome="failed"');
    sandbox.faults({ graphqlError: { count: 1, code: 'BAD_USER_INPUT', message: 'positionProfile.profileId is not a valid identifier', operation: 'createCandidateProcessHistoryItem' } });
    const { id, data } = seekJob({ positionProfileId: POSITION });
    const { state, job } = await run(data, id);
    const createsBefore = ops('createCandidateProcessHistoryItem');
    expect(state).toBe('failed');
    expect(job.failedReason).toContain('[seek tenant 5001]');
    expect(job.failedReason).toContain('BAD_USER_INPUT');
    expect(job.failedReason).toContain('positionProfile.profileId is not a valid identifier');
    // Failed at once: no retry reaches SEEK.
    await sleep(300);
    expect(ops('createCandidateProcessHistoryItem')).toBe(createsBefore);
    expect(sandbox.operations.at(-1)).toMatchObject({ operation: 'createCandidateProcessHistoryItem', outcome: 'error:BAD_USER_INPUT' });
    expect(await metric('status_bridge_deliveries_total{partner="seek",outcome="failed"')).toBe(failed + 1);
  });

  test('HTTP 5xx twice, then success → retried, one item', async () => {
    sandbox.faults({ serverError: { count: 2, status: 503, operation: 'createCandidateProcessHistoryItem' } });
    const { id, data } = seekJob({ positionProfileId: POSITION });
    const { state, job } = await run(data, id);
    expect(state).toBe('completed');
    expect(sandbox.operations.filter((record) => record.operation === 'createCandidateProcessHistoryItem').slice(-3).map((record) => record.outcome)).toEqual(['http:503', 'http:503', 'success']);
    expect(job.attemptsMade).toBeGreaterThanOrEqual(3);
  });

  test('HTTP 429 without Retry-After → retried with backoff; with Retry-After → waits that long without spending an attempt', async () => {
    sandbox.faults({ rateLimit: { count: 1, operation: 'createCandidateProcessHistoryItem' } });
    const plain = seekJob({ positionProfileId: POSITION });
    const first = await run(plain.data, plain.id);
    expect(first.state).toBe('completed');
    expect(first.job.attemptsMade).toBeGreaterThanOrEqual(2);

    sandbox.faults({ rateLimit: { count: 1, retryAfter: 1, operation: 'createCandidateProcessHistoryItem' } });
    const limited = seekJob({ positionProfileId: POSITION });
    const attemptsBefore = sandbox.operations.length;
    const second = await run(limited.data, limited.id);
    expect(second.state).toBe('completed');
    const creates = sandbox.operations.slice(attemptsBefore).filter((record) => record.operation === 'createCandidateProcessHistoryItem');
    expect(creates.map((record) => record.outcome)).toEqual(['http:429', 'success']);
    expect(creates[1].at - creates[0].at).toBeGreaterThanOrEqual(1_000);
  });

  test('GraphQL INTERNAL_SERVER_ERROR and an unknown code → retried', async () => {
    sandbox.faults({ graphqlError: { count: 2, code: 'SOMETHING_NEW', operation: 'createCandidateProcessHistoryItem' } });
    const { id, data } = seekJob({ positionProfileId: POSITION });
    const { state } = await run(data, id);
    expect(state).toBe('completed');
  });
});

test('a job for a tenant missing from the tenants file → failed at once', async () => {
  const { id, data } = seekJob({ tenantId: '5999', positionProfileId: POSITION });
  const { state, job } = await run(data, id);
  expect(state).toBe('failed');
  expect(job.failedReason).toContain('tenant 5999 is not in the tenants file');
});

test('the worker refuses to start with the seek queue, a SEEK tenant and no SEEK credentials, naming the variables', async () => {
  const { SEEK_CLIENT_SECRET: _dropped, ...withoutSecret } = workerEnv;
  const failure = await spawnService('apps/worker/src/main.ts', { ...withoutSecret, SEEK_CLIENT_SECRET: '' }, { timeoutMs: 15_000 }).then(
    async (started) => {
      extraWorkers.push(started);
      return 'started';
    },
    (error: Error) => error.message,
  );
  expect(failure).toContain('SEEK_CLIENT_SECRET');
  expect(failure).toContain('exited with');
});

describe('partner token', () => {
  test('cached across jobs and across worker processes; refreshed once on expiry', async () => {
    // Every job so far used one token: the cache holds it across jobs.
    expect(okTokenRequests()).toBe(1);
    // A second worker process on the same Redis; the first stops, so the second takes the next job.
    const second = await spawnService('apps/worker/src/main.ts', workerEnv);
    extraWorkers.push(second);
    await worker.stop();
    const { id, data } = seekJob({ positionProfileId: POSITION });
    expect((await run(data, id)).state).toBe('completed');
    expect(second.lines.join('\n')).toContain(id);
    expect(okTokenRequests()).toBe(1);

    // SEEK ends the token early: one UNAUTHENTICATED, one refresh, the job still succeeds.
    sandbox.expireTokens();
    const after = seekJob({ positionProfileId: POSITION });
    expect((await run(after.data, after.id)).state).toBe('completed');
    expect(okTokenRequests()).toBe(2);
    expect(sandbox.operations.filter((record) => record.outcome === 'error:UNAUTHENTICATED')).toHaveLength(1);
    const again = seekJob({ positionProfileId: POSITION });
    expect((await run(again.data, again.id)).state).toBe('completed');
    expect(okTokenRequests()).toBe(2);
  });
});
