import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventJson, startRedisServer, uniquePrefix, waitFor, type RedisServerHandle } from '@status-bridge/testing';
import { loadIngestConfig } from '../src/config';
import { startIngest, type RunningIngest } from '../src/server';
import { allJobs, AUTH, captureLogger, enrichQueue, ingestEnv, postEvent, request, writeTenantsFile } from './helpers';

/**
 * Redis trouble: a private redis-server (the shared one is never stopped), stopped while the
 * ingest process keeps running. Nothing may be acknowledged that is not stored.
 */
const dir = mkdtempSync(join(tmpdir(), 'sb-ingest-outage-'));
const prefix = uniquePrefix('ingest-outage');
let redis: RedisServerHandle;
let ingest: RunningIngest;

beforeAll(async () => {
  // AOF on and a fixed dir: the restarted server shows exactly what was stored before the stop.
  redis = await startRedisServer({ appendonly: true, dir });
  const config = loadIngestConfig(ingestEnv({ REDIS_URL: redis.url, QUEUE_PREFIX: prefix, CONFIG_FILE: writeTenantsFile(), ENQUEUE_TIMEOUT_MS: '800' }));
  ingest = await startIngest(config, captureLogger().logger);
});

afterAll(async () => {
  await ingest.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('answers 503 within a second while Redis is down, stores nothing, and recovers', async () => {
  const before = await postEvent(ingest.url, eventJson({ systemId: '990001' }), { authorization: AUTH.tenant1234 });
  expect(before.status).toBe(200);

  await redis.stop();
  await waitFor(async () => (await request(ingest.url, { method: 'GET', path: '/readyz' })).status === 503, { what: 'readyz 503' });
  const readyz = await request(ingest.url, { method: 'GET', path: '/readyz' });
  expect(readyz.json).toEqual({ status: 'not ready', redis: false, shuttingDown: false });
  expect(readyz.ms).toBeLessThan(1000);

  const during = await postEvent(ingest.url, eventJson({ systemId: '990002' }), { authorization: AUTH.tenant1234 });
  expect(during.status).toBe(503);
  expect(during.ms).toBeLessThan(1000);
  expect(during.json.error.userMessage).toMatch(/temporary problem/);
  expect(during.headers['retry-after']).toBeDefined();
  const health = await request(ingest.url, { method: 'GET', path: '/healthz' });
  expect(health.status).toBe(200);

  // Same port, same AOF directory: the data Redis had is back, and only the first event is in it.
  redis = await startRedisServer({ port: redis.port, appendonly: true, dir });
  await waitFor(async () => (await request(ingest.url, { method: 'GET', path: '/readyz' })).status === 200, { what: 'readyz 200', timeoutMs: 15_000 });
  const queue = enrichQueue(redis.url, prefix);
  try {
    expect((await allJobs(queue)).map((job) => job.data.event.systemId)).toEqual(['990001']);
    const after = await postEvent(ingest.url, eventJson({ systemId: '990003' }), { authorization: AUTH.tenant1234 });
    expect(after.status).toBe(200);
    expect((await allJobs(queue)).map((job) => job.data.event.systemId).sort()).toEqual(['990001', '990003']);
  } finally {
    await queue.close();
  }
  const metrics = await request(ingest.url, { method: 'GET', path: '/metrics' });
  expect(metrics.text).toMatch(/status_bridge_ingest_enqueue_failures_total\{[^}]*reason="redis_error"[^}]*\} 1/);
});

it('answers 503 within a second when Redis accepts connections but does not answer', async () => {
  // SIGSTOP freezes the server: the socket stays open, commands get no reply.
  redis.process.kill('SIGSTOP');
  try {
    const during = await postEvent(ingest.url, eventJson({ systemId: '990004' }), { authorization: AUTH.tenant1234 });
    expect(during.status).toBe(503);
    expect(during.ms).toBeLessThan(1000);
  } finally {
    redis.process.kill('SIGCONT');
  }
  const metrics = await request(ingest.url, { method: 'GET', path: '/metrics' });
  expect(metrics.text).toMatch(/status_bridge_ingest_enqueue_failures_total\{[^}]*reason="timeout"[^}]*\} 1/);
});
