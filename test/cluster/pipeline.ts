import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeRedis, createRedis, loadEnv, partitionLayout, redisConnectionFromEnv, redisEnvProperties, type RedisConnection, type RedisEnv } from '@status-bridge/core';
import { createPartitionedQueues, QUEUE_KEYS, type ContractQueues, type PartitionQueues } from '@status-bridge/partners';
import { seekIdempotencyId } from '@status-bridge/seek';
import { start as startIcims, SANDBOX_ICIMS_CLIENT, SEED_ATSI_APPLICATION_ID, SEED_POSITION_PROFILE_ID, type IcimsSandbox } from '@status-bridge/sandbox/src/icims';
import { start as startSeek, type SeekSandbox } from '@status-bridge/seek/src/sandbox';
import { start as startStepStone, type StepStoneSandbox } from '@status-bridge/stepstone/src/sandbox';
import { basicAuth, eventJson, gzipped, nonJsonLines as findNonJsonLines, recordScenario, sleep, spawnService, waitFor, type DuplicateCount, type ServiceHandle } from '@status-bridge/testing';

/**
 * The whole system against a Redis topology, for the cluster suite: the three partner sandboxes
 * in this process, ingest and two workers as child processes configured only through the
 * environment (REDIS_CLUSTER_NODES or REDIS_SENTINELS …, ENQUEUE_WAIT_REPLICAS=1), and a load
 * generator that posts generated applications (each its own workflow, person and
 * AtsiApplicationId) and counts what every partner received for each.
 */
const CUSTOMER = '1234';
const INBOUND_PASSWORD = 'cluster-suite-inbound-password';
const AUTH = basicAuth('icims-1234', INBOUND_PASSWORD);
const STEPSTONE_TOKEN = 'cluster-suite-stepstone-token';
const SEEK_CLIENT = { clientId: 'status-bridge-cluster', clientSecret: 'cluster-suite-seek-secret' };
const HIRER = 'seekAnzPublicTest:organization:seek:93WyyF1h';
const JOB_ID = '1242';
const OLD_STATUS = '1752';
const NEW_STATUS = '9782';

/** One generated application: a workflow moved 1752 → 9782 (interview). */
export interface Application {
  systemId: string;
  personId: string;
  atsiApplicationId: string;
  idempotencyId: string;
}

export function application(index: number): Application {
  const systemId = String(500_000 + index);
  const hex = index.toString(16).padStart(12, '0');
  return {
    systemId,
    personId: String(700_000 + index),
    atsiApplicationId: `5b1c0000-0000-4000-8000-${hex}`,
    idempotencyId: seekIdempotencyId({ tenantId: CUSTOMER, systemId, oldStatus: OLD_STATUS, newStatus: NEW_STATUS }),
  };
}

export interface PostResult {
  status: number;
  ms: number;
  at: number;
}

export interface Pipeline {
  icims: IcimsSandbox;
  stepstone: StepStoneSandbox;
  seek: SeekSandbox;
  ingest: ServiceHandle;
  workers: ServiceHandle[];
  /** Partition 0's queues (QUEUE_PREFIX). */
  queues: ContractQueues;
  /** Every partition's queues (one entry without QUEUE_PARTITIONS). */
  partitions: PartitionQueues[];
  redis: RedisConnection;
  /** Registers applications `from` … `to - 1` in the iCIMS sandbox. */
  addApplications(from: number, to: number): Application[];
  post(app: Application): Promise<PostResult>;
  /** The seed event itself (workflow 2203). */
  postSeed(): Promise<PostResult>;
  stop(): Promise<void>;
}

/**
 * `redisEnv`: the Redis variables as an operator would write them (REDIS_CLUSTER_NODES=…);
 * `partitions`: QUEUE_PARTITIONS of every process (default: unset, one partition).
 */
