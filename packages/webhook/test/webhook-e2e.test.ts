import type { Job } from 'bullmq';
import { deliveryJobId } from '@status-bridge/core';
import { type ContractQueue } from '@status-bridge/partners';
import { startEndToEnd, waitFor, type EndToEnd, type ServiceHandle } from '@status-bridge/testing';
import { startWebhookSandbox, type WebhookSandbox } from '../src/sandbox';
import { newSigningSecret } from '../src/signing-secret';

/**
 * Webhook end to end: iCIMS event → ingest (child) → enrich (worker child, iCIMS sandbox) → one
 * deliver-webhook job per subscribed endpoint → the receiver sandbox, which verifies every
 * signature twice (the standardwebhooks package and a hand-written check of the spec's algorithm)
 * and de-duplicates on webhook-id as docs/webhook.md asks receivers to. Real Redis, real HTTP,
 * env-only configuration; the shared set-up is packages/testing's startEndToEnd.
 */
const CRM_SECRET = newSigningSecret();
const HR_SECRET = newSigningSecret();
const ALL_JOB_STATES = ['completed', 'failed', 'waiting', 'active', 'delayed'] as const;

let e2e: EndToEnd<{ receiver: WebhookSandbox }>;
let receiver: WebhookSandbox;
let ingest: ServiceHandle;
let worker: ServiceHandle;
let enrichQueue: ContractQueue<'enrich'>;
let webhookQueue: ContractQueue<'webhook'>;

const postEvent = (overrides: { systemId?: string; personId?: string; jobId?: string; oldStatus?: string; newStatus?: string } = {}) => e2e.postEvent(overrides);

async function enrichJobs(systemId: string, newStatus: string, states: Array<'completed' | 'failed' | 'waiting' | 'active' | 'delayed'>): Promise<Job[]> {
  return (await enrichQueue.getJobs(states)).filter((job) => job.data.event.systemId === systemId && job.data.event.newStatus === newStatus);
}

async function enrichDone(systemId: string, newStatus: string): Promise<Job> {
  const [job] = await waitFor(
    async () => {
      const jobs = await enrichJobs(systemId, newStatus, ['completed', 'failed']);
      return jobs.length > 0 ? jobs : undefined;
    },
    { timeoutMs: 20_000, what: `enrichment of workflow ${systemId} → ${newStatus}` },
  );
  return job;
}

const requestsTo = (path: string) => receiver.requests.filter((request) => request.path === path);
const webhookSkips = (reason: string): Promise<number> => e2e.counter('status_bridge_skips_total', 'partner="webhook"', `reason="${reason}"`);

beforeAll(async () => {
  e2e = await startEndToEnd({
    name: 'webhook-e2e',
    sandboxes: { receiver: () => startWebhookSandbox({ secrets: { E2E_WEBHOOK_CRM_SECRET: CRM_SECRET, E2E_WEBHOOK_HR_SECRET: HR_SECRET } }) },
    statusMapping: { '1752': 'screening', '9782': 'interview', D10100: 'applied', '9800': 'offer', '9820': 'rejected' },
    partnerSections: ({ receiver: sandbox }) => ({
      webhook: {
        endpoints: {
          // Every stage but offer; ids and statuses only.
          crm: { url: sandbox.endpointUrl('1234', 'crm'), secretEnv: 'E2E_WEBHOOK_CRM_SECRET', stages: ['lead', 'applied', 'screening', 'interview', 'assessment', 'hired', 'rejected', 'withdrawn'] },
          // Outcomes only, with the candidate's name and email.
          hr: { url: sandbox.endpointUrl('1234', 'hr'), secretEnv: 'E2E_WEBHOOK_HR_SECRET', stages: ['hired', 'rejected'], includeCandidate: true },
        },
      },
    }),
    secrets: { E2E_WEBHOOK_CRM_SECRET: CRM_SECRET, E2E_WEBHOOK_HR_SECRET: HR_SECRET },
    workers: () => [{ WORKER_QUEUES: 'enrich,webhook', WEBHOOK_REQUEST_TIMEOUT_MS: '2000' }],
  });
  ({ receiver } = e2e.sandboxes);
  ({ ingest } = e2e);
  [worker] = e2e.workers;
  enrichQueue = e2e.queue('enrich');
  webhookQueue = e2e.queue('webhook');
}, 60_000);

