/**
 * `npm run demo`: shows the whole flow against a running `npm start` (quick start).
 *
 * Posts the iCIMS seed event (gzip, with the seed's headers, as iCIMS sends it; its links name the
 * iCIMS sandbox as the API origin, as the real ones name api.icims.com) plus a few more
 * transitions and one re-send to the ingest API, waits for the enrichment and delivery jobs to
 * finish, then prints what each sandbox received and where to see every job in the dashboard.
 *
 * Environment (defaults match scripts/start.ts's quick start):
 *   INGEST_URL                    http://127.0.0.1:3000
 *   DEMO_INBOUND_USER             icims-1234 (tenant 1234's inbound Basic user in config/tenants.example.json)
 *   TENANT_1234_INBOUND_PASSWORD  the quick start's development password
 *   DASHBOARD_URL                 http://127.0.0.1:3001
 *   SANDBOX_HOST, SANDBOX_ICIMS_PORT, SANDBOX_<PARTNER>_PORT   127.0.0.1, 4010, each partner sandbox's default port
 *   REDIS_URL (or REDIS_CLUSTER_NODES …), QUEUE_PREFIX, QUEUE_PARTITIONS(_DRAIN)   where the jobs are, to follow them (read only)
 *   DEMO_TIMEOUT_MS               how long to wait for the pipeline (30000)
 */
import { Queue } from 'bullmq';
import { closeRedis, commonEnvProperties, createRedis, deliveryJobId, enrichJobId, loadEnv, partitionEnvProperties, partitionLayout, redisConnectionFromEnv, redisEnvProperties, type PartitionEnv, type RedisEnv } from '@status-bridge/core';
import { PARTNER_KEYS, PARTNERS, QUEUE_KEYS, QUEUES, sandboxPortVariable, type QueueKey } from '@status-bridge/partners';
// The seed request exactly as the tests send it (shared/seeds/icims-status-flow-update.txt).
import { basicAuth, gzipped, SEED_EVENT_JSON, seedHeaders } from '@status-bridge/testing';

