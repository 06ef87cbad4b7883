import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Job } from 'bullmq';
import { Redis } from 'ioredis';
import { createLogger } from '@status-bridge/core';
import { createQueue, PARTNERS, PARTNER_KEYS, QUEUES, sandboxPortVariable, type ContractQueue, type PartnerKey } from '@status-bridge/partners';
import { loadSandboxEnv, startSandboxes, type RunningSandboxes } from '@status-bridge/sandbox/src/main';
import { basicAuth, cleanupPrefix, eventJson, freePort, gzipped, REPO_ROOT, seedHeaders, spawnService, TEST_REDIS_URL, uniquePrefix, waitFor, type ServiceHandle } from '@status-bridge/testing';

/**
 * The registry end to end: ONE iCIMS event whose status maps to every registered partner reaches
 * every partner's sandbox, exactly one delivery per target, through ingest and worker child
 * processes, real Redis and real HTTP. Nothing here names a partner: the partners, their queues,
 * sandboxes, development secrets and metrics all come from PARTNERS, and their tenant sections
 * from config/tenants.example.json (the quick start's file, which must configure every partner so
 * that `npm start` and `npm run demo` show them all). A new partner is covered by registering it
 * and adding its section to the example.
 *
 * The sandboxes run in this process through the same runner `npm start` uses
 * (packages/sandbox/src/main.ts), on free ports; the example's loopback URLs that name a sandbox's
 * quick-start port are pointed at the port it got here.
 */
const prefix = uniquePrefix('every-partner-e2e');
const TENANT = '1234';
const SEED_STATUS = '9782';

type Example = { tenants: Record<string, Record<string, unknown> & { statusMapping: Record<string, string> }> };
const exampleText = readFileSync(join(REPO_ROOT, 'config', 'tenants.example.json'), 'utf8');
const example = JSON.parse(exampleText) as Example;

let scratch: string;
let sandboxes: RunningSandboxes;
let ingest: ServiceHandle;
let worker: ServiceHandle;
let connection: Redis;
let enrichQueue: ContractQueue<'enrich'>;
const partnerQueues = new Map<PartnerKey, ContractQueue<PartnerKey>>();

/** Development values for every secret the example names (in each partner's format where its sandbox says), as `npm start` makes them. */
function developmentSecrets(): Record<string, string> {
  const secrets: Record<string, string> = {
    INBOUND_DEFAULT_PASSWORD: 'e2e-default-inbound-password',
    TENANT_1234_INBOUND_PASSWORD: 'e2e-inbound-password',
    TENANT_1234_INBOUND_CLIENT_SECRET: 'e2e-inbound-client-secret',
    TENANT_1234_ICIMS_CLIENT_SECRET: 'e2e-icims-client-secret',
    INGEST_TOKEN_SECRET: 'e2e-only-ingest-token-secret-0123456789abcdef',
  };
  for (const partner of PARTNERS) {
    Object.assign(secrets, partner.sandbox?.quickStartEnv);
    const section = example.tenants[TENANT][partner.key];
    if (!section) continue;
    for (const { env } of partner.tenant.secrets(section as never)) secrets[env] = partner.sandbox?.quickStartSecret?.(env) ?? `e2e-${env.toLowerCase().replace(/_/g, '-')}`;
  }
  return secrets;
}

/** The seed event as iCIMS sends it (gzip, its headers), its links at the iCIMS sandbox; answers ingest's status. */
async function postSeed(): Promise<number> {
  const body = gzipped(eventJson({ newStatus: SEED_STATUS }, sandboxes.icims.url));
  // fetch sets Connection and Content-Length itself.
  const { Connection: _connection, 'Content-Length': _length, ...headers } = seedHeaders(body);
  const response = await fetch(`${ingest.url}/icims/events`, { method: 'POST', headers: { ...headers, Authorization: basicAuth('icims-1234', developmentSecrets().TENANT_1234_INBOUND_PASSWORD) }, body });
  await response.arrayBuffer();
  return response.status;
}

