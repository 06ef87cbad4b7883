import { parseIcimsDateTime } from '@status-bridge/icims';
import type { ContractQueue } from '@status-bridge/partners';
import type { IcimsSandbox } from '@status-bridge/sandbox/src/icims';
import { start as startStepStone, type StepStoneSandbox } from '@status-bridge/stepstone/src/sandbox';
import { eventJson, gzipped, seedHeaders, sleep, startEndToEnd, waitFor, type EndToEnd, type ServiceHandle } from '@status-bridge/testing';

/**
 * Newest wins at StepStone, per application, end to end: iCIMS event → ingest (child) → enrich →
 * deliver-stepstone (TWO worker children, one StepStone slot each) → StepStone sandbox. Real Redis,
 * real HTTP. As at iCIMS, a recruiter's move changes the sandbox workflow (status and updateddate,
 * to the minute) before the event is sent. Each test has its own workflow and AtsiApplicationId.
 */
const STEPSTONE_TOKEN = 'tok-order-e2e-secret';
const STATUS_NAMES: Record<string, string> = { '1752': 'Phone Screen', '9782': 'Second Interview', '9820': 'Rejected' };
// The first retry waits 6-12 s (RETRY_BASE_DELAY_MS, jittered upper half): long enough that B,
// posted 1.5 s after A, is delivered before A's retry, as with the default 5 s in the user's report.
const RETRY_BASE_DELAY_MS = 12_000;

let e2e: EndToEnd<{ stepstone: StepStoneSandbox }>;
let icims: IcimsSandbox;
let stepstone: StepStoneSandbox;
let ingest: ServiceHandle;
let workers: ServiceHandle[] = [];
let enrichQueue: ContractQueue<'enrich'>;
let stepstoneQueue: ContractQueue<'stepstone'>;

const send = (body: Buffer): Promise<{ status: number; text: string }> => e2e.send('POST', '/icims/events', { ...seedHeaders(body), Authorization: e2e.inboundAuth }, body);

/** A workflow of the seed's person and job, with its own AtsiApplicationId, at 1752 since a week. */
function newApplication(systemId: string, atsiApplicationId: string, statusId = '1752'): void {
  icims.setRecord('1234', 'applicantworkflows', systemId, {
    id: Number(systemId),
    associatedprofile: { profile: `${icims.url}/customers/1234/people/1364`, id: 1364, value: 'candidate' },
    baseprofile: { profile: `${icims.url}/customers/1234/jobs/1242`, id: 1242, value: 'job' },
    status: { id: statusId, value: STATUS_NAMES[statusId] },
    updateddate: '2026-11-23 09:41 AM',
    source: 'StepStone',
    field51234: atsiApplicationId,
  });
}

/** iCIMS sends the Status Flow Update event of one transition (its links name the sandbox). */
async function postEvent(systemId: string, oldStatus: string, newStatus: string): Promise<void> {
  const base = `${icims.url}/customers/1234`;
  const links = [
    { title: 'Applicant Workflow', rel: 'applicantWorkflow', url: `${base}/applicantworkflows/${systemId}` },
    { title: 'Job Profile', rel: 'job', url: `${base}/jobs/1242` },
    { title: 'Person Profile', rel: 'person', url: `${base}/people/1364` },
    { title: 'Posting User', rel: 'user', url: `${base}/people/3` },
  ];
  const answer = await send(gzipped(eventJson({ systemId, oldStatus, newStatus, links })));
  expect(answer.status).toBe(200);
}

/** A recruiter moves the workflow (iCIMS records status and updateddate), then iCIMS sends the event. */
async function recruiterMoves(systemId: string, oldStatus: string, newStatus: string): Promise<void> {
  icims.setWorkflowStatus('1234', systemId, { id: newStatus, value: STATUS_NAMES[newStatus] });
  await postEvent(systemId, oldStatus, newStatus);
}

/** The StepStone delivery job made from the (latest) enrichment of this transition, once it has finished. */
async function delivery(systemId: string, newStatus: string, timeoutMs = 40_000) {
  const enrichment = await waitFor(
    async () => {
      const jobs = (await enrichQueue.getJobs(['completed'])).filter((job) => job.data.event.systemId === systemId && job.data.event.newStatus === newStatus);
      return jobs.sort((a, b) => b.timestamp - a.timestamp)[0];
    },
    { timeoutMs, what: `enrichment of workflow ${systemId} → ${newStatus}` },
  );
  const jobId = (enrichment.returnvalue as { deliveries?: { stepstone?: string } }).deliveries?.stepstone;
  if (!jobId) throw new Error(`enrichment ${enrichment.id} made no StepStone job: ${JSON.stringify(enrichment.returnvalue)}`);
  const state = await waitFor(
    async () => {
      const current = await stepstoneQueue.getJobState(jobId);
      return current === 'completed' || current === 'failed' ? current : undefined;
    },
    { timeoutMs, what: `StepStone delivery ${jobId}` },
  );
  return { state, job: (await stepstoneQueue.getJob(jobId))!, enrichment };
}

