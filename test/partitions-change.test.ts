import { partitionOf } from '@status-bridge/core';
import { QUEUE_KEYS } from '@status-bridge/partners';
import { sleep, spawnService, startEndToEnd, waitFor, type EndToEnd, type ServiceHandle } from '@status-bridge/testing';
import { start as startStepStone, type StepStoneSandbox } from '@status-bridge/stepstone/src/sandbox';

/**
 * Changing QUEUE_PARTITIONS on a running system (docs/scaling.md, "Changing the number of
 * partitions"), with events in flight (queued while no worker runs):
 *  - raising 2 → 4: workers first (QUEUE_PARTITIONS=4, QUEUE_PARTITIONS_DRAIN=2), then ingest; some
 *    workflows get a newer change after the switch, which may land in another partition than the
 *    older one still queued: StepStone ends with the newest status of each.
 *  - lowering 4 → 2: a worker at N=2 without the drain setting leaves partitions 2 and 3 stranded;
 *    one with QUEUE_PARTITIONS_DRAIN=4 delivers them. Every event once, nothing left.
 */
const CUSTOMER = '1234';
const STEPSTONE_TOKEN = 'tok-partitions-change-secret';
const FIRST_SYSTEM_ID = 640_000;

interface Workflow {
  systemId: string;
  personId: string;
  atsiApplicationId: string;
}

let e2e: EndToEnd<{ stepstone: StepStoneSandbox }>;
let stepstone: StepStoneSandbox;
const started: ServiceHandle[] = [];
let next = 0;

function workflows(count: number): Workflow[] {
  const made: Workflow[] = [];
  for (let index = next; index < next + count; index++) {
    const workflow = { systemId: String(FIRST_SYSTEM_ID + index), personId: String(840_000 + index), atsiApplicationId: `7d3e0000-0000-4000-8000-${index.toString(16).padStart(12, '0')}` };
    e2e.icims.setRecord(CUSTOMER, 'people', workflow.personId, { id: Number(workflow.personId), firstname: 'Re', lastname: `Partition ${index}`, email: `repartition.${index}@example.com` });
    setWorkflowStatus(workflow, '9782', 'Second Interview', '2026-11-23 09:41 AM');
    made.push(workflow);
  }
  next += count;
  return made;
}

/** What iCIMS shows for the workflow (the enrichment reads it). */
function setWorkflowStatus(workflow: Workflow, id: string, value: string, updated: string): void {
  const base = `${e2e.icims.url}/customers/${CUSTOMER}`;
  e2e.icims.setRecord(CUSTOMER, 'applicantworkflows', workflow.systemId, {
    id: Number(workflow.systemId),
    associatedprofile: { profile: `${base}/people/${workflow.personId}`, id: Number(workflow.personId), value: 'candidate' },
    baseprofile: { profile: `${base}/jobs/1242`, id: 1242, value: 'job' },
    status: { id, value },
    updateddate: updated,
    field51234: workflow.atsiApplicationId,
  });
}

async function postAll(ingest: ServiceHandle, batch: Workflow[], oldStatus = '1752', newStatus = '9782'): Promise<void> {
  for (const workflow of batch) {
    const answer = await e2e.postEventTo(ingest.url, { systemId: workflow.systemId, personId: workflow.personId, oldStatus, newStatus });
    expect({ systemId: workflow.systemId, status: answer.status }).toEqual({ systemId: workflow.systemId, status: 200 });
  }
}

/** The last status StepStone received per application, and how many messages. */
function stepstoneView(): Map<string, { last: unknown; count: number }> {
  const view = new Map<string, { last: unknown; count: number }>();
  for (const message of stepstone.received) {
    const id = String(message.body.AtsiApplicationId);
    view.set(id, { last: message.body.Status, count: (view.get(id)?.count ?? 0) + 1 });
  }
  return view;
}

