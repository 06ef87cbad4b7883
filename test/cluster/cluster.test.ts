import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ownKey, partitionOf, partitionPrefix } from '@status-bridge/core';
import { basicAuth, nodeInfo, mastersHoldingKeys, REPO_ROOT, sleep, spawnService, startRedisCluster, uniquePrefix, waitFor, type RedisClusterHandle } from '@status-bridge/testing';
import { answersText, recordPipelineScenario, runScenario, SEED, startPipeline, tally, type Pipeline } from './pipeline';

/**
 * The whole system on a 3-master/3-replica Redis Cluster: ingest and two workers as child
 * processes (REDIS_CLUSTER_NODES, ENQUEUE_WAIT_REPLICAS=1, QUEUE_PARTITIONS=8), the partner
 * sandboxes over HTTP. Each scenario records its row in docs/reliability.md (suite "cluster").
 */
const prefix = uniquePrefix('cluster');
const PARTITIONS = 8;
const PARTITION_PREFIXES = Array.from({ length: PARTITIONS }, (_, index) => partitionPrefix(prefix, index));
const LOAD_EVENTS = Number(process.env.CLUSTER_LOAD_EVENTS ?? 2_000);
const FAULT_EVENTS = Number(process.env.CLUSTER_FAULT_EVENTS ?? 400);
const FAULT_RATE = 40;
let cluster: RedisClusterHandle;
let pipeline: Pipeline;
let next = 0;
const fresh = (count: number) => {
  const apps = pipeline.addApplications(next, next + count);
  next += count;
  return apps;
};

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1, nodeTimeoutMs: 2_000 });
  pipeline = await startPipeline({ REDIS_CLUSTER_NODES: cluster.seedNodes }, prefix, PARTITIONS);
}, 180_000);

afterAll(async () => {
  await pipeline?.stop();
  await cluster?.stop();
});

/** Which masters hold the partitions' keys, and a note for the row. */
async function keyPlacement(): Promise<{ ports: number[]; note: string }> {
  const holding = await mastersHoldingKeys(cluster, PARTITION_PREFIXES);
  const ports = holding.map((entry) => entry.port);
  return { ports, note: `QUEUE_PARTITIONS=${PARTITIONS}: queue keys on ${ports.length} of 3 masters (${holding.map((entry) => `:${entry.port} ${entry.keys} keys`).join(', ')})` };
}

test('the seed event reaches StepStone once and SEEK once', async () => {
  expect((await pipeline.postSeed()).status).toBe(200);
  await waitFor(() => tally(pipeline).stepstone.has(SEED.atsiApplicationId) && tally(pipeline).seekItems.has(SEED.idempotencyId), {
    timeoutMs: 60_000,
    what: 'the seed event at StepStone and SEEK',
  });
  await sleep(1_500);
  const counts = tally(pipeline);
  expect(counts.stepstone.get(SEED.atsiApplicationId)).toBe(1);
  expect(counts.seekItems.get(SEED.idempotencyId)).toBe(1);
  const [message] = pipeline.stepstone.received;
  expect(message.body).toMatchObject({ AtsiApplicationId: SEED.atsiApplicationId, Status: 'INTERVIEW' });
});

/** Commands each master has processed so far (INFO stats), by port. */
async function commandsByMaster(): Promise<Map<number, number>> {
  const masters = (await cluster.topology()).filter((entry) => entry.role === 'master' && !entry.failing && entry.slots.length > 0);
  return new Map(await Promise.all(masters.map(async (master): Promise<[number, number]> => [master.port, Number((await nodeInfo(master.port, 'stats')).total_commands_processed)])));
}

test(`a run of ${LOAD_EVENTS} events: each delivered once to each partner`, async () => {
  const apps = fresh(LOAD_EVENTS);
  const before = await commandsByMaster();
  const report = await runScenario(pipeline, apps);
  const after = await commandsByMaster();
  const { outcome } = report;
  const placement = await keyPlacement();
  // Where the Redis work went (for docs/scaling.md): commands per event on each master, with the
  // partitions it holds; partition 0's master also holds our own keys (tokens, gate, budgets,
  // order marks). Includes this suite's own progress polls (a few per cent).
  const partitionMasters = await Promise.all(PARTITION_PREFIXES.map((partition) => cluster.masterOfKey(`${partition}:enrich:id`)));
  const load = [...after].map(([port, total]) => ({ port, perEvent: (total - (before.get(port) ?? total)) / LOAD_EVENTS, partitions: partitionMasters.flatMap((master, index) => (master === port ? [index] : [])) }));
  const loadNote = load.map((entry) => `:${entry.port} ${entry.perEvent.toFixed(0)} commands/event (partitions ${entry.partitions.join(',')}${entry.partitions.includes(0) ? ', own keys' : ''})`).join('; ');
  recordPipelineScenario(pipeline, report, {
    id: 'cluster-load',
    title: `Cluster (3 masters, 3 replicas), ${LOAD_EVENTS} events, no fault`,
    notes: `posted in ${(report.load.postMs / 1000).toFixed(1)} s (${Math.round(outcome.sent / (report.load.postMs / 1000))}/s, 16 at a time), first answers ${answersText(outcome.firstAnswers)}; 1 ingest + 2 workers, ENQUEUE_WAIT_REPLICAS=1; ${placement.note}; Redis work: ${loadNote}`,
  });
  expect(outcome.firstAnswers).toEqual({ 200: LOAD_EVENTS });
  expect(outcome.lost).toEqual([]);
  expect(outcome.stepstoneDuplicates).toEqual([]);
  expect(outcome.seekDuplicates).toEqual([]);
  expect(report.failedJobs).toBe(0);
  // Partitions spread the queues: every master holds some, and each holds what its slots say.
  expect(placement.ports).toHaveLength(3);
  const mastersOfPartitions = await Promise.all(PARTITION_PREFIXES.map((partition) => cluster.masterOfKey(`${partition}:enrich:id`)));
  expect(new Set(mastersOfPartitions)).toEqual(new Set(placement.ports));
});