afterEach(() => receiver.reset());

afterAll(async () => {
  await e2e?.stop();
});

test('the seed event (→ interview) reaches the crm endpoint once, signed as the spec says, webhook-id = delivery job id, ids and statuses only; a re-send adds nothing', async () => {
  expect((await postEvent()).status).toBe(200);
  await waitFor(() => receiver.received.length >= 1, { timeoutMs: 20_000, what: 'the webhook request' });
  const enrich = await enrichDone('2203', '9782');
  const [request] = receiver.received;
  expect(request).toMatchObject({
    path: '/hooks/1234/crm',
    webhookId: `${deliveryJobId(enrich.id!, 'webhook')}-crm`,
    signatures: 1,
    contentType: expect.stringMatching(/^application\/json/),
    // Both checks passed: the standardwebhooks package, and HMAC-SHA256 of "id.timestamp.body" by hand.
    verification: { library: true, manual: true, secretName: 'E2E_WEBHOOK_CRM_SECRET' },
    body: {
      type: 'application.status_changed',
      version: 1,
      data: {
        customerId: '1234',
        workflowId: '2203',
        personId: '1364',
        jobId: '1242',
        changeId: enrich.id,
        oldStatus: { id: '1752', stage: 'screening' },
        newStatus: { id: '9782', stage: 'interview', name: 'Second Interview' },
      },
    },
  });
  expect(request.body).not.toHaveProperty('data.candidate');
  expect(receiver.rejected).toHaveLength(0);
  // hr wants outcomes only.
  expect(requestsTo('/hooks/1234/hr')).toHaveLength(0);
  expect(enrich.returnvalue).toMatchObject({ deliveries: { webhook: [request.webhookId] } });

  // iCIMS re-sends the same transition: ingest answers 200 and it stays one enrichment job (de-duplicated), so nothing more is sent.
  expect((await postEvent()).status).toBe(200);
  expect(await enrichJobs('2203', '9782', [...ALL_JOB_STATES])).toHaveLength(1);
  expect(await webhookQueue.getJobCountByTypes(...ALL_JOB_STATES)).toBe(1);
  expect(receiver.requests).toHaveLength(1);
});

test('a 503 is retried with the same webhook-id (and a fresh signature); the receiver processes the change once', async () => {
  receiver.failNext(1, 503);
  expect((await postEvent({ systemId: '2204', personId: '1365', oldStatus: '1752', newStatus: 'D10100' })).status).toBe(200);
  await waitFor(() => receiver.received.length >= 1, { timeoutMs: 20_000, what: 'the retried webhook request' });
  expect(receiver.requests.map((request) => request.answer)).toEqual([503, 200]);
  const [failed, retried] = receiver.requests;
  expect(retried.webhookId).toBe(failed.webhookId);
  expect(receiver.received[0]).toMatchObject({ webhookId: failed.webhookId, verification: { library: true, manual: true } });
  // The receiver answers before the worker records the completion: wait for the record, then read the job.
  await waitFor(async () => (await webhookQueue.getJobState(failed.webhookId!)) === 'completed', { timeoutMs: 10_000, what: 'the retried job completed' });
  const job = await webhookQueue.getJob(failed.webhookId!);
  expect({ state: await job!.getState(), attemptsMade: job!.attemptsMade }).toEqual({ state: 'completed', attemptsMade: 2 });
});