async function start(kind: 'ingest' | 'worker', env: Record<string, string>): Promise<ServiceHandle> {
  const entry = kind === 'ingest' ? 'apps/ingest/src/main.ts' : 'apps/worker/src/main.ts';
  const base = kind === 'ingest' ? e2e.env.ingest : { ...e2e.env.worker, WORKER_QUEUES: 'enrich,stepstone', STEPSTONE_STATUS_URL: stepstone.statusUrl('ATS-REPARTITION') };
  const service = await spawnService(entry, { ...base, QUEUE_PARTITIONS_DRAIN: undefined, ...env }, { timeoutMs: 60_000 });
  started.push(service);
  return service;
}

async function stop(service: ServiceHandle): Promise<void> {
  expect(await service.stop('SIGTERM')).toBe(0);
}

/** Jobs in partitions 0 … count−1 not finished yet, and failed. */
async function jobCounts(count: number): Promise<{ unfinished: number; failed: number }> {
  let unfinished = 0;
  let failed = 0;
  for (let partition = 0; partition < count; partition++) {
    for (const key of QUEUE_KEYS.filter((entry) => entry === 'enrich' || entry === 'stepstone')) {
      unfinished += await e2e.queue(key, partition).getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
      failed += await e2e.queue(key, partition).getJobCountByTypes('failed');
    }
  }
  return { unfinished, failed };
}

beforeAll(async () => {
  e2e = await startEndToEnd({
    name: 'partitions-change',
    partitions: 2,
    cleanupPartitions: 4,
    sandboxes: { stepstone: () => startStepStone({ tokens: [STEPSTONE_TOKEN] }) },
    partnerSections: () => ({ stepstone: { tokenEnv: 'E2E_STEPSTONE_TOKEN', applicationIdField: 'field51234' } }),
    secrets: { E2E_STEPSTONE_TOKEN: STEPSTONE_TOKEN },
    // No worker at first: the events of the first batch stay queued ("in flight") across the switch.
    workers: () => [],
    readyTimeoutMs: 60_000,
  });
  ({ stepstone } = e2e.sandboxes);
}, 90_000);

afterAll(async () => {
  await Promise.all(started.map((service) => service.stop().catch(() => undefined)));
  await e2e?.stop();
});

test('raising 2 → 4 with events in flight: workers first, then ingest; every event delivered, the newest status of each workflow wins', async () => {
  const before = workflows(24);
  await postAll(e2e.ingest, before);
  // Workers first, at the new N (the drain value records the old one; raising needs nothing more).
  const worker = await start('worker', { QUEUE_PARTITIONS: '4', QUEUE_PARTITIONS_DRAIN: '2' });
  expect(worker.ready.partitions).toEqual([0, 1, 2, 3]);
  await e2e.ingest.stop('SIGTERM');
  const ingest = await start('ingest', { QUEUE_PARTITIONS: '4' });

  // A newer change (→ 9820, rejected) for the first workflows: under N=4 some of them route to
  // another partition than their first change, which may still be queued.
  const moved = before.filter((workflow) => partitionOf(CUSTOMER, workflow.systemId, 4) !== partitionOf(CUSTOMER, workflow.systemId, 2));
  const stayed = before.filter((workflow) => !moved.includes(workflow));
  expect(moved.length).toBeGreaterThan(0);
  const changedAgain = [...moved.slice(0, 6), ...stayed.slice(0, 2)];
  for (const workflow of changedAgain) setWorkflowStatus(workflow, '9820', 'Rejected', '2026-11-23 10:15 AM');
  await postAll(ingest, changedAgain, '9782', '9820');
  const after = workflows(24);
  await postAll(ingest, after);
  expect(new Set(after.map((workflow) => partitionOf(CUSTOMER, workflow.systemId, 4)))).toEqual(new Set([0, 1, 2, 3]));

  await waitFor(
    async () => [...before, ...after].every((workflow) => stepstoneView().has(workflow.atsiApplicationId)) && (await jobCounts(4)).unfinished === 0,
    { timeoutMs: 60_000, what: 'every event delivered and every partition empty' },
  );
  await sleep(1_000);
  const view = stepstoneView();
  for (const workflow of [...before, ...after]) {
    const expected = changedAgain.includes(workflow) ? 'REJECTED' : 'INTERVIEW';
    expect({ systemId: workflow.systemId, last: view.get(workflow.atsiApplicationId)?.last }).toEqual({ systemId: workflow.systemId, last: expected });
  }
  // The unchanged workflows got exactly one message; the changed ones at most two (the older
  // one is sent only if it was delivered before the newer one was claimed).
  for (const workflow of [...before, ...after].filter((entry) => !changedAgain.includes(entry))) expect(view.get(workflow.atsiApplicationId)?.count).toBe(1);
  for (const workflow of changedAgain) expect(view.get(workflow.atsiApplicationId)?.count).toBeLessThanOrEqual(2);
  expect((await jobCounts(4)).failed).toBe(0);
  await stop(worker);
  // Ingest at N=4 stays up for the next test.
  e2eIngest = ingest;
}, 180_000);

