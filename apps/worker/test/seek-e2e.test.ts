import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createQueue, type ContractQueue } from '@status-bridge/partners';
import { seekIdempotencyId } from '@status-bridge/seek';
import { start as startIcims, SANDBOX_ICIMS_CLIENT, SEED_POSITION_PROFILE_ID, type IcimsSandbox } from '@status-bridge/sandbox/src/icims';
import { start as startSeek, type SeekSandbox } from '@status-bridge/seek/src/sandbox';
import { basicAuth, cleanupPrefix, eventJson, gzipped, seedHeaders, sleep, spawnService, TEST_REDIS_URL, uniquePrefix, waitFor, type ServiceHandle } from '@status-bridge/testing';

/**
 * Issue 5 end to end: the seed iCIMS event → ingest (child) → enrich (worker child, iCIMS
 * sandbox) → deliver-seek → SEEK sandbox. Real Redis, real HTTP, env-only configuration.
 */
const prefix = uniquePrefix('seek-e2e');
const INBOUND_PASSWORD = 'inbound-seek-e2e-password';
const AUTH = basicAuth('icims-1234', INBOUND_PASSWORD);
const SEEK_CLIENT = { clientId: 'status-bridge-e2e', clientSecret: 'seek-e2e-secret-NOT-IN-LOGS' };
const HIRER = 'seekAnzPublicTest:organization:seek:93WyyF1h';

let icims: IcimsSandbox;
let seek: SeekSandbox;
let ingest: ServiceHandle;
let worker: ServiceHandle;
let connection: Redis;
let enrichQueue: ContractQueue<'enrich'>;
let seekQueue: ContractQueue<'seek'>;
let configDir: string;

function send(path: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${ingest.url}${path}`, { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The seed event (gzip, the seed's headers), its links pointing at the iCIMS sandbox. */
function postEvent(overrides: { oldStatus?: string; newStatus?: string } = {}) {
  const base = `${icims.url}/customers/1234`;
  const links = [
    { title: 'Applicant Workflow', rel: 'applicantWorkflow', url: `${base}/applicantworkflows/2203` },
    { title: 'Job Profile', rel: 'job', url: `${base}/jobs/1242` },
    { title: 'Person Profile', rel: 'person', url: `${base}/people/1364` },
    { title: 'Posting User', rel: 'user', url: `${base}/people/3` },
  ];
  const body = gzipped(eventJson({ ...overrides, links }));
  return send('/icims/events', { ...seedHeaders(body), Authorization: AUTH }, body);
}

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
  icims = await startIcims();
  seek = await startSeek({ clients: [SEEK_CLIENT] });
  configDir = mkdtempSync(join(tmpdir(), 'sb-seek-e2e-'));
  const tenantsFile = join(configDir, 'tenants.json');
  writeFileSync(
    tenantsFile,
    JSON.stringify({
      tenants: {
        '1234': {
          inbound: { basic: { username: 'icims-1234', passwordEnv: 'E2E_INBOUND_PASSWORD' } },
          icims: { auth: { type: 'oauth', clientId: SANDBOX_ICIMS_CLIENT.clientId, clientSecretEnv: 'E2E_ICIMS_SECRET' } },
          statusMapping: { '1752': 'screening', '9782': 'interview', '9820': 'rejected' },
          seek: { hirerId: HIRER, positionProfileField: 'field61234', defaultSource: 'iCIMS', withoutPosition: 'interaction' },
        },
      },
    }),
  );
  const env = {
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    CONFIG_FILE: tenantsFile,
    E2E_INBOUND_PASSWORD: INBOUND_PASSWORD,
    E2E_ICIMS_SECRET: SANDBOX_ICIMS_CLIENT.clientSecret,
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
  [ingest, worker] = await Promise.all([
    // A 1 s deduplication window, so the replay below is a new job that reaches SEEK.
    // Ingest checks event links against the same origin the worker calls.
    spawnService('apps/ingest/src/main.ts', { ...env, PORT: '0', HOST: '127.0.0.1', ICIMS_API_BASE_URL: icims.url, DEDUP_WINDOW_SECONDS: '1' }),
    spawnService('apps/worker/src/main.ts', {
      ...env,
      WORKER_QUEUES: 'enrich,seek',
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      RETRY_BASE_DELAY_MS: '50',
      RETRY_MAX_DELAY_MS: '200',
      ICIMS_API_BASE_URL: icims.url,
      ICIMS_TOKEN_URL: icims.tokenUrl,
      SEEK_TOKEN_URL: seek.tokenUrl,
      SEEK_GRAPHQL_URL: seek.graphqlUrl,
      SEEK_CLIENT_ID: SEEK_CLIENT.clientId,
      SEEK_CLIENT_SECRET: SEEK_CLIENT.clientSecret,
    }),
  ]);
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  enrichQueue = createQueue('enrich', connection, prefix);
  seekQueue = createQueue('seek', connection, prefix);
}, 40_000);

afterAll(async () => {
  await Promise.all([ingest?.stop(), worker?.stop()]);
  await Promise.all([enrichQueue?.close(), seekQueue?.close()]);
  connection?.disconnect();
  await Promise.all([icims?.close(), seek?.close()]);
  rmSync(configDir, { recursive: true, force: true });
  await cleanupPrefix(TEST_REDIS_URL, prefix);
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
  // actionDate is the transition's time (the receive time: the workflow shows the event's
  // status), not the delivery's and not the workflow's older updateddate.
  expect(item.item.actionDate).toBe(job.data.statusChange.occurredAt);
  expect(item.item.actionDate).toBe((await enrichQueue.getJob(job.data.statusChange.enrichJobId))!.data.receivedAt);
});

test('a second status change for the same person → one more item, no second upload, dated by its own transition', async () => {
  // As at iCIMS: the recruiter's move changes the workflow (status and updateddate), then the event is sent.
  icims.setWorkflowStatus('1234', '2203', { id: '9820', value: 'Rejected' });
  expect((await postEvent({ oldStatus: '9782', newStatus: '9820' })).status).toBe(200);
  const { state, job } = await seekDeliveryOf('9820');
  expect(state).toBe('completed');
  expect(ops('uploadCandidate')).toHaveLength(1);
  expect(ops('createCandidateProcessHistoryItem')).toHaveLength(2);
  const [candidate] = [...seek.state.candidates.values()];
  const items = seek.state.itemsOf(candidate.profileId);
  expect(items).toHaveLength(2);
  expect(items[1].item).toMatchObject({ status: { code: 'Unsuccessful' } });
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
