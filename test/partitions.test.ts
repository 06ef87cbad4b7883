import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { partitionOf, partitionPrefix } from '@status-bridge/core';
import { QUEUES } from '@status-bridge/partners';
import { basicAuth, REPO_ROOT, sleep, spawnService, startEndToEnd, TEST_REDIS_URL, waitFor, type EndToEnd } from '@status-bridge/testing';
import { start as startStepStone, type StepStoneSandbox } from '@status-bridge/stepstone/src/sandbox';

/**
 * QUEUE_PARTITIONS=4 end to end on one Redis: ingest routes each workflow to its partition, two
 * worker processes split the partitions (WORKER_PARTITIONS 0-1 and 2-3), every event is delivered
 * once, each workflow's jobs stay in its partition, a re-send is deduplicated in that partition, a
 * partner's 429 pauses its queue in every partition, and the depth gauges, the dashboard and
 * replay see every partition.
 */
const PARTITIONS = 4;
const CUSTOMER = '1234';
const STEPSTONE_TOKEN = 'tok-partitions-1234-secret';
const WORKFLOWS = 40;
const FIRST_SYSTEM_ID = 610_000;
const NEW_STATUS = '9782';

interface Workflow {
  systemId: string;
  personId: string;
  atsiApplicationId: string;
  partition: number;
}

let e2e: EndToEnd<{ stepstone: StepStoneSandbox }>;
let stepstone: StepStoneSandbox;
let redis: Redis;
let next = 0;

/** Registers `count` fresh workflows in the iCIMS sandbox, each with its own StepStone application id. */
function workflows(count: number): Workflow[] {
  const made: Workflow[] = [];
  for (let index = next; index < next + count; index++) {
    const systemId = String(FIRST_SYSTEM_ID + index);
    const personId = String(810_000 + index);
    const atsiApplicationId = `6c2d0000-0000-4000-8000-${index.toString(16).padStart(12, '0')}`;
    const base = `${e2e.icims.url}/customers/${CUSTOMER}`;
    e2e.icims.setRecord(CUSTOMER, 'people', personId, { id: Number(personId), firstname: 'Part', lastname: `Ition ${index}`, email: `partition.${index}@example.com` });
    e2e.icims.setRecord(CUSTOMER, 'applicantworkflows', systemId, {
      id: Number(systemId),
      associatedprofile: { profile: `${base}/people/${personId}`, id: Number(personId), value: 'candidate' },
      baseprofile: { profile: `${base}/jobs/1242`, id: 1242, value: 'job' },
      status: { id: NEW_STATUS, value: 'Second Interview' },
      updateddate: '2026-11-23 09:41 AM',
      field51234: atsiApplicationId,
    });
    made.push({ systemId, personId, atsiApplicationId, partition: partitionOf(CUSTOMER, systemId, PARTITIONS) });
  }
  next += count;
  return made;
}

const post = (workflow: Workflow) => e2e.postEvent({ systemId: workflow.systemId, personId: workflow.personId, oldStatus: '1752', newStatus: NEW_STATUS });

/** StepStone messages per application id. */
function received(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const message of stepstone.received) {
    const id = String(message.body.AtsiApplicationId);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/** Partitions holding a job of this workflow in `key`'s queue (any state). */
async function partitionsWithJobs(key: 'enrich' | 'stepstone', systemId: string): Promise<number[]> {
  const found: number[] = [];
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const jobs = await e2e.queue(key, partition).getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized']);
    if (jobs.some((job) => job.id?.startsWith(`c${CUSTOMER}-w${systemId}-`))) found.push(partition);
  }
  return found;
}

beforeAll(async () => {
  e2e = await startEndToEnd({
    name: 'partitions',
    partitions: PARTITIONS,
    sandboxes: { stepstone: () => startStepStone({ tokens: [STEPSTONE_TOKEN] }) },
    partnerSections: () => ({ stepstone: { tokenEnv: 'E2E_STEPSTONE_TOKEN', applicationIdField: 'field51234' } }),
    secrets: { E2E_STEPSTONE_TOKEN: STEPSTONE_TOKEN },
    workers: (sandboxes) => [
      { WORKER_QUEUES: 'enrich,stepstone', WORKER_PARTITIONS: '0-1', STEPSTONE_STATUS_URL: sandboxes.stepstone.statusUrl('ATS-PARTITIONS') },
      { WORKER_QUEUES: 'enrich,stepstone', WORKER_PARTITIONS: '2-3', STEPSTONE_STATUS_URL: sandboxes.stepstone.statusUrl('ATS-PARTITIONS') },
    ],
    readyTimeoutMs: 60_000,
  });
  ({ stepstone } = e2e.sandboxes);
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
}, 90_000);

afterAll(async () => {
  redis?.disconnect();
  await e2e?.stop();
});