let e2eIngest: ServiceHandle;

test('lowering 4 → 2: without the drain setting partitions 2 and 3 are stranded; with QUEUE_PARTITIONS_DRAIN=4 they are delivered, each event once', async () => {
  const batch = workflows(32);
  await postAll(e2eIngest, batch);
  const inOld = batch.filter((workflow) => partitionOf(CUSTOMER, workflow.systemId, 4) >= 2);
  const inKept = batch.filter((workflow) => !inOld.includes(workflow));
  expect(inOld.length).toBeGreaterThan(0);
  expect(inKept.length).toBeGreaterThan(0);
  await stop(e2eIngest);
  const ingest = await start('ingest', { QUEUE_PARTITIONS: '2' });

  // A worker at the new N only: partitions 0 and 1 are delivered ...
  const partial = await start('worker', { QUEUE_PARTITIONS: '2' });
  expect(partial.ready.partitions).toEqual([0, 1]);
  await waitFor(() => inKept.every((workflow) => stepstoneView().has(workflow.atsiApplicationId)), { timeoutMs: 60_000, what: 'the events of partitions 0 and 1' });
  await sleep(1_000);
  // ... and the jobs in 2 and 3 are still waiting there: stranded, not lost.
  expect(inOld.filter((workflow) => stepstoneView().has(workflow.atsiApplicationId))).toEqual([]);
  const waitingInOld = (await e2e.queue('enrich', 2).getWaitingCount()) + (await e2e.queue('enrich', 3).getWaitingCount());
  expect(waitingInOld).toBe(inOld.length);
  await stop(partial);

  // The documented procedure: keep the old partitions consumed until they are empty.
  const draining = await start('worker', { QUEUE_PARTITIONS: '2', QUEUE_PARTITIONS_DRAIN: '4' });
  expect(draining.ready.partitions).toEqual([0, 1, 2, 3]);
  const late = workflows(8);
  await postAll(ingest, late);
  expect(late.every((workflow) => partitionOf(CUSTOMER, workflow.systemId, 2) < 2)).toBe(true);
  await waitFor(
    async () => [...batch, ...late].every((workflow) => stepstoneView().has(workflow.atsiApplicationId)) && (await jobCounts(4)).unfinished === 0,
    { timeoutMs: 60_000, what: 'the stranded events delivered and every partition empty' },
  );
  await sleep(1_000);
  const view = stepstoneView();
  expect([...batch, ...late].filter((workflow) => view.get(workflow.atsiApplicationId)?.count !== 1)).toEqual([]);
  expect((await jobCounts(4)).failed).toBe(0);
  // Nothing new went to the drained partitions after the switch.
  const enrichedInOld = [...(await e2e.queue('enrich', 2).getCompleted()), ...(await e2e.queue('enrich', 3).getCompleted())].map((job) => job.data.event.systemId);
  expect(late.filter((workflow) => enrichedInOld.includes(workflow.systemId))).toEqual([]);
  await stop(draining);
  await stop(ingest);
}, 180_000);
