/**
 * The two baselines of the pipeline benchmark (bench/sections/pipeline.ts), one process each, on
 * the queues and jobs our ingest produced (same names and retention as packages/core/src/queues.ts,
 * so Redis does the same bookkeeping per job):
 *
 *   BENCH_MODE=noop     enrich adds its two delivery jobs in one FlowProducer.addBulk (as ours);
 *                       every job otherwise returns at once. The BullMQ engine's ceiling.
 *   BENCH_MODE=minimal  what a first, hand-written version of the same pipeline would do, with the
 *                       HTTP calls ours makes per event (read off the sandboxes' request logs):
 *                       enrich GETs the workflow and the person from iCIMS (the job once per job
 *                       and process, kept in memory; ours caches it in Redis), then fans out;
 *                       deliver-stepstone POSTs the status; deliver-seek uploads the candidate and
 *                       creates the process history item (two GraphQL POSTs). node:http with
 *                       keep-alive agents; OAuth tokens fetched once and kept in memory; no
 *                       ordering locks, budgets, back-off gates, metrics or logs.
 *
 * Env: REDIS_URL, QUEUE_PREFIX, BENCH_MODE, BENCH_CONCURRENCY (per queue), and for minimal the
 * partner URLs and secrets our worker reads (ICIMS_*, STEPSTONE_STATUS_URL, SEEK_*, TENANT_1234_*).
 * Logs one {"message":"ready"} line; SIGTERM closes the workers and exits.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import { FlowProducer, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { EnrichJob } from '@status-bridge/core';
import { QUEUES } from '@status-bridge/partners';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const MODE = env('BENCH_MODE');
const CONCURRENCY = Number(env('BENCH_CONCURRENCY'));
const PREFIX = env('QUEUE_PREFIX');
const TENANT = '1234';
const HIRER_ID = 'seekAnzPublicTest:organization:seek:93WyyF1h';
// The one status of the bench's events (9782 → interview in config/tenants.example.json).
const STEPSTONE_STATUS = 'INTERVIEW';
const SEEK_STATUS = 'Interview';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

interface Answer {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

function call(method: string, url: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, agent, headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const status = response.statusCode ?? 0;
        if (status < 200 || status >= 300) return reject(new Error(`${method} ${new URL(url).pathname}: HTTP ${status}`));
        resolve({ status, body: text ? JSON.parse(text) : undefined });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}

/** Fetches a token once; every caller shares it. */
function tokenOnce(fetchToken: () => Promise<string>): () => Promise<string> {
  let token: Promise<string> | undefined;
  return () => (token ??= fetchToken());
}

const icimsToken = tokenOnce(async () => {
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: 'status-bridge-1234', client_secret: env('TENANT_1234_ICIMS_CLIENT_SECRET'), audience: 'https://api.icims.com/v1/' });
  return (await call('POST', env('ICIMS_TOKEN_URL'), { 'content-type': 'application/x-www-form-urlencoded' }, form.toString())).body.access_token as string;
});

const seekToken = tokenOnce(async () => {
  const body = JSON.stringify({ grant_type: 'client_credentials', client_id: env('SEEK_CLIENT_ID'), client_secret: env('SEEK_CLIENT_SECRET'), audience: 'https://graphql.seek.com' });
  return (await call('POST', env('SEEK_TOKEN_URL'), { 'content-type': 'application/json' }, body)).body.access_token as string;
});

async function icimsGet(kind: string, id: string, fields: string): Promise<Record<string, any>> {
  const url = `${env('ICIMS_API_BASE_URL')}/customers/${TENANT}/${kind}/${id}?fields=${fields}`;
  return (await call('GET', url, { accept: 'application/json', authorization: `Bearer ${await icimsToken()}` })).body;
}

const jobs = new Map<string, Promise<Record<string, any>>>();

async function graphql(query: string, variables: unknown): Promise<Record<string, any>> {
  const answer = await call('POST', env('SEEK_GRAPHQL_URL'), { 'content-type': 'application/json', authorization: `Bearer ${await seekToken()}` }, JSON.stringify({ query, variables }));
  if (answer.body.errors) throw new Error(`SEEK: ${answer.body.errors[0]?.extensions?.code}`);
  return answer.body.data;
}

const UPLOAD = `mutation ($input: UploadCandidateInput!) { uploadCandidate(input: $input) { __typename
  ... on UploadCandidatePayload_Success { candidate { profiles { profileId { value } } } }
  ... on UploadCandidatePayload_Conflict { conflictingCandidate { profiles { profileId { value } } } } } }`;
const CREATE = `mutation ($input: CreateCandidateProcessHistoryItemInput!) { createCandidateProcessHistoryItem(input: $input) { __typename
  ... on CreateCandidateProcessHistoryItemPayload_Success { candidateProcessHistoryItem { id { value } } }
  ... on CreateCandidateProcessHistoryItemPayload_Conflict { conflictingCandidateProcessHistoryItem { id { value } } } } }`;

/** What the deliveries need, built once by enrich. */
interface Delivery {
  systemId: string;
  receivedAt: string;
  atsiApplicationId: string;
  statusName: string;
  person: { given: string; family: string; email: string; phone?: string };
  jobTitle: string;
  positionProfileId: string;
  idempotencyId: string;
}