/** Runs one of the command-line tools the way operators do, with the cluster's variables only. */
function runCli(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, script), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.seedNodes, QUEUE_PREFIX: prefix, QUEUE_PARTITIONS: String(PARTITIONS) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

test('the dashboard, replay and import:stepstone work on the cluster with REDIS_CLUSTER_NODES alone', async () => {
  const password = 'cluster-dashboard-password';
  const dashboard = await spawnService(
    'apps/dashboard/src/main.ts',
    { REDIS_URL: undefined, REDIS_CLUSTER_NODES: cluster.seedNodes, QUEUE_PREFIX: prefix, QUEUE_PARTITIONS: String(PARTITIONS), DASHBOARD_PORT: '0', DASHBOARD_HOST: '127.0.0.1', DASHBOARD_PASSWORD: password, SHUTDOWN_TIMEOUT_MS: '3000' },
    { timeoutMs: 60_000 },
  );
  try {
    const ready = await fetch(`${dashboard.url}/readyz`);
    expect({ status: ready.status, body: await ready.json() }).toEqual({ status: 200, body: { status: 'ready', redis: true, shuttingDown: false } });
    const board = await fetch(`${dashboard.url}/admin/queues/api/queues`, { headers: { authorization: basicAuth('admin', password) } });
    expect(board.status).toBe(200);
    const { queues } = (await board.json()) as { queues: Array<{ name: string; counts: Record<string, number> }> };
    // Every partition's queues are listed; together they completed the whole load run.
    const enrich = queues.filter((queue) => /^p\d+\.enrich$/.test(queue.name));
    expect(enrich.map((queue) => queue.name).sort()).toEqual(PARTITION_PREFIXES.map((_, index) => `p${index}.enrich`).sort());
    expect(enrich.reduce((sum, queue) => sum + (queue.counts.completed ?? 0), 0)).toBeGreaterThanOrEqual(LOAD_EVENTS);
  } finally {
    await dashboard.stop();
  }

  const replay = await runCli('apps/cli/src/replay.ts', ['--queue', 'stepstone', '--dry-run']);
  expect({ code: replay.code, stderr: replay.stderr }).toEqual({ code: 0, stderr: '' });
  expect(replay.stdout).toContain(`partitions ${PARTITION_PREFIXES.map((_, index) => index).join(',')}`);
  expect(replay.stdout).toContain('dry run: 0 of 0 failed jobs would be retried; nothing was changed');

  const dir = mkdtempSync(join(tmpdir(), 'sb-cluster-import-'));
  try {
    const csv = join(dir, 'records.csv');
    writeFileSync(csv, 'customerId,systemId,atsiApplicationId\n1234,990001,0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d\n');
    const imported = await runCli('packages/stepstone/src/import-records.ts', [csv]);
    expect({ code: imported.code, stderr: imported.stderr }).toEqual({ code: 0, stderr: '' });
    expect(imported.stdout).toContain('1 created');
    expect(await pipeline.redis.hget(ownKey(prefix, 'stepstone', 'application-ids', '1234'), '990001')).toBe('0a9b8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// The master of partition 0 (QUEUE_PREFIX) is the one to fail: it also holds our own keys (tokens,
// the iCIMS gate and budget, StepStone order marks), so every event needs it, whatever its partition.
test(`CLUSTER FAILOVER of partition 0's master during ${FAULT_EVENTS} events: every acknowledged event delivered once in effect`, async () => {
  const apps = fresh(FAULT_EVENTS);
  const master = await cluster.masterOfKey(`${prefix}:enrich:id`);
  const [replica] = await cluster.replicasOf(master);
  let faultMs = 0;
  const report = await runScenario(pipeline, apps, {
    perSecond: FAULT_RATE,
    faultAfter: Math.floor(FAULT_EVENTS / 3),
    fault: async () => {
      const started = Date.now();
      await cluster.failover(replica);
      faultMs = Date.now() - started;
    },
  });
  const { outcome } = report;
  recordPipelineScenario(pipeline, report, {
    id: 'cluster-manual-failover',
    title: `Cluster, ${PARTITIONS} partitions: CLUSTER FAILOVER of partition 0's master under load (${FAULT_RATE} events/s)`,
    notes: `master :${master} → replica :${replica}, failover done in ${(faultMs / 1000).toFixed(1)} s; first answers ${answersText(outcome.firstAnswers)}, ${outcome.resent} re-sent after it; longest refusal ${outcome.maxRefusalMs} ms${report.lostDiagnosis ? `; LOST: ${report.lostDiagnosis}` : ''}; ${outcome.deliveredUnacknowledged} delivered though refused (stored, answer lost; the re-send was deduplicated)`,
  });
  expect(outcome.lost).toEqual([]);
  expect(outcome.acknowledged).toHaveLength(FAULT_EVENTS);
  expect(outcome.seekDuplicates).toEqual([]);
  expect(report.failedJobs).toBe(0);
  expect(await cluster.masterOfKey(`${prefix}:enrich:id`)).toBe(replica);
});

test(`kill -9 of partition 0's master during ${FAULT_EVENTS} events: ingest refuses (503) the events of that master's partitions while it is down, no acknowledged event is lost`, async () => {
  const apps = fresh(FAULT_EVENTS);
  const master = await cluster.masterOfKey(`${prefix}:enrich:id`);
  // Which partitions the killed master holds (before the kill): their events have no master until the promotion.
  const partitionMasters = await Promise.all(PARTITION_PREFIXES.map((partition) => cluster.masterOfKey(`${partition}:enrich:id`)));
  const onKilledMaster = (systemId: string): boolean => partitionMasters[partitionOf('1234', systemId, PARTITIONS)] === master;
  let promoted = 0;
  let killedAt = 0;
  let promotedAt = 0;
  let rejoinedAt = 0;
  const report = await runScenario(pipeline, apps, {
    perSecond: FAULT_RATE,
    faultAfter: Math.floor(FAULT_EVENTS / 4),
    fault: async () => {
      ({ promoted, killedAt, promotedAt } = await cluster.killMaster(master));
      // With ENQUEUE_WAIT_REPLICAS=1 the promoted master needs a replica before events are
      // acknowledged again: the operator restarts the dead node, which rejoins as one.
      await cluster.restartNode(master);
      rejoinedAt = Date.now();
    },
  });
  const { outcome, load } = report;
  const inWindow = [...load.answers].map(([app, answers]) => ({ app, answer: answers[0] })).filter(({ answer }) => answer.at >= killedAt && answer.at + answer.ms <= promotedAt);
  const windowAnswers = inWindow.filter(({ app }) => onKilledMaster(app.systemId)).map(({ answer }) => answer);
  const okWhileDown = windowAnswers.filter((answer) => answer.status === 200).length;
  const elsewhere = inWindow.filter(({ app }) => !onKilledMaster(app.systemId)).map(({ answer }) => answer);
  const okElsewhere = elsewhere.filter((answer) => answer.status === 200).length;
  recordPipelineScenario(pipeline, report, {
    id: 'cluster-kill-master',
    title: `Cluster, ${PARTITIONS} partitions: kill -9 of partition 0's master under load (${FAULT_RATE} events/s), node restarted`,
    notes: `master :${master} killed, replica :${promoted} promoted after ${((promotedAt - killedAt) / 1000).toFixed(1)} s, old master back as replica after ${((rejoinedAt - killedAt) / 1000).toFixed(1)} s; partitions ${partitionMasters.flatMap((port, index) => (port === master ? [index] : [])).join(',')} on it; while no master, for those partitions: ${windowAnswers.length} answers, ${okWhileDown}×200; for the other partitions: ${elsewhere.length} answers, ${okElsewhere}×200; first answers ${answersText(outcome.firstAnswers)}, ${outcome.resent} re-sent after recovery; 200s for events then lost: ${outcome.lost.length}; longest refusal ${outcome.maxRefusalMs} ms${report.lostDiagnosis ? `; LOST: ${report.lostDiagnosis}` : ''}`,
  });
  expect(outcome.lost).toEqual([]);
  expect(okWhileDown).toBe(0);
  expect(windowAnswers.length).toBeGreaterThan(0);
  expect(outcome.firstAnswers[503] ?? 0).toBeGreaterThan(0);
  expect(outcome.acknowledged).toHaveLength(FAULT_EVENTS);
  expect(outcome.seekDuplicates).toEqual([]);
  expect(report.failedJobs).toBe(0);
});
