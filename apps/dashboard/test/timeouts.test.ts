import { basicAuth, spawnService, TEST_REDIS_URL, trickleRequest, uniquePrefix, type ServiceHandle } from '@status-bridge/testing';

/**
 * Bounded request reading on the dashboard (DASHBOARD_REQUEST_TIMEOUT_MS, _HEADERS_TIMEOUT_MS,
 * _CONNECTIONS_CHECKING_INTERVAL_MS): a client that trickles its headers gets 408, one that
 * trickles a body has its connection closed, each within the bound plus the checking interval,
 * while the dashboard keeps answering others. Generous margins: correctness bounds, not speed.
 */
const BOUNDS = { request: 2_000, headers: 1_000, interval: 200 };
const MARGIN_MS = 6_000;
const PASSWORD = 'timeouts-test-password';
let dashboard: ServiceHandle;

beforeAll(async () => {
  dashboard = await spawnService('apps/dashboard/src/main.ts', {
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: uniquePrefix('dashboard-timeouts'),
    DASHBOARD_PORT: '0',
    DASHBOARD_HOST: '127.0.0.1',
    DASHBOARD_PASSWORD: PASSWORD,
    DASHBOARD_REQUEST_TIMEOUT_MS: String(BOUNDS.request),
    DASHBOARD_HEADERS_TIMEOUT_MS: String(BOUNDS.headers),
    DASHBOARD_CONNECTIONS_CHECKING_INTERVAL_MS: String(BOUNDS.interval),
    SHUTDOWN_TIMEOUT_MS: '3000',
  });
}, 30_000);

afterAll(async () => {
  await dashboard?.stop('SIGKILL');
});

it('answers 408 to trickled headers within the headers bound and serves others meanwhile', async () => {
  const slow = trickleRequest(dashboard.url, {
    method: 'GET',
    path: '/admin/queues/api/queues',
    headers: { authorization: basicAuth('admin', PASSWORD), 'x-padding': 'p'.repeat(400) },
    slow: 'headers',
    chunkBytes: 2,
    intervalMs: 100,
    giveUpMs: BOUNDS.headers + BOUNDS.interval + MARGIN_MS,
  });
  expect((await fetch(`${dashboard.url}/healthz`)).status).toBe(200);
  const outcome = await slow;
  expect(outcome).toMatchObject({ gaveUp: false, closed: true, status: 408 });
  expect(outcome.ms).toBeLessThan(BOUNDS.headers + BOUNDS.interval + MARGIN_MS);
});

it('closes a connection whose body trickles within the request bound', async () => {
  const outcome = await trickleRequest(dashboard.url, {
    path: '/admin/queues/api/queues/deliver-stepstone/clean/failed',
    headers: { authorization: basicAuth('admin', PASSWORD), 'content-type': 'application/json' },
    body: JSON.stringify({ padding: 'p'.repeat(2_000) }),
    slow: 'body',
    chunkBytes: 1,
    intervalMs: 100,
    giveUpMs: BOUNDS.request + BOUNDS.interval + MARGIN_MS,
  });
  expect(outcome).toMatchObject({ gaveUp: false, closed: true });
  expect(outcome.ms).toBeLessThan(BOUNDS.request + BOUNDS.interval + MARGIN_MS);
  expect((await fetch(`${dashboard.url}/healthz`)).status).toBe(200);
});