export async function startPipeline(redisEnv: Record<string, string>, prefix: string, partitions?: number): Promise<Pipeline> {
  const icims = await startIcims();
  const stepstone = await startStepStone({ tokens: [STEPSTONE_TOKEN] });
  const seek = await startSeek({ clients: [SEEK_CLIENT] });
  const configDir = mkdtempSync(join(tmpdir(), 'sb-cluster-suite-'));
  const tenantsFile = join(configDir, 'tenants.json');
  writeFileSync(
    tenantsFile,
    JSON.stringify({
      tenants: {
        [CUSTOMER]: {
          inbound: { basic: { username: 'icims-1234', passwordEnv: 'SUITE_INBOUND_PASSWORD' } },
          icims: { auth: { type: 'oauth', clientId: SANDBOX_ICIMS_CLIENT.clientId, clientSecretEnv: 'SUITE_ICIMS_SECRET' } },
          statusMapping: { [OLD_STATUS]: 'screening', [NEW_STATUS]: 'interview' },
          stepstone: { tokenEnv: 'SUITE_STEPSTONE_TOKEN', applicationIdField: 'field51234' },
          seek: { hirerId: HIRER, positionProfileField: 'field61234', defaultSource: 'iCIMS', withoutPosition: 'interaction' },
        },
      },
    }),
  );
  const env = {
    // The jest process may carry a REDIS_URL; the suite's topology is the only Redis.
    REDIS_URL: undefined,
    ...redisEnv,
    QUEUE_PREFIX: prefix,
    CONFIG_FILE: tenantsFile,
    LOG_LEVEL: 'info',
    SUITE_INBOUND_PASSWORD: INBOUND_PASSWORD,
    SUITE_ICIMS_SECRET: SANDBOX_ICIMS_CLIENT.clientSecret,
    SUITE_STEPSTONE_TOKEN: STEPSTONE_TOKEN,
    SHUTDOWN_TIMEOUT_MS: '5000',
    ...(partitions !== undefined ? { QUEUE_PARTITIONS: String(partitions) } : {}),
  };
  const workerEnv = {
    ...env,
    WORKER_QUEUES: 'all',
    METRICS_PORT: '0',
    METRICS_HOST: '127.0.0.1',
    RETRY_BASE_DELAY_MS: '200',
    RETRY_MAX_DELAY_MS: '2000',
    ICIMS_API_BASE_URL: icims.url,
    ICIMS_TOKEN_URL: icims.tokenUrl,
    ICIMS_DAILY_REQUEST_BUDGET: '10000000',
    STEPSTONE_STATUS_URL: stepstone.statusUrl('ATS-CLUSTER'),
    SEEK_TOKEN_URL: seek.tokenUrl,
    SEEK_GRAPHQL_URL: seek.graphqlUrl,
    SEEK_CLIENT_ID: SEEK_CLIENT.clientId,
    SEEK_CLIENT_SECRET: SEEK_CLIENT.clientSecret,
  };
  const [ingest, ...workers] = await Promise.all([
    // A replica must hold every acknowledged event (see apps/ingest/src/replica-acks.ts).
    spawnService('apps/ingest/src/main.ts', { ...env, PORT: '0', HOST: '127.0.0.1', ENQUEUE_WAIT_REPLICAS: '1', ICIMS_API_BASE_URL: icims.url }, { timeoutMs: 60_000 }),
    spawnService('apps/worker/src/main.ts', workerEnv, { timeoutMs: 60_000 }),
    spawnService('apps/worker/src/main.ts', workerEnv, { timeoutMs: 60_000 }),
  ]);
  // The suite's own view of the queues, through the same kind of connection the services use.
  const redis = createRedis(redisConnectionFromEnv(loadEnv<RedisEnv>({ type: 'object', properties: redisEnvProperties }, redisEnv)), 'client', 'cluster-suite');
  const partitionQueues = createPartitionedQueues(redis, partitionLayout({ QUEUE_PREFIX: prefix, QUEUE_PARTITIONS: partitions }));
  const queues = partitionQueues[0].queues;
  // Connection trouble during the faults is expected here; the row counts what it caused.
  for (const queue of partitionQueues.flatMap((entry) => Object.values(entry.queues))) queue.on('error', () => undefined);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  const send = (body: Buffer): Promise<PostResult> => {
    const started = Date.now();
    return new Promise((resolve) => {
      const req = http.request(
        `${ingest.url}/icims/events`,
        { method: 'POST', agent, headers: { Authorization: AUTH, 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'Content-Length': String(body.length) } },
        (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Date.now() - started, at: started }));
        },
      );
      // A refused or reset connection is an answer iCIMS would also get: no acknowledgement.
      req.on('error', () => resolve({ status: 0, ms: Date.now() - started, at: started }));
      req.end(body);
    });
  };
  const links = (systemId: string, personId: string) => {
    const base = `${icims.url}/customers/${CUSTOMER}`;
    return [
      { title: 'Applicant Workflow', rel: 'applicantWorkflow', url: `${base}/applicantworkflows/${systemId}` },
      { title: 'Job Profile', rel: 'job', url: `${base}/jobs/${JOB_ID}` },
      { title: 'Person Profile', rel: 'person', url: `${base}/people/${personId}` },
      { title: 'Posting User', rel: 'user', url: `${base}/people/3` },
    ];
  };

  return {
    icims,
    stepstone,
    seek,
    ingest,
    workers,
    queues,
    partitions: partitionQueues,
    redis,
    addApplications(from, to) {
      const apps: Application[] = [];
      for (let index = from; index < to; index++) {
        const app = application(index);
        const profile = (kind: string, id: string, value: string) => ({ profile: `${icims.url}/customers/${CUSTOMER}/${kind}/${id}`, id: Number(id), value });
        icims.setRecord(CUSTOMER, 'people', app.personId, {
          id: Number(app.personId),
          firstname: 'Load',
          lastname: `Candidate ${index}`,
          email: `load.candidate.${index}@example.com`,
          folder: { id: 'D12345', value: 'Active Candidate' },
        });
        icims.setRecord(CUSTOMER, 'applicantworkflows', app.systemId, {
          id: Number(app.systemId),
          associatedprofile: profile('people', app.personId, 'candidate'),
          baseprofile: profile('jobs', JOB_ID, 'job'),
          status: { id: NEW_STATUS, value: 'Second Interview' },
          updateddate: '2026-11-23 09:41 AM',
          source: 'StepStone',
          field51234: app.atsiApplicationId,
        });
        apps.push(app);
      }
      return apps;
    },
    post: (app) => send(gzipped(eventJson({ systemId: app.systemId, personId: app.personId, jobId: JOB_ID, oldStatus: OLD_STATUS, newStatus: NEW_STATUS, links: links(app.systemId, app.personId) }))),
    postSeed: () => send(gzipped(eventJson({ links: links('2203', '1364') }))),
    async stop() {
      agent.destroy();
      await Promise.all([ingest.stop(), ...workers.map((worker) => worker.stop())]);
      // For a failing run: CLUSTER_SUITE_LOG_DIR=/tmp/x keeps every process's log lines.
      if (process.env.CLUSTER_SUITE_LOG_DIR) {
        const dir = process.env.CLUSTER_SUITE_LOG_DIR;
        writeFileSync(join(dir, `${prefix}-ingest.log`), ingest.lines.join('\n'));
        workers.forEach((worker, index) => writeFileSync(join(dir, `${prefix}-worker-${index}.log`), worker.lines.join('\n')));
      }
      await Promise.all(partitionQueues.flatMap((entry) => Object.values(entry.queues)).map((queue) => queue.close().catch(() => undefined)));
      await closeRedis(redis);
      await Promise.all([icims.close(), stepstone.close(), seek.close()]);
      rmSync(configDir, { recursive: true, force: true });
    },
  };
}

