import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createQueue, QUEUES, type ContractQueue } from '@status-bridge/partners';
import { start as startIcims, SANDBOX_ICIMS_CLIENT, SEED_ATSI_APPLICATION_ID, type IcimsSandbox } from '@status-bridge/sandbox/src/icims';
import { start as startStepStone, type StepStoneSandbox } from '@status-bridge/stepstone/src/sandbox';
import { basicAuth, cleanupPrefix, eventJson, gzipped, seedHeaders, sleep, spawnService, TEST_REDIS_URL, uniquePrefix, waitFor, type ServiceHandle } from '@status-bridge/testing';

/**
 * Issue 4 end to end: iCIMS event → ingest (child) → enrich (worker child, iCIMS sandbox) →
 * deliver-stepstone → StepStone sandbox. Real Redis, real HTTP, env-only configuration.
 */
const prefix = uniquePrefix('stepstone-e2e');
const STEPSTONE_TOKEN = 'tok-e2e-1234-secret';
const INBOUND_PASSWORD = 'inbound-e2e-password';
const AUTH = basicAuth('icims-1234', INBOUND_PASSWORD);
const RECORD_ID = '0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';

let icims: IcimsSandbox;
let stepstone: StepStoneSandbox;
let ingest: ServiceHandle;
let worker: ServiceHandle;
let connection: Redis;
let enrichQueue: ContractQueue<'enrich'>;
let stepstoneQueue: ContractQueue<'stepstone'>;
let configDir: string;

function send(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${ingest.url}${path}`, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The seed event (gzip, the seed's headers), its links pointing at the iCIMS sandbox and naming the event's own ids. */
function postEvent(overrides: { systemId?: string; personId?: string; jobId?: string; oldStatus?: string; newStatus?: string } = {}) {
  const ids = { systemId: '2203', personId: '1364', jobId: '1242', ...overrides };
  const base = `${icims.url}/customers/1234`;
  const links = [
    { title: 'Applicant Workflow', rel: 'applicantWorkflow', url: `${base}/applicantworkflows/${ids.systemId}` },
    { title: 'Job Profile', rel: 'job', url: `${base}/jobs/${ids.jobId}` },
    { title: 'Person Profile', rel: 'person', url: `${base}/people/${ids.personId}` },
    { title: 'Posting User', rel: 'user', url: `${base}/people/3` },
  ];
  const text = eventJson({ ...overrides, links });
  const body = gzipped(text);
  return send('POST', '/icims/events', { ...seedHeaders(body), Authorization: AUTH }, body);
}

async function enrichDone(systemId: string, newStatus: string, count = 1) {
  return waitFor(
    async () => {
      const jobs = (await enrichQueue.getJobs(['completed', 'failed'])).filter((job) => job.data.event.systemId === systemId && job.data.event.newStatus === newStatus);
      return jobs.length >= count ? jobs : undefined;
    },
    { timeoutMs: 20_000, what: `enrichment of workflow ${systemId} → ${newStatus}` },
  );
}

async function stepstoneSkips(): Promise<number> {
  const text = await (await fetch(`${worker.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith('status_bridge_skips_total{') && line.includes('partner="stepstone"'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

beforeAll(async () => {
  icims = await startIcims();
  stepstone = await startStepStone({ tokens: [STEPSTONE_TOKEN] });
  configDir = mkdtempSync(join(tmpdir(), 'sb-stepstone-e2e-'));
  const tenantsFile = join(configDir, 'tenants.json');
  writeFileSync(
    tenantsFile,
    JSON.stringify({
      tenants: {
        '1234': {
          inbound: { basic: { username: 'icims-1234', passwordEnv: 'E2E_INBOUND_PASSWORD' } },
          icims: { auth: { type: 'oauth', clientId: SANDBOX_ICIMS_CLIENT.clientId, clientSecretEnv: 'E2E_ICIMS_SECRET' } },
          statusMapping: { '1752': 'screening', '9782': 'interview', D10100: 'applied', '9820': 'rejected' },
          stepstone: { tokenEnv: 'E2E_STEPSTONE_TOKEN', applicationIdField: 'field51234' },
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
    E2E_STEPSTONE_TOKEN: STEPSTONE_TOKEN,
    SHUTDOWN_TIMEOUT_MS: '5000',
  };
  [ingest, worker] = await Promise.all([
    // Ingest checks event links against the same origin the worker calls.
    spawnService('apps/ingest/src/main.ts', { ...env, PORT: '0', HOST: '127.0.0.1', ICIMS_API_BASE_URL: icims.url }),
    spawnService('apps/worker/src/main.ts', {
      ...env,
      WORKER_QUEUES: 'enrich,stepstone',
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      RETRY_BASE_DELAY_MS: '50',
      RETRY_MAX_DELAY_MS: '200',
      ICIMS_API_BASE_URL: icims.url,
      ICIMS_TOKEN_URL: icims.tokenUrl,
      STEPSTONE_STATUS_URL: stepstone.statusUrl('ATS-E2E'),
    }),
  ]);
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  enrichQueue = createQueue('enrich', connection, prefix);
  stepstoneQueue = createQueue('stepstone', connection, prefix);
}, 40_000);

afterAll(async () => {
  await Promise.all([worker?.stop(), ingest?.stop()]);
  await Promise.all([enrichQueue?.close(), stepstoneQueue?.close()]);
  connection?.disconnect();
  await Promise.all([icims?.close(), stepstone?.close()]);
  rmSync(configDir, { recursive: true, force: true });
  await cleanupPrefix(TEST_REDIS_URL, prefix);
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