test(`${WORKFLOWS} workflows over ${PARTITIONS} partitions: each delivered once, each workflow's jobs in its own partition, each worker on its partitions only`, async () => {
  const batch = workflows(WORKFLOWS);
  // The ids are fixed, so this only guards the test's own premise: every partition gets work.
  expect(new Set(batch.map((workflow) => workflow.partition)).size).toBe(PARTITIONS);
  for (const workflow of batch) expect((await post(workflow)).status).toBe(200);
  await waitFor(() => batch.every((workflow) => received().has(workflow.atsiApplicationId)), { timeoutMs: 60_000, what: `${WORKFLOWS} StepStone messages` });
  await sleep(1_000);
  const counts = received();
  expect(batch.filter((workflow) => counts.get(workflow.atsiApplicationId) !== 1)).toEqual([]);

  for (const workflow of batch) {
    expect({ systemId: workflow.systemId, enrich: await partitionsWithJobs('enrich', workflow.systemId) }).toEqual({ systemId: workflow.systemId, enrich: [workflow.partition] });
    expect({ systemId: workflow.systemId, stepstone: await partitionsWithJobs('stepstone', workflow.systemId) }).toEqual({ systemId: workflow.systemId, stepstone: [workflow.partition] });
  }
  // Every partition's keys exist under its own hash tag (partition 0 is QUEUE_PREFIX itself).
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const [, keys] = await redis.scan('0', 'MATCH', `${partitionPrefix(e2e.prefix, partition)}:enrich:*`, 'COUNT', 10_000);
    expect({ partition, hasKeys: keys.length > 0 }).toEqual({ partition, hasKeys: true });
  }

  // Each worker ran jobs of its own partitions only (every job line carries its partition).
  const partitionsRun = e2e.workers.map((worker) => new Set(worker.logs().filter((line) => line.message === 'job completed').map((line) => line.partition)));
  expect([...partitionsRun[0]].sort()).toEqual([0, 1]);
  expect([...partitionsRun[1]].sort()).toEqual([2, 3]);
  expect(e2e.workers.map((worker) => worker.ready.partitions)).toEqual([
    [0, 1],
    [2, 3],
  ]);
});

test('a re-send of a delivered transition is deduplicated in its partition: no second job, no second message', async () => {
  const [workflow] = workflows(1);
  expect((await post(workflow)).status).toBe(200);
  await waitFor(() => received().has(workflow.atsiApplicationId), { timeoutMs: 20_000, what: 'the first delivery' });
  const again = await post(workflow);
  expect(again.status).toBe(200);
  await sleep(1_500);
  expect(received().get(workflow.atsiApplicationId)).toBe(1);
  const enrichJobs = await e2e.queue('enrich', workflow.partition).getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
  expect(enrichJobs.filter((job) => job.id?.startsWith(`c${CUSTOMER}-w${workflow.systemId}-`))).toHaveLength(1);
});

test('queue depth gauges carry the partition: completed enrichments per partition as in Redis', async () => {
  const text = await (await fetch(`${e2e.workers[0].url}/metrics`)).text();
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const line = text.split('\n').find((entry) => entry.startsWith('status_bridge_queue_jobs{') && entry.includes('queue="enrich"') && entry.includes('state="completed"') && entry.includes(`partition="${partition}"`));
    expect({ partition, value: line === undefined ? undefined : Number(line.split(' ').pop()) }).toEqual({ partition, value: await e2e.queue('enrich', partition).getCompletedCount() });
  }
});

test("a StepStone 429 pauses StepStone's queue in every partition, not only the one whose job met it", async () => {
  const [workflow] = workflows(1);
  // Retry-After 5 s: long enough to see the pause everywhere, short enough to wait out.
  stepstone.rateLimitNext(1, 5);
  expect((await post(workflow)).status).toBe(200);
  const limiters = Array.from({ length: PARTITIONS }, (_, partition) => `${partitionPrefix(e2e.prefix, partition)}:${QUEUES.stepstone.name}:limiter`);
  const paused = await waitFor(
    async () => {
      const ttls = await Promise.all(limiters.map((key) => redis.pttl(key)));
      return ttls.every((ttl) => ttl > 0) ? ttls : undefined;
    },
    { timeoutMs: 20_000, what: "StepStone's limiter key set in all four partitions" },
  ).catch(async (error: Error) => {
    const lines = e2e.workers.flatMap((worker) => worker.lines.filter((line) => /slow down|429|rate/i.test(line)));
    throw new Error(`${error.message}; ttls ${JSON.stringify(await Promise.all(limiters.map((key) => redis.pttl(key))))}; ${limiters.join(',')}; stepstone statuses ${JSON.stringify(stepstone.requests.map((request) => (request as { status?: number }).status))}\n${lines.join('\n')}`);
  });
  expect(paused).toHaveLength(PARTITIONS);
  // When the pause ends, the held job is delivered (once).
  await waitFor(() => received().has(workflow.atsiApplicationId), { timeoutMs: 30_000, what: 'the delivery after the pause' });
  expect(received().get(workflow.atsiApplicationId)).toBe(1);
}, 60_000);

test('the dashboard lists every partition\'s queues and replay reads every partition', async () => {
  const password = 'partitions-dashboard-password';
  const env = { REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: e2e.prefix, QUEUE_PARTITIONS: String(PARTITIONS) };
  const dashboard = await spawnService('apps/dashboard/src/main.ts', { ...env, DASHBOARD_PORT: '0', DASHBOARD_HOST: '127.0.0.1', DASHBOARD_PASSWORD: password, SHUTDOWN_TIMEOUT_MS: '3000' }, { timeoutMs: 60_000 });
  try {
    const board = await fetch(`${dashboard.url}/admin/queues/api/queues`, { headers: { authorization: basicAuth('admin', password) } });
    expect(board.status).toBe(200);
    const { queues } = (await board.json()) as { queues: Array<{ name: string; counts: Record<string, number> }> };
    for (let partition = 0; partition < PARTITIONS; partition++) {
      expect(queues.find((queue) => queue.name === `p${partition}.enrich`)?.counts.completed).toBe(await e2e.queue('enrich', partition).getCompletedCount());
      expect(queues.map((queue) => queue.name)).toContain(`p${partition}.${QUEUES.stepstone.name}`);
    }
  } finally {
    await dashboard.stop();
  }

  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'apps/cli/src/replay.ts'), '--queue', 'stepstone', '--dry-run'], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  expect(code).toBe(0);
  for (let partition = 0; partition < PARTITIONS; partition++) expect(stdout).toContain(`partition ${partition} (${partitionPrefix(e2e.prefix, partition)})`);
  expect(stdout).toContain('dry run: 0 of 0 failed jobs would be retried');
});