test("a 429 from one endpoint delays only that endpoint's job (no attempt spent, no queue pause): the other endpoint gets the same change first", async () => {
  receiver.rateLimitNext(1, 3);
  // Rejected: both endpoints subscribe. Whichever asks first gets the 429; the fault is one answer.
  expect((await postEvent({ systemId: '2205', personId: '1366', jobId: '1243', oldStatus: '9782', newStatus: '9820' })).status).toBe(200);
  const limitedId = (await waitFor(() => receiver.requests.find((request) => request.answer === 429), { timeoutMs: 20_000, what: 'the 429' })).webhookId!;
  // While the endpoint's Retry-After runs, its job waits as delayed (no attempt spent) and the queue
  // is not paused: worker.rateLimit() would have set the limiter key to MAX_SAFE_INTEGER (the key
  // also counts every job against the worker's nominal limiter, hence the explicit maximum).
  await waitFor(async () => (await webhookQueue.getJobState(limitedId)) === 'delayed', { timeoutMs: 10_000, what: 'the rate-limited job to be delayed' });
  expect(await webhookQueue.getRateLimitTtl(Number.MAX_SAFE_INTEGER)).toBeLessThanOrEqual(0);
  await waitFor(() => receiver.received.length >= 2, { timeoutMs: 30_000, what: 'both endpoints' });
  const limitedAt = receiver.requests.findIndex((request) => request.answer === 429);
  expect(limitedAt).toBeGreaterThanOrEqual(0);
  const limited = receiver.requests[limitedAt];
  const otherAt = receiver.requests.findIndex((request) => request.answer === 200 && request.path !== limited.path);
  const retriedAt = receiver.requests.findIndex((request) => request.answer === 200 && request.path === limited.path);
  // The other endpoint was served before the limited one's retry, which carries the same webhook-id.
  expect(otherAt).toBeGreaterThanOrEqual(0);
  expect(otherAt).toBeLessThan(retriedAt);
  expect(receiver.requests[retriedAt].webhookId).toBe(limited.webhookId);
  expect(receiver.requests).toHaveLength(3);
  expect(limited.webhookId).toBe(limitedId);
  await waitFor(async () => (await webhookQueue.getJobState(limited.webhookId!)) === 'completed', { timeoutMs: 10_000, what: 'the limited job completed' });
  const job = await webhookQueue.getJob(limited.webhookId!);
  expect({ state: await job!.getState(), attemptsMade: job!.attemptsMade }).toEqual({ state: 'completed', attemptsMade: 1 });

  const hr = receiver.received.find((received) => received.path === '/hooks/1234/hr')!;
  expect(hr.body).toMatchObject({ data: { newStatus: { id: '9820', stage: 'rejected' }, candidate: { name: 'Casey Demo', email: 'casey.demo@example.com' } } });
  const crm = receiver.received.find((received) => received.path === '/hooks/1234/crm')!;
  expect(crm.body).not.toHaveProperty('data.candidate');
});

test('410 Gone → the job fails for good on its first attempt, with a reason telling the operator what to fix; no retry', async () => {
  receiver.goneNext(1);
  expect((await postEvent({ systemId: '2204', personId: '1365', oldStatus: 'D10100', newStatus: '1752' })).status).toBe(200);
  const [failed] = await waitFor(
    async () => {
      const jobs = (await webhookQueue.getJobs(['failed'])).filter((job) => job.data.statusChange.systemId === '2204' && job.data.statusChange.newStatus.id === '1752');
      return jobs.length > 0 ? jobs : undefined;
    },
    { timeoutMs: 20_000, what: 'the failed webhook job' },
  );
  expect(failed.failedReason).toContain('410 Gone');
  expect(failed.failedReason).toContain('tenants.1234.webhook.endpoints.crm.url');
  expect(failed.attemptsMade).toBe(1);
  expect(receiver.requests.map((request) => request.answer)).toEqual([410]);
  expect(receiver.received).toHaveLength(0);
});

test('a stage no endpoint subscribes to → no webhook job, skip counted', async () => {
  const before = await webhookSkips('no_endpoint_for_stage');
  const jobsBefore = await webhookQueue.getJobCountByTypes(...ALL_JOB_STATES);
  expect((await postEvent({ systemId: '2205', personId: '1366', jobId: '1243', oldStatus: '9820', newStatus: '9800' })).status).toBe(200);
  const enrich = await enrichDone('2205', '9800');
  expect({ state: await enrich.getState(), reason: enrich.failedReason }).toEqual({ state: 'completed', reason: undefined });
  expect(await webhookSkips('no_endpoint_for_stage')).toBe(before + 1);
  expect(await webhookQueue.getJobCountByTypes(...ALL_JOB_STATES)).toBe(jobsBefore);
  expect(receiver.requests).toHaveLength(0);
});

test('no secret and no candidate data in either process log', () => {
  const logs = [...ingest.lines, ...worker.lines].join('\n');
  for (const secret of [CRM_SECRET, HR_SECRET, CRM_SECRET.slice(6), HR_SECRET.slice(6), e2e.inboundPassword, 'Jordan', 'jordan.sample@example.com', 'Casey', 'casey.demo@example.com']) {
    expect(logs).not.toContain(secret);
  }
});
