import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { QUEUE_KEYS, QUEUES } from '@status-bridge/partners';
import { type StepStoneDeliveryJob } from '@status-bridge/stepstone';
import { newSigningSecret } from '@status-bridge/webhook';
import { cleanupPrefix, sampleStatusChange, spawnService, TEST_REDIS_URL, uniquePrefix, waitFor, type ServiceHandle } from '@status-bridge/testing';

/**
 * The worker's /metrics, run as operators run it (a child process, env-only config), and the
 * alerting hook: a job that fails for good logs "job exhausted: needs an operator" at error level
 * and counts in status_bridge_jobs_exhausted_total.
 */
const prefix = uniquePrefix('worker-metrics');
let worker: ServiceHandle;
let partner: http.Server;
let partnerRequests = 0;
const queues: Queue[] = [];

function queue(name: string): Queue {
  const created = new Queue(name, { connection: { url: TEST_REDIS_URL }, prefix });
  queues.push(created);
  return created;
}

async function scrape(): Promise<string> {
  const response = await fetch(`${worker.url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

/** Value of one sample line, e.g. sample(text, 'status_bridge_queue_jobs{queue="stepstone",state="delayed"}'). */
function sample(text: string, series: string): number | undefined {
  // prom-client adds the registry's default label (service) to every sample.
  const [name, labels] = series.split('{');
  const wanted = labels ? labels.replace(/}$/, '').split(',') : [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelPart = line.slice(name.length).split(' ')[0];
    if (wanted.every((label) => labelPart.includes(label))) return Number(line.split(' ').pop());
  }
  return undefined;
}

const statusChange: StepStoneDeliveryJob['statusChange'] = sampleStatusChange({
  systemId: '990001',
  occurredAt: new Date().toISOString(),
  receivedAt: new Date().toISOString(),
  enrichJobId: 'c1234-w990001-1752-9782-test',
});

beforeAll(async () => {
  // A partner that rejects everything with 400: the StepStone processor treats that as permanent.
  partner = http.createServer((req, res) => {
    partnerRequests += 1;
    req.resume();
    res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"rejected by test partner"}');
  });
  await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
  const partnerUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}`;
  worker = await spawnService('apps/worker/src/main.ts', {
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    CONFIG_FILE: 'config/tenants.example.json',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    RETRY_BASE_DELAY_MS: '50',
    RETRY_MAX_DELAY_MS: '200',
    SHUTDOWN_TIMEOUT_MS: '5000',
    TENANT_1234_ICIMS_CLIENT_SECRET: 'test-icims-secret',
    TENANT_1234_STEPSTONE_TOKEN: 'test-stepstone-token',
    TENANT_1234_WEBHOOK_CRM_SECRET: newSigningSecret(),
    SEEK_CLIENT_ID: 'test-seek-client',
    SEEK_CLIENT_SECRET: 'test-seek-secret',
    ICIMS_API_BASE_URL: partnerUrl,
    ICIMS_TOKEN_URL: `${partnerUrl}/oauth/token`,
    STEPSTONE_STATUS_URL: `${partnerUrl}/api/application-status`,
    SEEK_TOKEN_URL: `${partnerUrl}/oauth/token`,
    SEEK_GRAPHQL_URL: `${partnerUrl}/graphql`,
  });
});

afterAll(async () => {
  await worker?.stop();
  await Promise.all(queues.map((item) => item.close()));
  await new Promise<void>((resolve) => partner.close(() => resolve()));
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

test('/metrics exposes the named series, with queue depth read from Redis at scrape time', async () => {
  const stepstone = queue(QUEUES.stepstone.name);
  const seek = queue(QUEUES.seek.name);
  // Delayed by an hour: the worker will not touch them during the test.
  await stepstone.add(QUEUES.stepstone.jobName, { statusChange, stepstone: { atsiApplicationId: 'A-1', status: 'INTERVIEW' } } as never, { jobId: 'metrics-delayed-1', delay: 3_600_000 });
  await seek.add(QUEUES.seek.jobName, { statusChange } as never, { jobId: 'metrics-delayed-2', delay: 3_600_000 });
  await seek.add(QUEUES.seek.jobName, { statusChange } as never, { jobId: 'metrics-delayed-3', delay: 3_600_000 });

  const text = await scrape();
  for (const series of [
    'status_bridge_queue_jobs',
    'status_bridge_queue_counts_up',
    'status_bridge_jobs_total',
    'status_bridge_job_duration_seconds',
    'status_bridge_deliveries_total',
    'status_bridge_skips_total',
    'status_bridge_actor_fallbacks_total',
    'status_bridge_delivery_latency_seconds',
    'status_bridge_jobs_exhausted_total',
    'status_bridge_icims_requests_total',
  ]) {
    expect(text).toContain(`# TYPE ${series} `);
  }
  expect(sample(text, 'status_bridge_queue_jobs{queue="stepstone",state="delayed"}')).toBe(1);
  expect(sample(text, 'status_bridge_queue_jobs{queue="seek",state="delayed"}')).toBe(2);
  expect(sample(text, 'status_bridge_queue_jobs{queue="enrich",state="failed"}')).toBe(0);
  // Every queue of the registry, read at scrape time.
  for (const key of QUEUE_KEYS) expect(sample(text, `status_bridge_queue_counts_up{queue="${key}"}`)).toBe(1);

  // Counts follow Redis: remove one delayed job and scrape again.
  await seek.remove('metrics-delayed-3');
  expect(sample(await scrape(), 'status_bridge_queue_jobs{queue="seek",state="delayed"}')).toBe(1);
});

test('alerting hook: a job that fails for good logs "job exhausted: needs an operator" at error level and counts', async () => {
  const stepstone = queue(QUEUES.stepstone.name);
  const before = sample(await scrape(), 'status_bridge_jobs_exhausted_total{queue="stepstone"}') ?? 0;
  const jobId = 'c1234-w990001-1752-9782-alert-stepstone';
  // attempts: 2 keeps the test short whether the processor classifies the 400 as permanent
  // (one attempt) or not (two quick retries); either way the job ends failed for good.
  await stepstone.add(QUEUES.stepstone.jobName, { statusChange, stepstone: { atsiApplicationId: 'A-ALERT', status: 'INTERVIEW' } } as never, { jobId, attempts: 2 });

  const alert = await waitFor(
    () => worker.logs().find((line) => line.message === 'job exhausted: needs an operator' && line.jobId === jobId),
    { timeoutMs: 20_000, what: 'the exhausted-job log line' },
  );
  expect(alert.level).toBe('error');
  expect(alert).toMatchObject({ queue: QUEUES.stepstone.name, customerId: '1234', systemId: '990001' });
  expect(String(alert.reason)).toMatch(/stepstone/i);
  // The reason on the job itself is what the dashboard shows.
  const job = await stepstone.getJob(jobId);
  expect(await job?.getState()).toBe('failed');
  expect(job?.failedReason).toMatch(/stepstone/i);

  const after = await waitFor(async () => {
    const value = sample(await scrape(), 'status_bridge_jobs_exhausted_total{queue="stepstone"}') ?? 0;
    return value > before ? value : undefined;
  }, { what: 'status_bridge_jobs_exhausted_total to increase' });
  expect(after).toBe(before + 1);
  expect(sample(await scrape(), 'status_bridge_queue_jobs{queue="stepstone",state="failed"}')).toBe(1);
  // No candidate name in any log line of the worker.
  expect(worker.lines.join('\n')).not.toContain('Test Candidate');
});
