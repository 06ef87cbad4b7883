import { SEED_ATSI_APPLICATION_ID } from '@status-bridge/sandbox/src/icims';
import { QUEUES, type ContractQueue } from '@status-bridge/partners';
import { sleep, startEndToEnd, waitFor, type EndToEnd, type ServiceHandle } from '@status-bridge/testing';
import { start as startStepStone, type StepStoneSandbox } from '../src/sandbox';

/**
 * StepStone end to end: iCIMS event → ingest (child) → enrich (worker child, iCIMS sandbox) →
 * deliver-stepstone → StepStone sandbox. Real Redis, real HTTP, env-only configuration; the
 * shared set-up is packages/testing's startEndToEnd.
 */
const STEPSTONE_TOKEN = 'tok-e2e-1234-secret';
const RECORD_ID = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';

let e2e: EndToEnd<{ stepstone: StepStoneSandbox }>;
let stepstone: StepStoneSandbox;
let ingest: ServiceHandle;
let worker: ServiceHandle;
let enrichQueue: ContractQueue<'enrich'>;
let stepstoneQueue: ContractQueue<'stepstone'>;
let INBOUND_PASSWORD: string;
let AUTH: string;

const send = (method: string, path: string, headers: Record<string, string>, body?: Buffer | string) => e2e.send(method, path, headers, body);
const postEvent = (overrides: { systemId?: string; personId?: string; jobId?: string; oldStatus?: string; newStatus?: string } = {}) => e2e.postEvent(overrides);

async function enrichDone(systemId: string, newStatus: string, count = 1) {
  return waitFor(
    async () => {
      const jobs = (await enrichQueue.getJobs(['completed', 'failed'])).filter((job) => job.data.event.systemId === systemId && job.data.event.newStatus === newStatus);
      return jobs.length >= count ? jobs : undefined;
    },
    { timeoutMs: 20_000, what: `enrichment of workflow ${systemId} → ${newStatus}` },
  );
}

const stepstoneSkips = (): Promise<number> => e2e.counter('status_bridge_skips_total', 'partner="stepstone"');

beforeAll(async () => {
  e2e = await startEndToEnd({
    name: 'stepstone-e2e',
    sandboxes: { stepstone: () => startStepStone({ tokens: [STEPSTONE_TOKEN] }) },
    partnerSections: () => ({ stepstone: { tokenEnv: 'E2E_STEPSTONE_TOKEN', applicationIdField: 'field51234' } }),
    secrets: { E2E_STEPSTONE_TOKEN: STEPSTONE_TOKEN },
    workers: (sandboxes) => [{ WORKER_QUEUES: 'enrich,stepstone', STEPSTONE_STATUS_URL: sandboxes.stepstone.statusUrl('ATS-E2E') }],
  });
  ({ stepstone } = e2e.sandboxes);
  ({ ingest } = e2e);
  [worker] = e2e.workers;
  enrichQueue = e2e.queue('enrich');
  stepstoneQueue = e2e.queue('stepstone');
  INBOUND_PASSWORD = e2e.inboundPassword;
  AUTH = e2e.inboundAuth;
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
});

test('the seed event (9782 → INTERVIEW) gives exactly one StepStone message with the workflow\'s AtsiApplicationId and the tenant token; a replay sends nothing more', async () => {
  expect((await postEvent()).status).toBe(200);
  await waitFor(() => stepstone.received.length >= 1, { timeoutMs: 20_000, what: 'the StepStone message' });
  const [message] = stepstone.received;
  expect(message.token).toBe(STEPSTONE_TOKEN);
  expect(message.path).toBe('/qs-api/public/atsi/v1/ATS-E2E');
  expect(message.body).toMatchObject({ AtsiApplicationId: SEED_ATSI_APPLICATION_ID, Status: 'INTERVIEW' });
  // RawStatus (the iCIMS status name) and BusinessDate ride along, as the tenant did not turn them off.
  expect(Object.keys(message.body).sort()).toEqual(['AtsiApplicationId', 'BusinessDate', 'RawStatus', 'Status']);
  expect(message.body.RawStatus).toBe('Second Interview');

  // iCIMS sends the same event again (user re-trigger or a re-send).
  expect((await postEvent()).status).toBe(200);
  await sleep(1_500);
  expect(stepstone.requests).toHaveLength(1);
  expect(await stepstoneQueue.getJobCountByTypes('completed', 'failed', 'waiting', 'active', 'delayed')).toBe(1);
  // No PII and no token in either process's logs.
  const logs = [...ingest.lines, ...worker.lines].join('\n');
  for (const secret of [STEPSTONE_TOKEN, INBOUND_PASSWORD, 'Jordan', 'jordan.sample@example.com']) expect(logs).not.toContain(secret);
});

test('no AtsiApplicationId (no workflow field, no correlation record) → no StepStone job at all', async () => {
  const before = await stepstoneQueue.getJobCountByTypes('completed', 'failed', 'waiting', 'active', 'delayed');
  expect((await postEvent({ systemId: '2204', personId: '1365', oldStatus: '1752', newStatus: 'D10100' })).status).toBe(200);
  const [enrich] = await enrichDone('2204', 'D10100');
  expect({ state: await enrich.getState(), reason: enrich.failedReason }).toEqual({ state: 'completed', reason: undefined });
  expect(await stepstoneQueue.getJobCountByTypes('completed', 'failed', 'waiting', 'active', 'delayed')).toBe(before);
  expect(stepstone.requests.filter((request) => request.at >= enrich.timestamp)).toHaveLength(0);
});

test('a correlation record PUT on ingest supplies the AtsiApplicationId', async () => {
  const put = await send('PUT', '/stepstone/applications/1234/2205', { Authorization: AUTH, 'Content-Type': 'application/json' }, JSON.stringify({ atsiApplicationId: RECORD_ID }));
  expect(put.status).toBe(201);
  const already = stepstone.received.length;
  expect((await postEvent({ systemId: '2205', personId: '1366', jobId: '1243', oldStatus: '9782', newStatus: '9820' })).status).toBe(200);
  await waitFor(() => stepstone.received.length > already, { timeoutMs: 20_000, what: 'the StepStone message for workflow 2205' });
  expect(stepstone.received[already].body).toMatchObject({ AtsiApplicationId: RECORD_ID, Status: 'REJECTED', RawStatus: 'Rejected' });
});

test('an unmapped status → StepStone skipped and counted, nothing sent', async () => {
  const skipsBefore = await stepstoneSkips();
  const jobsBefore = await stepstoneQueue.getJobCountByTypes('completed', 'failed', 'waiting', 'active', 'delayed');
  const requestsBefore = stepstone.requests.length;
  expect((await postEvent({ oldStatus: '9782', newStatus: '4242' })).status).toBe(200);
  const [enrich] = await enrichDone('2203', '4242');
  expect({ state: await enrich.getState(), reason: enrich.failedReason }).toEqual({ state: 'completed', reason: undefined });
  expect(await stepstoneSkips()).toBe(skipsBefore + 1);
  expect(await stepstoneQueue.getJobCountByTypes('completed', 'failed', 'waiting', 'active', 'delayed')).toBe(jobsBefore);
  expect(stepstone.requests).toHaveLength(requestsBefore);
  expect(QUEUES.stepstone.name).toBe('deliver-stepstone');
});