/** A stable UUID-shaped id per transition (SEEK's idempotencyId must repeat on retries). */
function idempotencyId(event: EnrichJob['event']): string {
  const hex = createHash('sha1').update(`${TENANT}|${event.systemId}|${event.oldStatus}|${event.newStatus}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

async function enrich(job: Job<EnrichJob>): Promise<Delivery | undefined> {
  const { event, receivedAt } = job.data;
  if (MODE === 'noop') return undefined;
  let jobRecord = jobs.get(event.jobId);
  if (!jobRecord) {
    jobRecord = icimsGet('jobs', event.jobId, 'jobtitle,joblocation,field61234');
    jobs.set(event.jobId, jobRecord);
    jobRecord.catch(() => jobs.delete(event.jobId));
  }
  const [workflow, person, jobProfile] = await Promise.all([
    icimsGet('applicantworkflows', event.systemId, 'status,updateddate,source,field51234'),
    icimsGet('people', event.personId, 'firstname,middlename,lastname,email,phones'),
    jobRecord,
  ]);
  return {
    systemId: event.systemId,
    receivedAt,
    atsiApplicationId: workflow.field51234,
    statusName: workflow.status?.value,
    person: { given: person.firstname, family: person.lastname, email: person.email, phone: person.phones?.[0]?.phonenumber },
    jobTitle: jobProfile.jobtitle,
    positionProfileId: jobProfile.field61234,
    idempotencyId: idempotencyId(event),
  };
}

async function deliverStepStone(job: Job<Delivery>): Promise<void> {
  if (MODE === 'noop') return;
  const d = job.data;
  const body = JSON.stringify({ AtsiApplicationId: d.atsiApplicationId, Status: STEPSTONE_STATUS, RawStatus: d.statusName, BusinessDate: d.receivedAt });
  await call('POST', env('STEPSTONE_STATUS_URL'), { 'content-type': 'application/json', 'x-atsitoken': env('TENANT_1234_STEPSTONE_TOKEN') }, body);
}

async function deliverSeek(job: Job<Delivery>): Promise<void> {
  if (MODE === 'noop') return;
  const d = job.data;
  const name = { formattedName: `${d.person.given} ${d.person.family}`, given: d.person.given, family: d.person.family };
  const uploaded = await graphql(UPLOAD, {
    input: {
      candidate: {
        distributionGuidelines: { seekProductCodes: ['ProactiveSourcing'] },
        person: { name, communication: { email: [{ address: d.person.email }], phone: d.person.phone ? [{ formattedNumber: d.person.phone }] : [] } },
        seekPrimaryEmailAddress: d.person.email,
      },
      candidateProfile: { createDateTime: d.receivedAt, updateDateTime: d.receivedAt, positionPreferences: [], seekActions: [], seekProcessHistory: [] },
      hiringOrganization: { id: HIRER_ID },
    },
  });
  const candidate = uploaded.uploadCandidate.candidate ?? uploaded.uploadCandidate.conflictingCandidate;
  await graphql(CREATE, {
    input: {
      candidateProfile: { profileId: candidate.profiles[0].profileId.value },
      candidateProcessHistoryItem: {
        action: { code: 'CandidateWorkflowTransition', name: d.statusName, description: `Status changed to ${d.statusName} for ${d.jobTitle}` },
        actionDate: d.receivedAt,
        idempotencyId: d.idempotencyId,
        primaryParties: [{ person: { name, communication: { email: [], phone: [] } } }],
        positionProfile: { profileId: d.positionProfileId },
        seekSource: { name: 'StepStone' },
        status: { code: SEEK_STATUS },
      },
    },
  });
}

async function main(): Promise<void> {
  const connection = new Redis(env('REDIS_URL'), { maxRetriesPerRequest: null });
  const flows = new FlowProducer({ connection, prefix: PREFIX });
  const options = { connection, prefix: PREFIX, concurrency: CONCURRENCY };
  const workers = [
    new Worker<EnrichJob>(
      QUEUES.enrich.name,
      async (job) => {
        const delivery = await enrich(job);
        const data = delivery ?? { systemId: job.data.event.systemId };
        // Both deliveries in one MULTI, ids derived from the enrichment job's, as ours does.
        await flows.addBulk([
          { name: QUEUES.stepstone.jobName, queueName: QUEUES.stepstone.name, data, opts: { ...retention('stepstone'), jobId: `${job.id}-stepstone` } },
          { name: QUEUES.seek.jobName, queueName: QUEUES.seek.name, data, opts: { ...retention('seek'), jobId: `${job.id}-seek` } },
        ]);
      },
      options,
    ),
    new Worker<Delivery>(QUEUES.stepstone.name, deliverStepStone, options),
    new Worker<Delivery>(QUEUES.seek.name, deliverSeek, options),
  ];
  for (const worker of workers) worker.on('error', (error) => process.stdout.write(`${JSON.stringify({ level: 'error', message: error.message })}\n`));
  await Promise.all(workers.map((worker) => worker.waitUntilReady()));
  process.stdout.write(`${JSON.stringify({ message: 'ready', mode: MODE, concurrency: CONCURRENCY })}\n`);
  process.once('SIGTERM', () => {
    void (async () => {
      await Promise.all(workers.map((worker) => worker.close()));
      await flows.close();
      await connection.quit();
      agent.destroy();
      process.exit(0);
    })();
  });
}

/** The contract's attempts and retention, with BullMQ's built-in backoff instead of our custom one. */
function retention(key: 'stepstone' | 'seek') {
  const { removeOnComplete, removeOnFail, attempts } = QUEUES[key].defaultJobOptions;
  return { removeOnComplete, removeOnFail, attempts, backoff: { type: 'exponential', delay: 5_000 } };
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
