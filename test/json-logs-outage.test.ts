import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { QUEUES } from '@status-bridge/partners';
import { basicAuth, nonJsonLines, sleep, spawnService, startRedisServer, waitFor, type RedisServerHandle, type ServiceHandle } from '@status-bridge/testing';
import { start as startIcimsSandbox, type IcimsSandbox } from '@status-bridge/sandbox/src/icims';
import { defaultTenants, SECRETS, seedEvent } from '../apps/worker/test/enrich-harness';

/**
 * Every line a process prints is one JSON object, also while Redis is gone: a worker, an ingest
 * and a dashboard run against a private redis-server that is killed (-9), left down for a while,
 * and restarted on the same port. Their whole stdout and stderr is checked line by line, and
 * each must work again afterwards (the ingest answers 200, the worker completes the job).
 */
const OUTAGE_MS = 8_000;
// Three processes start at once on a shared machine: generous.
const STARTUP_MS = 60_000;
const prefix = '{sbt-json-logs}';
const dir = mkdtempSync(join(tmpdir(), 'sb-json-logs-'));
const tenantsFile = join(dir, 'tenants.json');
writeFileSync(tenantsFile, JSON.stringify(defaultTenants()));
const inbound = basicAuth('icims-1234', SECRETS.TEST_INBOUND_PASSWORD);

let redis: RedisServerHandle;
let sandbox: IcimsSandbox;
const services: Record<string, ServiceHandle> = {};

beforeAll(async () => {
  redis = await startRedisServer();
  sandbox = await startIcimsSandbox();
  const common = { REDIS_URL: redis.url, QUEUE_PREFIX: prefix, CONFIG_FILE: tenantsFile, SHUTDOWN_TIMEOUT_MS: '5000', ICIMS_API_BASE_URL: sandbox.url, ...SECRETS };
  const [worker, ingest, dashboard] = await Promise.all([
    spawnService('apps/worker/src/main.ts', {
      ...common,
      WORKER_QUEUES: 'enrich',
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      ICIMS_API_BASE_URL: sandbox.url,
      ICIMS_TOKEN_URL: sandbox.tokenUrl,
      RETRY_BASE_DELAY_MS: '100',
      RETRY_MAX_DELAY_MS: '500',
    }, { timeoutMs: STARTUP_MS }),
    spawnService('apps/ingest/src/main.ts', { ...common, PORT: '0', HOST: '127.0.0.1' }, { timeoutMs: STARTUP_MS }),
    spawnService('apps/dashboard/src/main.ts', { ...common, DASHBOARD_PORT: '0', DASHBOARD_HOST: '127.0.0.1', DASHBOARD_PASSWORD: 'json-logs-test-password' }, { timeoutMs: STARTUP_MS }),
  ]);
  Object.assign(services, { worker, ingest, dashboard });
}, 90_000);

afterAll(async () => {
  await Promise.all(Object.values(services).map((service) => service.stop('SIGKILL')));
  await sandbox?.close();
  await redis?.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

const get = async (url: string): Promise<number> => {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return 0;
  }
};

const postSeed = async (): Promise<number> => {
  const body = JSON.stringify(seedEvent(sandbox.url));
  const response = await fetch(`${services.ingest.url}/icims/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: inbound },
    body,
    signal: AbortSignal.timeout(5_000),
  });
  return response.status;
};

test('a Redis outage (kill -9, restart on the same port) leaves only JSON lines, and every process recovers', async () => {
  const port = redis.port;
  await redis.stop(true);
  // Use the processes while Redis is gone, as traffic and scrapes would.
  const until = Date.now() + OUTAGE_MS;
  while (Date.now() < until) {
    expect(await postSeed().catch(() => 0)).not.toBe(200);
    await Promise.all([get(`${services.worker.url}/metrics`), get(`${services.dashboard.url}/metrics`), get(`${services.dashboard.url}/readyz`)]);
    await sleep(1_000);
  }
  redis = await startRedisServer({ port });

  for (const name of ['worker', 'ingest', 'dashboard']) {
    await waitFor(async () => (await get(`${services[name].url}/readyz`)) === 200, { timeoutMs: 40_000, what: `${name} /readyz 200 after the outage` });
  }
  await waitFor(async () => (await postSeed()) === 200, { timeoutMs: 20_000, what: 'ingest to accept an event again' });
  const queue = new Queue(QUEUES.enrich.name, { connection: { url: redis.url }, prefix });
  try {
    await waitFor(async () => (await queue.getJobs(['completed'])).length === 1, { timeoutMs: 30_000, what: 'the worker to complete the enrich job' });
  } finally {
    await queue.close();
  }

  for (const service of Object.values(services)) expect(await service.stop('SIGTERM')).toBe(0);
  // Per process: how many lines were not JSON, and the first few (a failure shows who printed what).
  const offending = Object.fromEntries(
    Object.entries(services).map(([name, service]) => {
      const lines = nonJsonLines(service.lines);
      return [name, { count: lines.length, first: lines.slice(0, 12) }];
    }),
  );
  expect(offending).toEqual({ worker: { count: 0, first: [] }, ingest: { count: 0, first: [] }, dashboard: { count: 0, first: [] } });
  for (const service of Object.values(services)) {
    const entries = service.logs();
    const messages = entries.map((entry) => String(entry.message));
    // The outage was seen and reported as state changes, not once per reconnect attempt: per
    // connection (a process has several: one per BullMQ Worker, so their number follows the
    // registered queues) at most lost, one reminder and restored; lines of no connection (queue
    // and worker errors) once per distinct message.
    expect(messages).toContain('redis connection lost');
    expect(messages).toContain('redis connection restored');
    const outage = entries.filter((entry) => /redis|queue error|worker error/.test(String(entry.message)));
    const perConnection = new Map<string, string[]>();
    for (const entry of outage) if (typeof entry.connection === 'string') perConnection.set(entry.connection, [...(perConnection.get(entry.connection) ?? []), String(entry.message)]);
    // Queue and worker errors: each listener (one per queue) lets one line per distinct error
    // through per minute, so within this outage no (message, queue, error) comes twice.
    const unattached = outage.filter((entry) => typeof entry.connection !== 'string').map((entry) => JSON.stringify([entry.message, entry.queue ?? null, entry.partition ?? null, entry.error ?? null]));
    expect(perConnection.size).toBeGreaterThan(0);
    expect([...perConnection].filter(([, lines]) => lines.length > 3)).toEqual([]);
    expect(unattached.filter((line, index) => unattached.indexOf(line) !== index)).toEqual([]);
  }
}, 150_000);
