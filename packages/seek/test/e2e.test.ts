import { SEED_POSITION_PROFILE_ID } from '@status-bridge/sandbox/src/icims';
import type { ContractQueue } from '@status-bridge/partners';
import { sleep, startEndToEnd, waitFor, type EndToEnd, type ServiceHandle } from '@status-bridge/testing';
import { seekIdempotencyId } from '../src/idempotency';
import { start as startSeek, type SeekSandbox } from '../src/sandbox';

/**
 * SEEK end to end: the seed iCIMS event → ingest (child) → enrich (worker child, iCIMS sandbox) →
 * deliver-seek → SEEK sandbox. Real Redis, real HTTP, env-only configuration; the shared set-up is
 * packages/testing's startEndToEnd.
 */
const SEEK_CLIENT = { clientId: 'status-bridge-e2e', clientSecret: 'seek-e2e-secret-NOT-IN-LOGS' };
const HIRER = 'seekAnzPublicTest:organization:seek:93WyyF1h';

let e2e: EndToEnd<{ seek: SeekSandbox }>;
let seek: SeekSandbox;
let ingest: ServiceHandle;
let worker: ServiceHandle;
let enrichQueue: ContractQueue<'enrich'>;
let seekQueue: ContractQueue<'seek'>;

/** The seed event (gzip, the seed's headers), its links pointing at the iCIMS sandbox. */
const postEvent = (overrides: { oldStatus?: string; newStatus?: string; userId?: string } = {}) => e2e.postEvent(overrides);

/** primaryParties of the seed's acting user: the sandbox's person 3, the seed's "Posting User" link. */
const RILEY_RECRUITER = [{ person: { name: { formattedName: 'Riley Recruiter', given: 'Riley', family: 'Recruiter' }, communication: { email: [{ address: 'riley.recruiter@example.com' }], phone: [] } } }];

/** Waits for the n-th enrichment of a transition, then for the SEEK delivery job it created. */
async function seekDeliveryOf(newStatus: string, count = 1) {
  const enriched = await waitFor(
    async () => {
      const jobs = (await enrichQueue.getJobs(['completed', 'failed'])).filter((job) => job.data.event.newStatus === newStatus);
      return jobs.length >= count ? jobs.sort((a, b) => a.timestamp - b.timestamp)[count - 1] : undefined;
    },
    { timeoutMs: 20_000, what: `enrichment #${count} of → ${newStatus}` },
  );
  const fresh = (await enrichQueue.getJob(enriched.id!))!;
  const seekJobId = (fresh.returnvalue as { deliveries?: { seek?: string } } | undefined)?.deliveries?.seek;
  if (!seekJobId) throw new Error(`enrichment ${fresh.id} made no SEEK delivery: ${JSON.stringify(fresh.returnvalue ?? fresh.failedReason)}`);
  const state = await waitFor(
    async () => {
      const current = await seekQueue.getJobState(seekJobId);
      return current === 'completed' || current === 'failed' ? current : undefined;
    },
    { timeoutMs: 20_000, what: `SEEK delivery ${seekJobId}` },
  );
  return { state, job: (await seekQueue.getJob(seekJobId))! };
}


const ops = (operation: string) => seek.operations.filter((record) => record.operation === operation);

beforeAll(async () => {
  e2e = await startEndToEnd({
    name: 'seek-e2e',
    sandboxes: { seek: () => startSeek({ clients: [SEEK_CLIENT] }) },
    statusMapping: { '1752': 'screening', '9782': 'interview', '9820': 'rejected' },
    // The smallest useful section: defaultSource (iCIMS) and withoutPosition (interaction) are defaults.
    partnerSections: () => ({ seek: { hirerId: HIRER, positionProfileField: 'field61234' } }),
    // A 1 s deduplication window, so the replay below is a new job that reaches SEEK.
    ingestEnv: { DEDUP_WINDOW_SECONDS: '1' },
    workers: (sandboxes) => [
      {
        WORKER_QUEUES: 'enrich,seek',
        SEEK_TOKEN_URL: sandboxes.seek.tokenUrl,
        SEEK_GRAPHQL_URL: sandboxes.seek.graphqlUrl,
        SEEK_CLIENT_ID: SEEK_CLIENT.clientId,
        SEEK_CLIENT_SECRET: SEEK_CLIENT.clientSecret,
      },
    ],
  });
  ({ seek } = e2e.sandboxes);
  ({ ingest } = e2e);
  [worker] = e2e.workers;
  enrichQueue = e2e.queue('enrich');
  seekQueue = e2e.queue('seek');
}, 60_000);

afterAll(async () => {
  await e2e?.stop();
});