/** What StepStone received for one application, in the order it applied the messages. */
const statusesAt = (atsiApplicationId: string): unknown[] => stepstone.received.filter((message) => message.body.AtsiApplicationId === atsiApplicationId).map((message) => message.body.Status);

/** status_bridge_deliveries_total{partner="stepstone",outcome} of each worker process. */
async function metricPerWorker(outcome: string): Promise<number[]> {
  return Promise.all(
    workers.map(async (worker) => {
      const text = await (await fetch(`${worker.url}/metrics`)).text();
      const line = text.split('\n').find((candidate) => candidate.startsWith('status_bridge_deliveries_total{') && candidate.includes('partner="stepstone"') && candidate.includes(`outcome="${outcome}"`));
      return line ? Number(line.split(' ').pop()) : 0;
    }),
  );
}

/** The same, summed over both. */
const metric = async (outcome: string): Promise<number> => (await metricPerWorker(outcome)).reduce((sum, value) => sum + value, 0);

beforeAll(async () => {
  e2e = await startEndToEnd({
    name: 'stepstone-order-e2e',
    sandboxes: { stepstone: () => startStepStone({ tokens: [STEPSTONE_TOKEN] }) },
    statusMapping: { '1752': 'screening', '9782': 'interview', '9820': 'rejected' },
    partnerSections: () => ({ stepstone: { tokenEnv: 'E2E_STEPSTONE_TOKEN', applicationIdField: 'field51234' } }),
    secrets: { E2E_STEPSTONE_TOKEN: STEPSTONE_TOKEN },
    workers: (sandboxes) => {
      const workerEnv = {
        WORKER_QUEUES: 'enrich,stepstone',
        // One StepStone slot per process: while one POST is held, the other change runs on the other replica.
        WORKER_CONCURRENCY_STEPSTONE: '1',
        RETRY_BASE_DELAY_MS: String(RETRY_BASE_DELAY_MS),
        RETRY_MAX_DELAY_MS: String(2 * RETRY_BASE_DELAY_MS),
        STEPSTONE_STATUS_URL: sandboxes.stepstone.statusUrl('ATS-ORDER'),
      };
      return [workerEnv, workerEnv];
    },
    // Three processes start at once on a shared machine: a generous bound for their "ready".
    readyTimeoutMs: 60_000,
  });
  ({ icims, ingest, workers } = e2e);
  ({ stepstone } = e2e.sandboxes);
  enrichQueue = e2e.queue('enrich');
  stepstoneQueue = e2e.queue('stepstone');
}, 90_000);

afterAll(async () => {
  await e2e?.stop();
});

test('the quick-start report: StepStone answers A with 503, B follows 1.5 s later; StepStone ends at REJECTED and A completes as superseded, counted in /metrics', async () => {
  const application = '7a1e0000-0000-4000-8000-000000002301';
  newApplication('2301', application);
  const supersededBefore = await metric('superseded');
  stepstone.failNext(1, 503);

  await recruiterMoves('2301', '1752', '9782'); // A: interview
  await sleep(1_500);
  await recruiterMoves('2301', '9782', '9820'); // B: rejected

  const b = await delivery('2301', '9820');
  const a = await delivery('2301', '9782');
  expect({ state: b.state, value: b.job.returnvalue }).toEqual({ state: 'completed', value: { httpStatus: 200, status: 'REJECTED' } });
  expect({ state: a.state, value: a.job.returnvalue }).toEqual({ state: 'completed', value: { superseded: true, by: b.job.id, status: 'INTERVIEW' } });
  // The race of the report did happen: A's first attempt was answered 503 (BullMQ counts finished
  // attempts, the completing one included: 2) and its retry ran after B was delivered.
  expect(a.job.attemptsMade).toBe(2);
  expect(a.job.finishedOn).toBeGreaterThan(b.job.finishedOn!);
  expect(statusesAt(application)).toEqual(['REJECTED']);
  expect((await stepstoneQueue.getJobLogs(a.job.id!)).logs.join('\n')).toContain(`superseded by ${b.job.id}`);
  expect(await metric('superseded')).toBe(supersededBefore + 1);

  // BusinessDate is B's own transition time: the time ingest received B.
  const [message] = stepstone.received.filter((received) => received.body.AtsiApplicationId === application);
  expect(message.body.BusinessDate).toBe(b.enrichment.data.receivedAt);
  expect(b.job.data.statusChange.occurredAt).toBe(b.enrichment.data.receivedAt);
}, 90_000);

