import { spawnService, startRedisServer, waitFor, type RedisServerHandle, type ServiceHandle } from '@status-bridge/testing';

/**
 * The dashboard during a Redis outage (a private redis-server, stopped and restarted): it stays
 * up, says "not ready", and /metrics answers promptly with status_bridge_queue_counts_up 0
 * instead of hanging the scrape; when Redis is back, so is the dashboard.
 */
let redis: RedisServerHandle;
let dashboard: ServiceHandle;

beforeAll(async () => {
  redis = await startRedisServer();
  dashboard = await spawnService('apps/dashboard/src/main.ts', {
    REDIS_URL: redis.url,
    QUEUE_PREFIX: '{sbt-dashboard-outage}',
    DASHBOARD_PORT: '0',
    DASHBOARD_HOST: '127.0.0.1',
    DASHBOARD_PASSWORD: 'outage-test-password',
    SHUTDOWN_TIMEOUT_MS: '3000',
  });
});

afterAll(async () => {
  await dashboard?.stop();
  await redis?.stop(true);
});

const scrape = async (): Promise<{ status: number; text: string }> => {
  // Bounded: a scrape that hung with Redis would fail here rather than stall the test.
  const response = await fetch(`${dashboard.url}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text() };
};

test('Redis down: not ready, metrics say the counts are unreadable; Redis back: ready again', async () => {
  expect((await fetch(`${dashboard.url}/readyz`)).status).toBe(200);
  expect((await scrape()).text).toMatch(/status_bridge_queue_counts_up\{queue="stepstone",service="dashboard"\} 1/);

  const port = redis.port;
  await redis.stop(true);
  await waitFor(async () => (await fetch(`${dashboard.url}/readyz`)).status === 503, { timeoutMs: 10_000, what: '/readyz to answer 503' });
  expect((await fetch(`${dashboard.url}/healthz`)).status).toBe(200);
  const during = await scrape();
  expect(during.status).toBe(200);
  expect(during.text).toMatch(/status_bridge_queue_counts_up\{queue="stepstone",service="dashboard"\} 0/);
  expect(during.text).not.toMatch(/status_bridge_queue_jobs\{/);
  // The board's API answers (with an error) rather than hanging the operator's browser.
  const api = await fetch(`${dashboard.url}/admin/queues/api/queues`, { headers: { authorization: `Basic ${Buffer.from('admin:outage-test-password').toString('base64')}` }, signal: AbortSignal.timeout(15_000) });
  expect(api.status).toBeGreaterThanOrEqual(500);

  redis = await startRedisServer({ port });
  await waitFor(async () => (await fetch(`${dashboard.url}/readyz`)).status === 200, { timeoutMs: 30_000, what: '/readyz to recover' });
  await waitFor(async () => /status_bridge_queue_counts_up\{queue="stepstone",service="dashboard"\} 1/.test((await scrape()).text), { timeoutMs: 10_000, what: 'queue counts to be readable again' });
}, 60_000);