test('the seed event for a candidate SEEK does not know → one uploadCandidate and one item with the right code, name, position and idempotencyId', async () => {
  expect((await postEvent()).status).toBe(200);
  const { state, job } = await seekDeliveryOf('9782');
  expect(state).toBe('completed');
  expect(ops('uploadCandidate')).toHaveLength(1);
  expect(ops('createCandidateProcessHistoryItem')).toHaveLength(1);
  const [candidate] = [...seek.state.candidates.values()];
  expect(candidate.hirerId).toBe(HIRER);
  const [item] = seek.state.itemsOf(candidate.profileId);
  expect(item.idempotencyId).toBe(seekIdempotencyId({ tenantId: '1234', systemId: '2203', oldStatus: '1752', newStatus: '9782' }));
  expect(item.item).toMatchObject({
    action: { code: 'CandidateWorkflowTransition', name: 'Second Interview' },
    status: { code: 'Interview' },
    positionProfile: { profileId: SEED_POSITION_PROFILE_ID },
    seekSource: { name: 'StepStone' },
  });
  expect(job.returnvalue).toMatchObject({ outcome: 'delivered', itemId: item.id });
  // "The parties that executed the action": the iCIMS user who changed the status (the event's
  // userId 3), not the candidate (Jordan Sample, person 1364).
  expect(item.item.primaryParties).toEqual(RILEY_RECRUITER);
  expect(JSON.stringify(item.item.primaryParties)).not.toMatch(/Jordan|Sample|jordan\.sample/);
  // actionDate is the transition's time (the receive time: the workflow shows the event's
  // status), not the delivery's and not the workflow's older updateddate.
  expect(item.item.actionDate).toBe(job.data.statusChange.occurredAt);
  expect(item.item.actionDate).toBe((await enrichQueue.getJob(job.data.statusChange.enrichJobId))!.data.receivedAt);
});

test('a second status change for the same person → one more item, no second upload, dated by its own transition', async () => {
  // As at iCIMS: the recruiter's move changes the workflow (status and updateddate), then the event is sent.
  e2e.icims.setWorkflowStatus('1234', '2203', { id: '9820', value: 'Rejected' });
  expect((await postEvent({ oldStatus: '9782', newStatus: '9820' })).status).toBe(200);
  const { state, job } = await seekDeliveryOf('9820');
  expect(state).toBe('completed');
  expect(ops('uploadCandidate')).toHaveLength(1);
  expect(ops('createCandidateProcessHistoryItem')).toHaveLength(2);
  const [candidate] = [...seek.state.candidates.values()];
  const items = seek.state.itemsOf(candidate.profileId);
  expect(items).toHaveLength(2);
  expect(items[1].item).toMatchObject({ status: { code: 'Unsuccessful' } });
  expect(items[1].item.primaryParties).toEqual(RILEY_RECRUITER);
  expect(items[1].idempotencyId).toBe(seekIdempotencyId({ tenantId: '1234', systemId: '2203', oldStatus: '9782', newStatus: '9820' }));
  expect(job.returnvalue).toMatchObject({ outcome: 'delivered' });
  // Every transition is its own item with its own time, in order.
  expect(items[1].item.actionDate).toBe((await enrichQueue.getJob(job.data.statusChange.enrichJobId))!.data.receivedAt);
  expect(Date.parse(String(items[1].item.actionDate))).toBeGreaterThan(Date.parse(String(items[0].item.actionDate)));
});

test('replaying the seed event (after the dedup window) → _Conflict handled as success, still one item for it', async () => {
  await sleep(1_200);
  expect((await postEvent()).status).toBe(200);
  const { state, job } = await seekDeliveryOf('9782', 2);
  expect(state).toBe('completed');
  expect(job.returnvalue).toMatchObject({ outcome: 'duplicate' });
  expect(ops('createCandidateProcessHistoryItem').at(-1)?.outcome).toBe('conflict');
  expect(ops('uploadCandidate')).toHaveLength(1);
  expect(seek.state.items.size).toBe(2);
  // No candidate data or SEEK credentials in any log line of either process.
  const logs = [...worker.lines, ...ingest.lines].join('\n');
  for (const secret of ['Jordan', 'Sample', 'jordan.sample@example.com', '+61 400 000 001', SEEK_CLIENT.clientSecret, ...seek.state.tokens.keys()]) expect(logs).not.toContain(secret);
});

test('an acting user iCIMS does not show (404) → the item names the fallback party, never the candidate; delivered, counted', async () => {
  const before = await e2e.counter('status_bridge_actor_fallbacks_total', 'partner="seek"', 'reason="not_found"');
  expect((await postEvent({ oldStatus: '9820', newStatus: '1752', userId: '77' })).status).toBe(200);
  const { state, job } = await seekDeliveryOf('1752');
  expect(state).toBe('completed');
  expect(job.data.seek).not.toHaveProperty('actor');
  const [candidate] = [...seek.state.candidates.values()];
  const item = seek.state.itemsOf(candidate.profileId).find((stored) => stored.idempotencyId === seekIdempotencyId({ tenantId: '1234', systemId: '2203', oldStatus: '9820', newStatus: '1752' }));
  // The section's default fallbackPartyName (filled in when the tenants file is loaded).
  expect(item?.item.primaryParties).toEqual([{ person: { name: { formattedName: 'Recruiting team' }, communication: { email: [], phone: [] } } }]);
  expect(await e2e.counter('status_bridge_actor_fallbacks_total', 'partner="seek"', 'reason="not_found"')).toBe(before + 1);
  // Neither the candidate's nor the recruiter's name or email in any log line.
  const logs = [...worker.lines, ...ingest.lines].join('\n');
  for (const pii of ['Jordan', 'Sample', 'jordan.sample@example.com', 'Riley', 'Recruiter', 'riley.recruiter@example.com']) expect(logs).not.toContain(pii);
});