async function metric(name: string, ...labels: string[]): Promise<number> {
  const text = await (await fetch(`${worker.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && labels.every((label) => line.includes(label)))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'sb-every-partner-'));
  // A free port for every partner's sandbox; the example's URLs at a quick-start port follow it.
  const withSandbox = PARTNERS.filter((partner) => partner.sandbox);
  const ports = await Promise.all(withSandbox.map(() => freePort()));
  let tenantsText = exampleText;
  const portEnv: Record<string, string> = {};
  withSandbox.forEach((partner, index) => {
    portEnv[sandboxPortVariable(partner.key)] = String(ports[index]);
    tenantsText = tenantsText.split(`//127.0.0.1:${partner.sandbox!.defaultPort}/`).join(`//127.0.0.1:${ports[index]}/`);
  });
  const tenantsFile = join(scratch, 'tenants.json');
  writeFileSync(tenantsFile, tenantsText);

  const base = { REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, CONFIG_FILE: tenantsFile, SHUTDOWN_TIMEOUT_MS: '5000', ...developmentSecrets() };
  const loaded = loadSandboxEnv({ ...base, SANDBOX_HOST: '127.0.0.1', SANDBOX_ICIMS_PORT: '0', ...portEnv });
  sandboxes = await startSandboxes(loaded.env, loaded.tenants, createLogger('sandbox', 'error'), loaded.source);

  [ingest, worker] = await Promise.all([
    spawnService('apps/ingest/src/main.ts', { ...base, PORT: '0', HOST: '127.0.0.1', ICIMS_API_BASE_URL: sandboxes.icims.url }),
    spawnService('apps/worker/src/main.ts', {
      ...base,
      ...sandboxes.workerEnv,
      WORKER_QUEUES: 'all',
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      RETRY_BASE_DELAY_MS: '50',
      RETRY_MAX_DELAY_MS: '200',
    }),
  ]);
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  enrichQueue = createQueue('enrich', connection, prefix);
  for (const key of PARTNER_KEYS) partnerQueues.set(key, createQueue(key, connection, prefix) as unknown as ContractQueue<PartnerKey>);
}, 60_000);

afterAll(async () => {
  await Promise.all([worker?.stop(), ingest?.stop()]);
  await Promise.all([enrichQueue?.close(), ...[...partnerQueues.values()].map((queue) => queue.close())]);
  connection?.disconnect();
  await sandboxes?.stop();
  rmSync(scratch, { recursive: true, force: true });
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

test('the example tenant configures every registered partner, and the seed status maps for each', () => {
  const tenant = example.tenants[TENANT];
  expect(PARTNER_KEYS.filter((key) => tenant[key] === undefined)).toEqual([]);
  expect(tenant.statusMapping[SEED_STATUS]).toBeDefined();
});

test('one event whose status maps to every partner reaches every partner sandbox, one delivery per target, each on its first attempt', async () => {
  const before = Object.fromEntries(await Promise.all(PARTNER_KEYS.map(async (key) => [key, (await sandboxes.partners[key].received()).length] as const)));
  const delivered = Object.fromEntries(await Promise.all(PARTNER_KEYS.map(async (key) => [key, await metric('status_bridge_deliveries_total', `partner="${key}"`, 'outcome="delivered"')] as const)));

  expect(await postSeed()).toBe(200);

  const [enrich] = await waitFor(
    async () => {
      const jobs = (await enrichQueue.getJobs(['completed', 'failed'])).filter((job) => job.data.event.newStatus === SEED_STATUS);
      return jobs.length > 0 ? jobs : undefined;
    },
    { timeoutMs: 30_000, what: 'the enrichment' },
  );
  expect({ state: await enrich.getState(), reason: enrich.failedReason }).toEqual({ state: 'completed', reason: undefined });
  const summary = enrich.returnvalue as { deliveries: Record<string, string | string[]>; skipped: Record<string, string> };
  // Planned for every partner, skipped by none.
  expect(summary.skipped).toEqual({});
  expect(Object.keys(summary.deliveries).sort()).toEqual([...PARTNER_KEYS].sort());

  for (const key of PARTNER_KEYS) {
    const ids = [summary.deliveries[key]].flat();
    expect(ids.length).toBeGreaterThan(0);
    const queue = partnerQueues.get(key)!;
    for (const id of ids) {
      const state = await waitFor(async () => {
        const current = await queue.getJobState(id);
        return current === 'completed' || current === 'failed' ? current : undefined;
      }, { timeoutMs: 30_000, what: `${QUEUES[key].name} job ${id}` });
      const job = (await queue.getJob(id)) as Job;
      expect({ key, id, state, reason: job.failedReason, attemptsMade: job.attemptsMade }).toEqual({ key, id, state: 'completed', reason: undefined, attemptsMade: 1 });
      // Delivered, not skipped or superseded.
      expect(job.returnvalue).not.toHaveProperty('skipped');
      expect(job.returnvalue).not.toHaveProperty('superseded');
    }
    // Exactly one delivery per target, counted by the shell, and the partner's sandbox got it.
    expect({ key, delivered: await metric('status_bridge_deliveries_total', `partner="${key}"`, 'outcome="delivered"') }).toEqual({ key, delivered: delivered[key] + ids.length });
    expect({ key, reached: (await sandboxes.partners[key].received()).length > before[key] }).toEqual({ key, reached: true });
  }

  // iCIMS sends the same event again: one enrichment (de-duplicated at ingest), nothing more for any partner.
  expect(await postSeed()).toBe(200);
  expect((await enrichQueue.getJobs(['completed', 'failed', 'waiting', 'active', 'delayed'])).filter((job) => job.data.event.newStatus === SEED_STATUS)).toHaveLength(1);
  for (const key of PARTNER_KEYS) {
    expect({ key, jobs: await partnerQueues.get(key)!.getJobCountByTypes('completed', 'failed', 'waiting', 'active', 'delayed') }).toEqual({ key, jobs: [summary.deliveries[key]].flat().length });
  }
});
