import { cleanupPrefix, eventJson, spawnService, TEST_REDIS_URL, trickleRequest, uniquePrefix, type ServiceHandle } from '@status-bridge/testing';
import { allJobs, AUTH, enrichQueue, ingestEnv, postEvent, request, writeTenantsFile } from './helpers';

/**
 * Bounded request reading: a client that trickles its headers or body is answered 408 (or its
 * connection closed) within INGEST_REQUEST_TIMEOUT_MS / INGEST_HEADERS_TIMEOUT_MS plus the
 * checking interval, and the process serves other requests meanwhile. Without the bounds Node
 * waits 5 minutes (a fault run measured 327 s). The margins are generous: these are correctness
 * bounds on a loaded machine, not speed claims.
 */
const prefix = uniquePrefix('ingest-timeouts');
const queue = enrichQueue(TEST_REDIS_URL, prefix);
const BOUNDS = { request: 2_000, headers: 1_000, interval: 200 };
const MARGIN_MS = 6_000;
const env = ingestEnv({
  REDIS_URL: TEST_REDIS_URL,
  QUEUE_PREFIX: prefix,
  CONFIG_FILE: writeTenantsFile(),
  INGEST_REQUEST_TIMEOUT_MS: String(BOUNDS.request),
  INGEST_HEADERS_TIMEOUT_MS: String(BOUNDS.headers),
  INGEST_CONNECTIONS_CHECKING_INTERVAL_MS: String(BOUNDS.interval),
});
let ingest: ServiceHandle;

beforeAll(async () => {
  ingest = await spawnService('apps/ingest/src/main.ts', env);
}, 30_000);

afterAll(async () => {
  await ingest?.stop('SIGKILL');
  await queue.close();
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

const eventHeaders = { 'content-type': 'application/json', authorization: AUTH.tenant1234 };

it('answers 408 to a trickled body within the request bound, serves others meanwhile, and enqueues nothing from it', async () => {
  const body = eventJson({ systemId: '610001' });
  const slow = trickleRequest(ingest.url, { path: '/icims/events', headers: eventHeaders, body, slow: 'body', chunkBytes: 1, intervalMs: 100, giveUpMs: BOUNDS.request + BOUNDS.interval + MARGIN_MS });

  // While it trickles: health and a normal event are answered.
  const health = await request(ingest.url, { method: 'GET', path: '/healthz' });
  const normal = await postEvent(ingest.url, eventJson({ systemId: '610002' }), { authorization: AUTH.tenant1234 });
  expect([health.status, normal.status]).toEqual([200, 200]);

  const outcome = await slow;
  expect(outcome.gaveUp).toBe(false);
  expect(outcome.closed).toBe(true);
  expect(outcome.status).toBe(408);
  // In iCIMS's error standard, like every other refusal.
  expect(outcome.json?.error?.userMessage).toMatch(/arrived too slowly/);
  expect(outcome.ms).toBeLessThan(BOUNDS.request + BOUNDS.interval + MARGIN_MS);
  // It was cut off by the timeout, not answered early: far from all of its 700-odd bytes arrived.
  expect(outcome.bytesSent).toBeLessThan(Buffer.byteLength(body));
  expect((await allJobs(queue)).map((job) => job.data.event.systemId)).toEqual(['610002']);
  expect((await request(ingest.url, { method: 'GET', path: '/healthz' })).status).toBe(200);
});

it('answers 408 to trickled headers within the headers bound', async () => {
  const outcome = await trickleRequest(ingest.url, {
    path: '/icims/events',
    headers: { ...eventHeaders, 'x-padding': 'p'.repeat(400) },
    body: eventJson({ systemId: '610003' }),
    slow: 'headers',
    chunkBytes: 2,
    intervalMs: 100,
    giveUpMs: BOUNDS.headers + BOUNDS.interval + MARGIN_MS,
  });
  expect(outcome).toMatchObject({ gaveUp: false, closed: true, status: 408 });
  expect(outcome.ms).toBeLessThan(BOUNDS.headers + BOUNDS.interval + MARGIN_MS);
});

it('refuses to start when the headers timeout exceeds the request timeout, naming both variables', async () => {
  await expect(spawnService('apps/ingest/src/main.ts', { ...env, INGEST_HEADERS_TIMEOUT_MS: '3000' }, { timeoutMs: 15_000 })).rejects.toThrow(
    /INGEST_HEADERS_TIMEOUT_MS \(3000\) must not be greater than INGEST_REQUEST_TIMEOUT_MS \(2000\)/,
  );
  await expect(spawnService('apps/ingest/src/main.ts', { ...env, INGEST_REQUEST_TIMEOUT_MS: '10' }, { timeoutMs: 15_000 })).rejects.toThrow(/INGEST_REQUEST_TIMEOUT_MS must be >= 1000/);
});
