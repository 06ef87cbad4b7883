import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { QUEUES } from '@status-bridge/partners';
import { basicAuth, cleanupPrefix, spawnService, TEST_REDIS_URL, uniquePrefix, waitFor, type ServiceHandle } from '@status-bridge/testing';

/**
 * The dashboard process end to end, through real Redis and HTTP: authentication on the whole
 * mount, read-only by default (405 from the server, not hidden buttons), retry and clean only when
 * enabled, cross-site writes refused, PII masked in job data, /metrics and probes.
 */
const prefix = uniquePrefix('dashboard');
const USER = 'operator';
const PASSWORD = 'correct-horse-battery';
const AUTH = { authorization: basicAuth(USER, PASSWORD) };
const stepstoneName = QUEUES.stepstone.name;
const queues: Queue[] = [];
let readOnly: ServiceHandle;
let writable: ServiceHandle;

const candidate = { formattedName: 'Jane Doe', givenName: 'Jane', familyName: 'Doe', email: 'jane.doe@example.com', phone: '+61 412 345 123' };
const failedJobId = 'c1234-w2203-1752-9782-dash1-stepstone';
const REASON = '[stepstone tenant 1234] HTTP 400 (attempt 1/35): StepStone rejected the status | partner said: unknown AtsiApplicationId';

function dashboardEnv(extra: Record<string, string>): Record<string, string> {
  return {
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    DASHBOARD_PORT: '0',
    DASHBOARD_HOST: '127.0.0.1',
    DASHBOARD_USER: USER,
    DASHBOARD_PASSWORD: PASSWORD,
    DASHBOARD_ENVIRONMENT_LABEL: 'test-env',
    SHUTDOWN_TIMEOUT_MS: '3000',
    ...extra,
  };
}

