import { startRedisSentinel, uniquePrefix, type RedisSentinelHandle } from '@status-bridge/testing';
import { answersText, nonJsonSamples, recordPipelineScenario, runScenario, startPipeline, type Pipeline } from './pipeline';

/**
 * The whole system on a Sentinel-managed primary/replica (3 sentinels): ingest and two workers as
 * child processes (REDIS_SENTINELS + REDIS_SENTINEL_NAME, ENQUEUE_WAIT_REPLICAS=1), the partner
 * sandboxes over HTTP. Rows in docs/reliability.md (suite "cluster").
 */
const prefix = uniquePrefix('sentinel');
const FAULT_EVENTS = Number(process.env.CLUSTER_FAULT_EVENTS ?? 400);
const FAULT_RATE = 40;
let sentinel: RedisSentinelHandle;
let pipeline: Pipeline;
let next = 10_000;
const fresh = (count: number) => {
  const apps = pipeline.addApplications(next, next + count);
  next += count;
  return apps;
};

beforeAll(async () => {
  sentinel = await startRedisSentinel({ replicas: 1, sentinels: 3, downAfterMs: 1_000 });
  pipeline = await startPipeline({ REDIS_SENTINELS: sentinel.sentinelAddresses, REDIS_SENTINEL_NAME: sentinel.name }, prefix);
}, 180_000);

afterAll(async () => {
  await pipeline?.stop();
  await sentinel?.stop();
});

test(`SENTINEL FAILOVER during ${FAULT_EVENTS} events: every acknowledged event delivered once in effect`, async () => {
  const apps = fresh(FAULT_EVENTS);
  const before = await sentinel.primaryPort();
  let promoted = 0;
  let faultMs = 0;
  const report = await runScenario(pipeline, apps, {
    perSecond: FAULT_RATE,
    faultAfter: Math.floor(FAULT_EVENTS / 3),
    fault: async () => {
      const started = Date.now();
      promoted = await sentinel.failover();
      faultMs = Date.now() - started;
    },
  });
  const { outcome } = report;
  recordPipelineScenario(pipeline, report, {
    id: 'sentinel-manual-failover',
    title: `Sentinel (primary, replica, 3 sentinels): SENTINEL FAILOVER under load (${FAULT_RATE} events/s)`,
    notes: `primary :${before} → :${promoted}, old primary a replica again after ${(faultMs / 1000).toFixed(1)} s; first answers ${answersText(outcome.firstAnswers)}, ${outcome.resent} re-sent after it; longest refusal ${outcome.maxRefusalMs} ms${report.lostDiagnosis ? `; LOST: ${report.lostDiagnosis}` : ''}; ${outcome.deliveredUnacknowledged} delivered though refused (stored, answer lost; the re-send was deduplicated)`,
  });
  expect(outcome.lost).toEqual([]);
  expect(outcome.acknowledged).toHaveLength(FAULT_EVENTS);
  expect(outcome.seekDuplicates).toEqual([]);
  expect(report.failedJobs).toBe(0);
  // Every line JSON, through the failover too (a library's console.error would break log pipelines).
  expect(nonJsonSamples(pipeline).slice(0, 5)).toEqual([]);
});

test(`kill -9 of the primary during ${FAULT_EVENTS} events: ingest refuses (503) until a replica holds events again, no acknowledged event is lost`, async () => {
  const apps = fresh(FAULT_EVENTS);
  const before = await sentinel.primaryPort();
  let failover = { promoted: 0, killedAt: 0, promotedAt: 0 };
  let rejoinedAt = 0;
  const report = await runScenario(pipeline, apps, {
    perSecond: FAULT_RATE,
    faultAfter: Math.floor(FAULT_EVENTS / 4),
    fault: async () => {
      failover = await sentinel.killPrimary();
      // With ENQUEUE_WAIT_REPLICAS=1 the new primary needs a replica before events are
      // acknowledged again: the operator restarts the dead server, as a replica.
      await sentinel.restartNode(before);
      rejoinedAt = Date.now();
    },
  });
  const { outcome, load } = report;
  const { killedAt, promotedAt, promoted } = failover;
  const windowAnswers = [...load.answers.values()].map((answers) => answers[0]).filter((answer) => answer.at >= killedAt && answer.at + answer.ms <= promotedAt);
  const okWhileDown = windowAnswers.filter((answer) => answer.status === 200).length;
  recordPipelineScenario(pipeline, report, {
    id: 'sentinel-kill-primary',
    title: `Sentinel: kill -9 of the primary under load (${FAULT_RATE} events/s), server restarted as replica`,
    notes: `primary :${before} killed, sentinels promoted :${promoted} after ${((promotedAt - killedAt) / 1000).toFixed(1)} s, old primary back as replica after ${((rejoinedAt - killedAt) / 1000).toFixed(1)} s; while no primary: ${windowAnswers.length} answers, ${okWhileDown}×200; first answers ${answersText(outcome.firstAnswers)}, ${outcome.resent} re-sent after recovery; 200s for events then lost: ${outcome.lost.length}; longest refusal ${outcome.maxRefusalMs} ms${report.lostDiagnosis ? `; LOST: ${report.lostDiagnosis}` : ''}`,
  });
  expect(outcome.lost).toEqual([]);
  expect(okWhileDown).toBe(0);
  expect(windowAnswers.length).toBeGreaterThan(0);
  expect(outcome.acknowledged).toHaveLength(FAULT_EVENTS);
  expect(outcome.seekDuplicates).toEqual([]);
  expect(report.failedJobs).toBe(0);
  // Every line JSON, through the failover too (a library's console.error would break log pipelines).
  expect(nonJsonSamples(pipeline).slice(0, 5)).toEqual([]);
});
