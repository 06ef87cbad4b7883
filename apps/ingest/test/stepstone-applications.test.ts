import { Redis } from 'ioredis';
import { AtsiApplicationIdStore } from '@status-bridge/stepstone';
import { cleanupPrefix, startRedisServer, TEST_REDIS_URL, uniquePrefix, type RedisServerHandle } from '@status-bridge/testing';
import { loadIngestConfig } from '../src/config';
import { startIngest, type RunningIngest } from '../src/server';
import { AUTH, captureLogger, ingestEnv, request, SECRETS, writeTenantsFile } from './helpers';

/** PUT/GET/DELETE /stepstone/applications/{customerId}/{systemId} on the real ingest app, real HTTP, real Redis. */
const prefix = uniquePrefix('ingest-stepstone-records');
const ID = '51c3be16-0f93-41ed-9cc0-9092222d7333';
const OTHER_ID = '11111111-2222-3333-4444-555555555555';
const { logger, lines } = captureLogger();
const redis = new Redis(TEST_REDIS_URL);
const store = new AtsiApplicationIdStore(redis, prefix);
let ingest: RunningIngest;

const call = (method: string, path: string, body?: unknown, authorization: string | null = AUTH.tenant1234) =>
  request(ingest.url, {
    method,
    path,
    headers: { ...(authorization ? { authorization } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });

beforeAll(async () => {
  const config = loadIngestConfig(ingestEnv({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, CONFIG_FILE: writeTenantsFile() }));
  ingest = await startIngest(config, logger);
});

afterAll(async () => {
  await ingest.stop();
  redis.disconnect();
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

test('PUT creates (201), repeats (200 unchanged), changes (200 updated); GET reads; DELETE removes', async () => {
  const path = '/stepstone/applications/1234/2203';
  const created = await call('PUT', path, { atsiApplicationId: ID.toUpperCase() });
  expect(created.status).toBe(201);
  expect(created.json).toEqual({ customerId: '1234', systemId: '2203', atsiApplicationId: ID, outcome: 'created' });
  expect(await store.get('1234', '2203')).toBe(ID);
  expect(await redis.ttl(store.key('1234'))).toBe(-1);

  expect((await call('PUT', path, { atsiApplicationId: ID })).json.outcome).toBe('unchanged');
  const updated = await call('PUT', path, { atsiApplicationId: OTHER_ID });
  expect(updated.status).toBe(200);
  expect(updated.json.outcome).toBe('updated');
  expect(await store.get('1234', '2203')).toBe(OTHER_ID);

  const read = await call('GET', path);
  expect(read.status).toBe(200);
  expect(read.json).toEqual({ customerId: '1234', systemId: '2203', atsiApplicationId: OTHER_ID });
  expect((await call('DELETE', path)).status).toBe(204);
  expect((await call('GET', path)).status).toBe(404);
  expect((await call('DELETE', path)).status).toBe(404);
  expect(await store.get('1234', '2203')).toBeUndefined();
});

test('authentication: the customer\'s own credentials, or the partner-wide default for a tenant without its own', async () => {
  expect((await call('PUT', '/stepstone/applications/1234/3001', { atsiApplicationId: ID }, null)).status).toBe(401);
  expect((await call('PUT', '/stepstone/applications/1234/3001', { atsiApplicationId: ID }, AUTH.wrongPassword)).status).toBe(401);
  // Another customer's valid credentials do not open this customer's records.
  expect((await call('PUT', '/stepstone/applications/1234/3001', { atsiApplicationId: ID }, AUTH.tenant5678)).status).toBe(401);
  expect((await call('GET', '/stepstone/applications/1234/3001', undefined, AUTH.tenant5678)).status).toBe(401);
  expect(await store.get('1234', '3001')).toBeUndefined();
  expect((await call('PUT', '/stepstone/applications/9999/3001', { atsiApplicationId: ID }, AUTH.defaults)).status).toBe(201);
  expect(await store.get('9999', '3001')).toBe(ID);
  // A customer with no tenant entry.
  const unknown = await call('PUT', '/stepstone/applications/4444/3001', { atsiApplicationId: ID }, AUTH.defaults);
  expect(unknown.status).toBe(400);
  expect(unknown.json.error.userMessage).toBeTruthy();
});

test.each([
  ['non-digit customerId', '/stepstone/applications/abc/2203', { atsiApplicationId: ID }],
  ['non-digit systemId', '/stepstone/applications/1234/22x3', { atsiApplicationId: ID }],
  ['not a UUID', '/stepstone/applications/1234/2204', { atsiApplicationId: '2203' }],
  ['missing field', '/stepstone/applications/1234/2204', {}],
  ['extra field', '/stepstone/applications/1234/2204', { atsiApplicationId: ID, email: 'x@example.com' }],
  ['array', '/stepstone/applications/1234/2204', [{ atsiApplicationId: ID }]],
  ['not JSON', '/stepstone/applications/1234/2204', '{"atsiApplicationId":'],
  ['no body', '/stepstone/applications/1234/2204', undefined],
])('400 in the iCIMS error shape: %s', async (_name, path, body) => {
  const answer = await call('PUT', path, body);
  expect(answer.status).toBe(400);
  expect(answer.json).toEqual({ error: { userMessage: expect.any(String), debugErrorMessage: expect.any(String) } });
  expect(await store.get('1234', '2204')).toBeUndefined();
});

test('logs carry ids, never credentials', () => {
  const text = lines.join('\n');
  expect(text).toContain('stepstone correlation record stored');
  for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
  expect(text).not.toContain(AUTH.tenant1234);
});

describe('Redis down', () => {
  let privateRedis: RedisServerHandle;
  let outageIngest: RunningIngest;
  beforeAll(async () => {
    privateRedis = await startRedisServer();
    const config = loadIngestConfig(ingestEnv({ REDIS_URL: privateRedis.url, QUEUE_PREFIX: prefix, CONFIG_FILE: writeTenantsFile() }));
    outageIngest = await startIngest(config, captureLogger().logger);
  });
  afterAll(async () => {
    await outageIngest.stop();
    await privateRedis.stop();
  });
  it('answers 503 with Retry-After rather than hanging', async () => {
    const ok = await request(outageIngest.url, { method: 'PUT', path: '/stepstone/applications/1234/5001', headers: { authorization: AUTH.tenant1234, 'content-type': 'application/json' }, body: JSON.stringify({ atsiApplicationId: ID }) });
    expect(ok.status).toBe(201);
    await privateRedis.stop(true);
    const down = await request(outageIngest.url, { method: 'PUT', path: '/stepstone/applications/1234/5002', headers: { authorization: AUTH.tenant1234, 'content-type': 'application/json' }, body: JSON.stringify({ atsiApplicationId: ID }) });
    expect(down.status).toBe(503);
    expect(down.headers['retry-after']).toBe('30');
  });
});
