import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Queue } from 'bullmq';
import type { EnrichJob } from '@status-bridge/core';
import { dataNodeArgs, eventJson, freePort, nodeCommand, nodeInfo, spawnRedisNode, uniquePrefix, waitFor, type RedisNodeProcess } from '@status-bridge/testing';
import { loadIngestConfig } from '../src/config';
import { startIngest, type RunningIngest } from '../src/server';
import { allJobs, AUTH, captureLogger, enrichQueue, ingestEnv, postEvent, request, writeTenantsFile } from './helpers';

/**
 * ENQUEUE_WAIT_REPLICAS=1: ingest answers 200 only once a replica holds the event (Redis WAIT), so
 * a failover to that replica cannot lose an acknowledged event. A private primary + replica pair.
 */
const root = mkdtempSync(join(tmpdir(), 'sb-ingest-replicated-'));
const prefix = uniquePrefix('ingest-replicated');
let primary: RedisNodeProcess;
let replica: RedisNodeProcess;
let ingest: RunningIngest;
let queue: Queue<EnrichJob>;

async function startNode(port: number, extra: string[] = []): Promise<RedisNodeProcess> {
  const dir = join(root, String(port));
  mkdirSync(dir);
  return spawnRedisNode(port, dir, [...dataNodeArgs(port, dir), ...extra], 'redis-server');
}

const inSync = async (): Promise<boolean> => (await nodeInfo(replica.port, 'replication')).master_link_status === 'up';

beforeAll(async () => {
  const [primaryPort, replicaPort] = await Promise.all([freePort(), freePort()]);
  primary = await startNode(primaryPort);
  replica = await startNode(replicaPort, ['--replicaof', '127.0.0.1', String(primaryPort)]);
  await waitFor(inSync, { timeoutMs: 15_000, what: 'the replica in sync' });
  const url = `redis://127.0.0.1:${primaryPort}`;
  const config = loadIngestConfig(ingestEnv({ REDIS_URL: url, QUEUE_PREFIX: prefix, CONFIG_FILE: writeTenantsFile(), ENQUEUE_TIMEOUT_MS: '800', ENQUEUE_WAIT_REPLICAS: '1' }));
  ingest = await startIngest(config, captureLogger().logger);
  queue = enrichQueue(url, prefix);
}, 60_000);

afterAll(async () => {
  await ingest?.stop();
  await queue?.close();
  await Promise.all([primary?.kill(), replica?.kill()]);
  rmSync(root, { recursive: true, force: true });
});

const post = (systemId: string) => postEvent(ingest.url, eventJson({ systemId }), { authorization: AUTH.tenant1234 });

it('200 once the replica holds the job; concurrent events share WAITs', async () => {
  const first = await post('880001');
  expect(first.status).toBe(200);
  const [job] = await allJobs(queue);
  expect(await nodeCommand(replica.port, 'EXISTS', `${prefix}:enrich:${job.id}`)).toBe(1);

  const waitsBefore = Number((await nodeInfo(primary.port, 'commandstats')).cmdstat_wait?.match(/calls=(\d+)/)?.[1] ?? 0);
  const answers = await Promise.all(Array.from({ length: 30 }, (_, index) => post(String(881000 + index))));
  expect(answers.map((answer) => answer.status)).toEqual(Array(30).fill(200));
  const waits = Number((await nodeInfo(primary.port, 'commandstats')).cmdstat_wait?.match(/calls=(\d+)/)?.[1] ?? 0) - waitsBefore;
  expect(waits).toBeGreaterThan(0);
  expect(waits).toBeLessThan(30);
});

it('without a replica the event is answered 503 (not_replicated), and the re-send after the replica is back is the same job', async () => {
  await replica.kill();
  const lonely = await post('882001');
  expect(lonely.status).toBe(503);
  expect(lonely.ms).toBeLessThan(1_500);
  const metrics = await request(ingest.url, { method: 'GET', path: '/metrics' });
  expect(metrics.text).toMatch(/status_bridge_ingest_enqueue_failures_total\{reason="not_replicated"[^}]*\} 1/);
  // The primary did store it; only the confirmation was missing.
  const stored = (await allJobs(queue)).filter((job) => job.data.event.systemId === '882001');
  expect(stored).toHaveLength(1);

  await replica.restart(['--replicaof', '127.0.0.1', String(primary.port)]);
  await waitFor(inSync, { timeoutMs: 15_000, what: 'the replica in sync again' });
  const resend = await post('882001');
  expect(resend.status).toBe(200);
  expect(resend.json).toMatchObject({ code: 200 });
  expect((await allJobs(queue)).filter((job) => job.data.event.systemId === '882001')).toHaveLength(1);
});