const env = process.env;
const INGEST_URL = (env.INGEST_URL ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const DASHBOARD_URL = (env.DASHBOARD_URL ?? 'http://127.0.0.1:3001').replace(/\/$/, '');
const INBOUND_USER = env.DEMO_INBOUND_USER ?? 'icims-1234';
// The same development value scripts/start.ts sets for the quick start; never a real secret.
const INBOUND_PASSWORD = env.TENANT_1234_INBOUND_PASSWORD ?? 'dev-inbound-password';
const SANDBOX_HOST = env.SANDBOX_HOST ?? '127.0.0.1';
const ICIMS_SANDBOX = `http://${SANDBOX_HOST}:${env.SANDBOX_ICIMS_PORT ?? '4010'}`;
/** Every partner's sandbox, where `npm start` runs it. */
const PARTNER_SANDBOXES = PARTNERS.flatMap((partner) =>
  partner.sandbox ? [{ partner, sandbox: partner.sandbox, url: `http://${SANDBOX_HOST}:${env[sandboxPortVariable(partner.key)] ?? partner.sandbox.defaultPort}` }] : [],
);
// The same Redis variables as the services (REDIS_URL, or REDIS_CLUSTER_NODES / REDIS_SENTINELS …).
const REDIS = redisConnectionFromEnv(loadEnv<RedisEnv>({ type: 'object', properties: redisEnvProperties }, env));
// Every partition's queues (QUEUE_PARTITIONS): a transition's jobs are in its workflow's partition.
const LAYOUT = partitionLayout(loadEnv<PartitionEnv>({ type: 'object', properties: { QUEUE_PREFIX: commonEnvProperties.QUEUE_PREFIX, ...partitionEnvProperties } }, env));
const TIMEOUT_MS = Number(env.DEMO_TIMEOUT_MS ?? 30_000);

/** Another transition of the sandbox's customer 1234 (records in packages/sandbox/src/icims/fixtures.ts). */
function transition(systemId: string, personId: string, jobId: string, oldStatus: string, newStatus: string): string {
  const base = 'https://api.icims.com/customers/1234';
  return JSON.stringify({
    newStatus,
    oldStatus,
    customerId: '1234',
    jobId,
    userId: '3',
    personId,
    links: [
      { title: 'Applicant Workflow', rel: 'applicantWorkflow', url: `${base}/applicantworkflows/${systemId}` },
      { title: 'Job Profile', rel: 'job', url: `${base}/jobs/${jobId}` },
      { title: 'Person Profile', rel: 'person', url: `${base}/people/${personId}` },
      { title: 'Posting User', rel: 'user', url: `${base}/people/3` },
    ],
    eventType: 'WorkFlowStatusChangeEvent',
    systemId,
  });
}

const EVENTS: Array<{ label: string; json: string; seed?: boolean }> = [
  { label: 'seed: workflow 2203, 1752 → 9782 (screening → interview); every partner of tenant 1234', json: SEED_EVENT_JSON, seed: true },
  { label: 'workflow 2204, D10100 → 1752 (applied → screening); the iCIMS records of another applicant', json: transition('2204', '1365', '1242', 'D10100', '1752') },
  { label: 'workflow 2205, 1752 → 9820 (screening → rejected); a job with fewer partner fields', json: transition('2205', '1366', '1243', '1752', '9820') },
  { label: 'seed again (an iCIMS re-send): same answer, no second job', json: SEED_EVENT_JSON, seed: true },
];

const out = (text = ''): void => void process.stdout.write(`${text}\n`);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

// iCIMS links point at its own API origin; in the quick start "iCIMS" is the sandbox, and the
// worker follows a link only to the configured origin (ICIMS_API_BASE_URL), so the links name it.
const asFromSandbox = (text: string): string => text.split('https://api.icims.com').join(ICIMS_SANDBOX);

async function postEvent(json: string, seed: boolean): Promise<{ status: number; body: string }> {
  const body = gzipped(asFromSandbox(json));
  // The seed's own headers (User-Agent, Accept-Encoding, Content-Encoding, Link …); fetch sets
  // Connection and Content-Length itself.
  const { Connection: _connection, 'Content-Length': _length, Link: link, ...headers } = seedHeaders(body);
  const response = await fetch(`${INGEST_URL}/icims/events`, {
    method: 'POST',
    headers: { ...headers, ...(seed ? { Link: asFromSandbox(link) } : {}), Authorization: basicAuth(INBOUND_USER, INBOUND_PASSWORD) },
    body,
  });
  return { status: response.status, body: await response.text() };
}

async function getJson(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return response.json();
}

/** The dashboard lists a partition's queues as `p<partition>.<queue>` (with one partition, just the queue). */
const boardName = (key: QueueKey, partition: number): string => (LAYOUT.partitioned ? `p${partition}.${QUEUES[key].name}` : QUEUES[key].name);
const jobUrl = (key: QueueKey, jobId: string, partition: number): string => `${DASHBOARD_URL}/admin/queues/queue/${encodeURIComponent(boardName(key, partition))}/${encodeURIComponent(jobId)}`;

type JobLine = { key: QueueKey; id: string; state: string; partition: number; reason?: string };
type PartitionQueueSet = { partition: number; queues: Record<QueueKey, Queue> };

/** Enrichment job id prefix of a transition: "c<customerId>-w<systemId>-<old>-<new>-" (core queues.ts enrichJobId). */
function transitionPrefix(json: string): string {
  const event = JSON.parse(json) as { customerId: string; systemId: string; oldStatus: string; newStatus: string };
  return `${enrichJobId(event, 0).replace(/-0$/, '')}-`;
}

/**
 * The latest enrichment job of each transition we posted, and the delivery jobs derived from it.
 * "Latest" rather than "created now": a second run inside the de-duplication window makes no new
 * job, and then the earlier one is the one to look at.
 */
async function followJobs(partitions: PartitionQueueSet[], prefixes: string[]): Promise<{ lines: JobLine[]; done: boolean; sinceMs: number }> {
  const found = await Promise.all(
    partitions.map(async ({ partition, queues }) => (await queues.enrich.getJobs(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'], 0, 1000)).map((job) => Object.assign(job, { partition }))),
  );
  const all = found.flat();
  const latest = prefixes.flatMap((prefix) => {
    const matching = all.filter((job) => job?.id?.startsWith(prefix)).sort((a, b) => b.timestamp - a.timestamp);
    return matching.length > 0 ? [matching[0]] : [];
  });
  const lines: JobLine[] = [];
  let done = latest.length === prefixes.length;
  for (const job of latest) {
    const state = await job.getState();
    lines.push({ key: 'enrich', id: job.id!, state, partition: job.partition, reason: job.failedReason });
    if (state !== 'completed' && state !== 'failed') done = false;
    // A completed enrichment returns its delivery job ids by partner (one, or a list when a partner
    // makes a job per target, e.g. per endpoint); before that, look for the one-job id. The
    // deliveries are in the enrichment's own partition.
    const { queues } = partitions.find((entry) => entry.partition === job.partition)!;
    const planned = (job.returnvalue as { deliveries?: Partial<Record<QueueKey, string | string[]>> } | null)?.deliveries;
    for (const partner of PARTNER_KEYS) {
      const ids = planned ? [planned[partner] ?? []].flat() : [deliveryJobId(job.id!, partner)];
      for (const id of ids) {
        const delivery = await queues[partner].getJob(id);
        if (!delivery) continue;
        const deliveryState = await delivery.getState();
        lines.push({ key: partner, id: delivery.id!, state: deliveryState, partition: job.partition, reason: delivery.failedReason });
        if (deliveryState !== 'completed' && deliveryState !== 'failed') done = false;
      }
    }
  }
  const sinceMs = latest.length > 0 ? Math.min(...latest.map((job) => job.timestamp)) - 1_000 : Date.now();
  return { lines, done, sinceMs };
}

async function main(): Promise<void> {
  try {
    await getJson(`${INGEST_URL}/healthz`);
  } catch {
    out(`No ingest API answers at ${INGEST_URL}. Start the system first with \`npm start\` (or set INGEST_URL).`);
    process.exit(1);
  }

  out(`Posting ${EVENTS.length} iCIMS status changes to ${INGEST_URL}/icims/events (gzip, as iCIMS sends them):`);
  for (const event of EVENTS) {
    const { status, body } = await postEvent(event.json, event.seed === true);
    out(`  ${status}  ${event.label}`);
    if (status !== 200) out(`       ${body}`);
  }

  const redis = createRedis(REDIS, 'client', 'demo');
  const partitions: PartitionQueueSet[] = LAYOUT.all.map((partition) => ({
    partition,
    queues: Object.fromEntries(QUEUE_KEYS.map((key) => [key, new Queue(QUEUES[key].name, { connection: redis, prefix: LAYOUT.prefix(partition) })])) as Record<QueueKey, Queue>,
  }));
  try {
    out();
    out(`Waiting for the worker (enrichment, then the ${PARTNERS.map((partner) => partner.title).join(', ')} deliveries)…`);
    const deadline = Date.now() + TIMEOUT_MS;
    const prefixes = [...new Set(EVENTS.map((event) => transitionPrefix(event.json)))];
    let followed = await followJobs(partitions, prefixes);
    while (!followed.done && Date.now() < deadline) {
      await sleep(500);
      followed = await followJobs(partitions, prefixes);
    }
    const startedAt = followed.sinceMs;
    if (!followed.done) out(`  (still running after ${TIMEOUT_MS} ms; showing where things are)`);

    out();
    out('Jobs (open any of them in the dashboard; user and password as printed by `npm start`):');
    for (const line of followed.lines) {
      out(`  ${line.key === 'enrich' ? '' : '  └ '}${boardName(line.key, line.partition).padEnd(17)} ${line.state.padEnd(10)} ${jobUrl(line.key, line.id, line.partition)}`);
      if (line.reason) out(`        reason: ${line.reason}`);
    }
    out(`  Dashboard: ${DASHBOARD_URL}/admin/queues`);

    out();
    out(`iCIMS sandbox (${ICIMS_SANDBOX}) answered these API calls from the worker:`);
    const icims = (await getJson(`${ICIMS_SANDBOX}/_sandbox/requests`)) as Array<{ at: number; method: string; path: string; answer: number | string }>;
    for (const request of icims.filter((item) => item.at >= startedAt)) out(`  ${request.answer}  ${request.method} ${request.path}`);

    for (const { partner, sandbox, url } of PARTNER_SANDBOXES) {
      out();
      out(`${partner.title} sandbox (${url}) received (ids and statuses; the sandboxes keep candidate details to themselves):`);
      const lines = sandbox.describeReceived ? await sandbox.describeReceived(url, startedAt) : ['(this sandbox does not describe what it received)'];
      for (const line of lines) out(`  ${line}`);
    }
  } finally {
    await Promise.all(partitions.flatMap((entry) => Object.values(entry.queues)).map((queue) => queue.close().catch(() => undefined)));
    await closeRedis(redis);
  }
}

main().catch((error: Error) => {
  process.stderr.write(`demo: ${error.message}\n`);
  process.exit(1);
});