test('two changes of one application in flight at once on two replicas: the older POST is still held by StepStone when the newer is ready; the newer waits and lands last', async () => {
  const application = '7a1e0000-0000-4000-8000-000000002302';
  newApplication('2302', application);
  const busyBefore = await metricPerWorker('application_busy');
  // StepStone holds the next request 3 s before applying it.
  stepstone.delayNext(3_000, 1);

  await recruiterMoves('2302', '1752', '9782'); // A: its POST is held by StepStone
  await waitFor(() => stepstone.state.inFlight === 1, { timeoutMs: 20_000, what: 'A\'s POST held by StepStone' });
  await recruiterMoves('2302', '9782', '9820'); // B: ready while A's POST is in flight

  const [a, b] = await Promise.all([delivery('2302', '9782'), delivery('2302', '9820')]);
  expect([a.state, b.state]).toEqual(['completed', 'completed']);
  expect(a.job.returnvalue).toEqual({ httpStatus: 200, status: 'INTERVIEW' });
  expect(b.job.returnvalue).toEqual({ httpStatus: 200, status: 'REJECTED' });
  // Never an older status after a newer one: B was applied after A, and is what StepStone shows.
  expect(statusesAt(application)).toEqual(['INTERVIEW', 'REJECTED']);
  // B was taken by the other replica while A's POST was held (each has one StepStone slot), and
  // waited there (busy, without spending an attempt) until A's POST ended.
  const holderOfA = workers.findIndex((worker) => worker.logs().some((entry) => entry.jobId === a.job.id && entry.message === 'stepstone status delivered'));
  expect(holderOfA).toBeGreaterThanOrEqual(0);
  const other = 1 - holderOfA;
  expect((await metricPerWorker('application_busy'))[other]).toBeGreaterThan(busyBefore[other]);
  expect(b.job.attemptsMade).toBe(1);
}, 90_000);

test('a late re-send: B was delivered, then iCIMS re-sends A (a new receive time) while the workflow shows B\'s status; A is placed before B and superseded', async () => {
  const application = '7a1e0000-0000-4000-8000-000000002303';
  newApplication('2303', application);
  // A happened at iCIMS, but its event did not get through (say our 503); B follows.
  icims.setWorkflowStatus('1234', '2303', { id: '9782', value: STATUS_NAMES['9782'] });
  await sleep(200);
  await recruiterMoves('2303', '9782', '9820');
  const b = await delivery('2303', '9820');
  expect(b.job.returnvalue).toEqual({ httpStatus: 200, status: 'REJECTED' });

  // iCIMS re-sends A: received after B, but the workflow's updateddate shows A is older.
  await postEvent('2303', '1752', '9782');
  const a = await delivery('2303', '9782');
  expect({ state: a.state, value: a.job.returnvalue }).toEqual({ state: 'completed', value: { superseded: true, by: b.job.id, status: 'INTERVIEW' } });
  expect(statusesAt(application)).toEqual(['REJECTED']);

  const workflowUpdated = Date.parse(parseIcimsDateTime(String(icims.state.fixtures['1234'].applicantworkflows['2303'].updateddate))!);
  const aChange = a.job.data.statusChange;
  const bChange = b.job.data.statusChange;
  expect(Date.parse(aChange.receivedAt)).toBeGreaterThan(Date.parse(bChange.receivedAt));
  expect(aChange.order).toEqual({
    atMs: workflowUpdated - 1,
    tiebreak: `${aChange.receivedAt} ${a.enrichment.id}`,
    capped: { receivedAtMs: Date.parse(aChange.receivedAt), workflowStatusId: '9820' },
  });
  expect(aChange.order!.atMs).toBeLessThan(bChange.order!.atMs);
  expect(aChange.occurredAt).toBe(new Date(workflowUpdated - 1).toISOString());
  // The recruiter-visible name is the workflow's, B's: not sent with A.
  expect(aChange.newStatus.name).toBeUndefined();
}, 90_000);

test('the quick start as a user runs it: the iCIMS stand-in is never told of the changes (its workflow shows 9782, updated days ago, like the seed); A answered 503, B 1.5 s later; StepStone ends at REJECTED', async () => {
  // Workflow data that disagrees with an event but was updated long before it (more than
  // ICIMS_LATE_RESEND_WINDOW_SECONDS) cannot be the change that overtook the event: B keeps its
  // receive time instead of being capped days back behind A.
  const application = '7a1e0000-0000-4000-8000-000000002304';
  newApplication('2304', application, '9782');
  stepstone.failNext(1, 503);
  await postEvent('2304', '1752', '9782'); // A
  await sleep(1_500);
  await postEvent('2304', '9782', '9820'); // B

  const b = await delivery('2304', '9820');
  const a = await delivery('2304', '9782');
  expect(b.job.returnvalue).toEqual({ httpStatus: 200, status: 'REJECTED' });
  expect(a.job.returnvalue).toEqual({ superseded: true, by: b.job.id, status: 'INTERVIEW' });
  expect(statusesAt(application)).toEqual(['REJECTED']);
  expect(b.job.data.statusChange.order!.atMs).toBe(Date.parse(b.enrichment.data.receivedAt));
}, 90_000);