export const SEED = { atsiApplicationId: SEED_ATSI_APPLICATION_ID, positionProfileId: SEED_POSITION_PROFILE_ID, idempotencyId: seekIdempotencyId({ tenantId: CUSTOMER, systemId: '2203', oldStatus: OLD_STATUS, newStatus: NEW_STATUS }) };

export interface LoadResult {
  /** Per application, every answer in order (first post, then re-sends). */
  answers: Map<Application, PostResult[]>;
  /** Wall time of the first posts. */
  postMs: number;
}

/**
 * Posts every application once, `concurrency` at a time, at most `perSecond` per second (so a
 * fault can land in the middle of the run). `during` runs alongside once `faultAfter` posts went out.
 */
export async function runLoad(
  pipeline: Pipeline,
  apps: Application[],
  options: { concurrency?: number; perSecond?: number; faultAfter?: number; during?: () => Promise<void> } = {},
): Promise<LoadResult & { fault?: Promise<void> }> {
  const { concurrency = 16, perSecond = Number.POSITIVE_INFINITY } = options;
  const answers = new Map<Application, PostResult[]>();
  const started = Date.now();
  let next = 0;
  let fault: Promise<void> | undefined;
  const loop = async (): Promise<void> => {
    while (next < apps.length) {
      const index = next++;
      if (options.during && index === (options.faultAfter ?? 0)) fault = options.during();
      const due = started + (index * 1000) / perSecond;
      if (Number.isFinite(due) && due > Date.now()) await sleep(due - Date.now());
      answers.set(apps[index], [await pipeline.post(apps[index])]);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { answers, postMs: Date.now() - started, fault };
}

/** iCIMS's side of a refused event: it is sent again later. Re-sends every application whose every answer so far was not 200. */
export async function resendRefused(pipeline: Pipeline, load: LoadResult): Promise<number> {
  const refused = [...load.answers].filter(([, answers]) => !answers.some((answer) => answer.status === 200)).map(([app]) => app);
  for (const app of refused) load.answers.get(app)!.push(await pipeline.post(app));
  return refused.length;
}

export interface Tally {
  /** Messages StepStone accepted, per application. */
  stepstone: Map<string, number>;
  /** Process history items SEEK holds, per idempotencyId. */
  seekItems: Map<string, number>;
}

export function tally(pipeline: Pipeline): Tally {
  const stepstone = new Map<string, number>();
  for (const message of pipeline.stepstone.received) {
    const id = String(message.body.AtsiApplicationId);
    stepstone.set(id, (stepstone.get(id) ?? 0) + 1);
  }
  const seekItems = new Map<string, number>();
  for (const item of pipeline.seek.state.items.values()) seekItems.set(item.idempotencyId, (seekItems.get(item.idempotencyId) ?? 0) + 1);
  return { stepstone, seekItems };
}

/** Every queue of every partition. */
function allQueues(pipeline: Pipeline): Array<{ key: (typeof QUEUE_KEYS)[number]; queue: ContractQueues[keyof ContractQueues] }> {
  return pipeline.partitions.flatMap((entry) => QUEUE_KEYS.map((key) => ({ key, queue: entry.queues[key] })));
}

/** Jobs not yet finished in any queue of any partition. */
export async function unfinishedJobs(pipeline: Pipeline): Promise<number> {
  const counts = await Promise.all(allQueues(pipeline).map(({ queue }) => queue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized', 'waiting-children')));
  return counts.reduce((sum, count) => sum + count, 0);
}

export async function failedJobs(pipeline: Pipeline): Promise<number> {
  const counts = await Promise.all(allQueues(pipeline).map(({ queue }) => queue.getJobCountByTypes('failed')));
  return counts.reduce((sum, count) => sum + count, 0);
}

/**
 * Waits until every acknowledged application reached both partners and the queues are empty;
 * returns how long that took. Times out with what is missing (the row then shows the loss).
 */
export async function drain(pipeline: Pipeline, acknowledged: Application[], timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  await waitFor(
    async () => {
      const counts = tally(pipeline);
      const missing = acknowledged.filter((app) => !counts.stepstone.has(app.atsiApplicationId) || !counts.seekItems.has(app.idempotencyId));
      return missing.length === 0 && (await unfinishedJobs(pipeline)) === 0;
    },
    { timeoutMs, intervalMs: 250, what: `${acknowledged.length} acknowledged applications delivered and the queues empty` },
  ).catch(() => undefined);
  return Date.now() - started;
}

export interface Outcome {
  sent: number;
  acknowledged: Application[];
  /** Acknowledged (200 on the first post) but delivered to neither/one partner. */
  lost: Application[];
  /** Applications StepStone got more than once, and SEEK items beyond one per idempotencyId. */
  stepstoneDuplicates: Application[];
  seekDuplicates: Application[];
  /** Delivered although never acknowledged (a 503'd add that was stored: allowed, never doubled). */
  deliveredUnacknowledged: number;
  firstAnswers: Record<string, number>;
  resent: number;
  wrongFinalStatus: number;
  maxRefusalMs: number;
}

export function outcome(pipeline: Pipeline, load: LoadResult): Outcome {
  const counts = tally(pipeline);
  const apps = [...load.answers.keys()];
  const acknowledged = apps.filter((app) => load.answers.get(app)!.some((answer) => answer.status === 200));
  const delivered = (app: Application): boolean => counts.stepstone.has(app.atsiApplicationId) && counts.seekItems.has(app.idempotencyId);
  const firstAnswers: Record<string, number> = {};
  let maxRefusalMs = 0;
  for (const answers of load.answers.values()) {
    firstAnswers[answers[0].status] = (firstAnswers[answers[0].status] ?? 0) + 1;
    for (const answer of answers) if (answer.status !== 200) maxRefusalMs = Math.max(maxRefusalMs, answer.ms);
  }
  const lastStatus = new Map<string, unknown>();
  for (const message of pipeline.stepstone.received) lastStatus.set(String(message.body.AtsiApplicationId), message.body.Status);
  return {
    sent: apps.length,
    acknowledged,
    lost: acknowledged.filter((app) => !delivered(app)),
    stepstoneDuplicates: apps.filter((app) => (counts.stepstone.get(app.atsiApplicationId) ?? 0) > 1),
    seekDuplicates: apps.filter((app) => (counts.seekItems.get(app.idempotencyId) ?? 0) > 1),
    deliveredUnacknowledged: apps.filter((app) => !acknowledged.includes(app) && delivered(app)).length,
    firstAnswers,
    resent: [...load.answers.values()].filter((answers) => answers.length > 1).length,
    wrongFinalStatus: apps.filter((app) => lastStatus.has(app.atsiApplicationId) && lastStatus.get(app.atsiApplicationId) !== 'INTERVIEW').length,
    maxRefusalMs,
  };
}

/** Why StepStone got an application twice, from its delivery job (StepStone has no idempotency). */
export async function explainStepStoneDuplicates(pipeline: Pipeline, apps: Application[]): Promise<DuplicateCount> {
  if (apps.length === 0) return { count: 0 };
  const extra = apps.reduce((sum, app) => sum + (tally(pipeline).stepstone.get(app.atsiApplicationId) ?? 1) - 1, 0);
  const jobs = (await Promise.all(pipeline.partitions.map((entry) => entry.queues.stepstone.getJobs(['completed', 'failed'])))).flat();
  // The job's own record says why it ran again: a failed attempt (its reason), a stall (the
  // worker's lock or completion was lost), or nothing at all: then the first run's record was
  // written to a primary after its replica had been promoted, and the failover discarded it.
  const evidence = apps.map((app) => {
    const job = jobs.find((entry) => entry.data.statusChange.systemId === app.systemId);
    if (!job) return 'delivery job not found';
    if ((job.stalledCounter ?? 0) > 0) return `stalled and run again (its lock or completion did not survive the failover)`;
    if ((job.attemptsStarted ?? job.attemptsMade) > 1) {
      return `an attempt failed after StepStone had the message (${(job.failedReason ?? 'reason not kept').replace(/\(attempt \d+\/\d+\)/, '').slice(0, 120)})`;
    }
    return 'first run recorded on the old primary after the promotion, discarded by the failover; run again on the new primary';
  });
  const counts = new Map<string, number>();
  for (const line of evidence) counts.set(line, (counts.get(line) ?? 0) + 1);
  return {
    count: extra,
    reason: [...counts].map(([line, count]) => `${count}× ${line}`).join('; '),
  };
}

/** One scenario's row in docs/reliability.md (suite "cluster"): the counts from its report, the words from the test. */
export function recordPipelineScenario(pipeline: Pipeline, report: ScenarioReport, row: { id: string; title: string; notes: string }): void {
  const { outcome } = report;
  const delivered = outcome.acknowledged.length - outcome.lost.length;
  recordScenario({
    suite: 'cluster',
    ...row,
    sent: outcome.sent,
    acknowledged: outcome.acknowledged.length,
    delivered: { stepstone: delivered, seek: delivered },
    lost: outcome.lost.length,
    duplicates: { stepstone: report.stepstoneDuplicates, seek: { count: outcome.seekDuplicates.length, reason: 'items with the same idempotencyId' } },
    wrongFinalStatus: outcome.wrongFinalStatus,
    drainMs: report.drainMs,
    failedJobs: report.failedJobs,
    nonJsonLogLines: nonJsonLines(pipeline),
  });
}

export function nonJsonLines(pipeline: Pipeline): number {
  return nonJsonSamples(pipeline).length;
}

/** Every output line of the pipeline's processes that is not one JSON object (operators' log pipelines parse each line). */
export function nonJsonSamples(pipeline: Pipeline): string[] {
  return [pipeline.ingest, ...pipeline.workers].flatMap((service) => findNonJsonLines(service.lines));
}

export interface ScenarioReport {
  outcome: Outcome;
  /** Where the lost applications' jobs are (empty when none is lost). */
  lostDiagnosis: string;
  drainMs: number;
  stepstoneDuplicates: DuplicateCount;
  failedJobs: number;
}

/**
 * One scenario: post `apps` (with `fault` started after `faultAfter` posts), wait for the fault to
 * end, re-send what was refused (as iCIMS would), wait until everything acknowledged is delivered.
 */
export async function runScenario(
  pipeline: Pipeline,
  apps: Application[],
  options: { perSecond?: number; faultAfter?: number; fault?: () => Promise<void> } = {},
): Promise<ScenarioReport & { load: LoadResult }> {
  const load = await runLoad(pipeline, apps, { perSecond: options.perSecond, faultAfter: options.faultAfter, during: options.fault });
  await load.fault;
  await resendRefused(pipeline, load);
  const acknowledged = apps.filter((app) => load.answers.get(app)!.some((answer) => answer.status === 200));
  const drainMs = await drain(pipeline, acknowledged);
  // Late duplicates (a stalled job picked up again) would show up after the queues emptied.
  await sleep(1_000);
  const result = outcome(pipeline, load);
  return {
    load,
    outcome: result,
    lostDiagnosis: await diagnose(pipeline, result.lost),
    drainMs,
    stepstoneDuplicates: await explainStepStoneDuplicates(pipeline, result.stepstoneDuplicates),
    failedJobs: await failedJobs(pipeline),
  };
}

export function answersText(first: Record<string, number>): string {
  return Object.entries(first)
    .map(([status, count]) => `${count}×${status === '0' ? 'connection error' : status}`)
    .join(', ');
}

/** For a lost application: where its jobs are (ids carry no PII), for the row's notes. */
export async function diagnose(pipeline: Pipeline, apps: Application[]): Promise<string> {
  const lines: string[] = [];
  for (const app of apps.slice(0, 5)) {
    const states: string[] = [];
    for (const { key, queue } of allQueues(pipeline)) {
      const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized', 'waiting-children']);
      for (const job of jobs.filter((entry) => entry.id?.startsWith(`c1234-w${app.systemId}-`))) {
        states.push(`${key} ${await job.getState()} (started ${job.attemptsStarted}, stalls ${job.stalledCounter}${job.failedReason ? `, ${job.failedReason.slice(0, 80)}` : ''})`);
      }
    }
    const counts = tally(pipeline);
    lines.push(`workflow ${app.systemId}: StepStone ${counts.stepstone.get(app.atsiApplicationId) ?? 0}, SEEK ${counts.seekItems.get(app.idempotencyId) ?? 0}; jobs: ${states.join(', ') || 'none'}`);
  }
  return lines.join(' | ');
}