async function api(service: ServiceHandle, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${service.url}/admin/queues${path}`, { ...init, headers: { ...AUTH, ...(init.headers as Record<string, string> | undefined) } });
}

beforeAll(async () => {
  const stepstone = new Queue(stepstoneName, { connection: { url: TEST_REDIS_URL }, prefix });
  queues.push(stepstone);
  // A failed job made by a throwaway worker, with the kind of reason job-wrapper writes.
  await stepstone.add(QUEUES.stepstone.jobName, { statusChange: { tenantId: '1234', customerId: '1234', systemId: '2203', candidate }, stepstone: { atsiApplicationId: 'A-1', status: 'INTERVIEW' } }, { jobId: failedJobId, attempts: 1 });
  const failer = new Worker(stepstoneName, async () => { throw new UnrecoverableError(REASON); }, { connection: { url: TEST_REDIS_URL, maxRetriesPerRequest: null }, prefix });
  await waitFor(async () => (await stepstone.getJobState(failedJobId)) === 'failed', { what: 'the throwaway worker to fail the job' });
  await failer.close();
  [readOnly, writable] = await Promise.all([
    spawnService('apps/dashboard/src/main.ts', dashboardEnv({})),
    spawnService('apps/dashboard/src/main.ts', dashboardEnv({ DASHBOARD_ALLOW_RETRY: 'true' })),
  ]);
});

afterAll(async () => {
  await Promise.all([readOnly?.stop(), writable?.stop()]);
  await Promise.all(queues.map((queue) => queue.close()));
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

describe('authentication covers the whole mount', () => {
  test.each([
    ['the page', '/admin/queues'],
    ['a job page (client-side route)', `/admin/queues/queue/${stepstoneName}/${failedJobId}`],
    ['a static asset', '/admin/queues/static/images/logo.svg'],
    ['the API', '/admin/queues/api/queues'],
    ['a write API call', `/admin/queues/api/queues/${stepstoneName}/${failedJobId}/retry`],
  ])('%s answers 401 without credentials, with a Basic challenge', async (_label, path) => {
    const response = await fetch(`${readOnly.url}${path}`, { method: path.endsWith('/retry') ? 'PUT' : 'GET' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
  });

  test.each([
    ['wrong password', basicAuth(USER, 'correct-horse-battery-x')],
    ['wrong user', basicAuth('admin', PASSWORD)],
    ['password as prefix', basicAuth(USER, 'correct')],
    ['not Basic', `Bearer ${PASSWORD}`],
    ['garbage', 'Basic !!!'],
  ])('%s answers 401', async (_label, authorization) => {
    const response = await fetch(`${readOnly.url}/admin/queues/api/queues`, { headers: { authorization } });
    expect(response.status).toBe(401);
  });

  test('with credentials the page, an asset and the API answer 200', async () => {
    const page = await api(readOnly, '');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('"environment":{"label":"test-env"');
    const asset = html.match(/static\/css\/[^"]+\.css/)?.[0];
    expect(asset).toBeDefined();
    expect((await api(readOnly, `/${asset}`)).status).toBe(200);
    expect((await api(readOnly, '/api/queues')).status).toBe(200);
    // Not frameable (clickjacking of the retry button), nothing from other origins, nothing cached.
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('cache-control')).toBe('no-store');
  });
});

test('the API lists every queue of the contract and shows the failed job with its reason, PII masked', async () => {
  const body = (await (await api(readOnly, '/api/queues?activeQueue=deliver-stepstone&status=failed&page=1')).json()) as {
    queues: Array<{ name: string; readOnlyMode: boolean; counts: Record<string, number>; jobs: Array<{ id: string; failedReason: string; data: unknown }> }>;
  };
  expect(body.queues.map((queue) => queue.name).sort()).toEqual(Object.values(QUEUES).map((queue) => queue.name).sort());
  const stepstone = body.queues.find((queue) => queue.name === stepstoneName)!;
  expect(stepstone.readOnlyMode).toBe(true);
  expect(stepstone.counts.failed).toBe(1);
  const job = stepstone.jobs.find((item) => item.id === failedJobId)!;
  expect(job.failedReason).toBe(REASON);
  const shown = JSON.stringify(job.data);
  expect(shown).toContain('"formattedName":"J*** D***"');
  expect(shown).toContain('"email":"j***@example.com"');
  expect(shown).toContain('"phone":"+61 *** *** 123"');
  for (const secret of ['Jane', 'jane.doe', '412 345']) expect(shown).not.toContain(secret);
  // The single-job endpoint (opened from a log line as queue/jobId) is masked too.
  const single = await (await api(readOnly, `/api/queues/${stepstoneName}/${failedJobId}`)).text();
  expect(single).toContain(REASON.slice(0, 40));
  expect(single).not.toContain('jane.doe@example.com');
  expect(single).not.toContain('Jane Doe');
});

test('read-only by default: writes answer 405 and change nothing', async () => {
  for (const [method, path] of [
    ['PUT', `/api/queues/${stepstoneName}/${failedJobId}/retry`],
    ['PUT', `/api/queues/${stepstoneName}/retry/failed`],
    ['PUT', `/api/queues/${stepstoneName}/clean/failed`],
    ['PUT', `/api/queues/${stepstoneName}/obliterate`],
  ] as const) {
    expect({ path, status: (await api(readOnly, path, { method })).status }).toEqual({ path, status: 405 });
  }
  expect(await queues[0].getJobState(failedJobId)).toBe('failed');
});

test('with DASHBOARD_ALLOW_RETRY only retry and clean pass; cross-site writes are refused', async () => {
  for (const [method, path] of [
    ['PUT', `/api/queues/${stepstoneName}/obliterate`],
    ['PUT', `/api/queues/${stepstoneName}/empty`],
    ['PUT', `/api/queues/${stepstoneName}/pause`],
    ['POST', `/api/queues/${stepstoneName}/add`],
    ['PATCH', `/api/queues/${stepstoneName}/${failedJobId}/update-data`],
    ['PUT', `/api/queues/${stepstoneName}/retry/completed`],
  ] as const) {
    expect({ path, status: (await api(writable, path, { method })).status }).toEqual({ path, status: 405 });
  }
  const retryPath = `/api/queues/${stepstoneName}/${failedJobId}/retry`;
  const crossSite = await api(writable, retryPath, { method: 'PUT', headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' } });
  expect(crossSite.status).toBe(403);
  const otherOrigin = await api(writable, retryPath, { method: 'PUT', headers: { origin: 'https://evil.example' } });
  expect(otherOrigin.status).toBe(403);
  expect(await queues[0].getJobState(failedJobId)).toBe('failed');

  const sameOrigin = await api(writable, retryPath, { method: 'PUT', headers: { origin: writable.url, 'sec-fetch-site': 'same-origin' } });
  expect(sameOrigin.status).toBe(204);
  expect(await queues[0].getJobState(failedJobId)).toBe('waiting');
  expect(writable.logs().some((line) => line.message === 'dashboard write' && String(line.path).endsWith('/retry'))).toBe(true);
});

test('/metrics exposes queue depth per state; probes answer', async () => {
  const metrics = await (await fetch(`${readOnly.url}/metrics`)).text();
  expect(metrics).toContain('# TYPE status_bridge_queue_jobs gauge');
  expect(metrics).toMatch(/status_bridge_queue_counts_up\{queue="stepstone",service="dashboard"\} 1/);
  expect(metrics).toMatch(/status_bridge_queue_jobs\{queue="enrich",state="waiting",service="dashboard"\} 0/);
  expect((await fetch(`${readOnly.url}/healthz`)).status).toBe(200);
  expect((await fetch(`${readOnly.url}/readyz`)).status).toBe(200);
});

test('graceful shutdown on SIGTERM exits 0', async () => {
  expect(await writable.stop('SIGTERM')).toBe(0);
  expect(writable.logs().some((line) => line.message === 'stopped')).toBe(true);
});
