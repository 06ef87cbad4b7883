import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { partitionPrefix, type CanonicalStage } from '@status-bridge/core';
import { createQueue, type ContractQueue, type QueueKey } from '@status-bridge/partners';
import { SANDBOX_ICIMS_CLIENT, start as startIcims, type IcimsSandbox } from '@status-bridge/sandbox/src/icims';
import { basicAuth, eventJson, gzipped, seedHeaders } from './fixtures';
import { spawnService, type ServiceHandle } from './process';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix } from './redis';

/**
 * The shared end-to-end set-up of a partner's tests: the iCIMS sandbox and the partner stand-ins
 * the test drives (in this process), a tenants file for the seed's customer 1234, ingest and
 * worker child processes (env-only configuration, as operators start them), a Redis connection
 * and the test's queues, all under one unique prefix; `stop()` undoes all of it.
 *
 * Tenant 1234 gets inbound Basic auth (`inboundAuth`), iCIMS OAuth against the sandbox, a status
 * mapping (override with `statusMapping`) and the partner sections the test gives.
 */
export interface EndToEndOptions<Sandboxes extends Record<string, { close(): Promise<void> }>> {
  /** Names the queue prefix and the temp directory. */
  name: string;
  /** Partner stand-ins, started before the processes (their URLs go into the workers' env). */
  sandboxes: { [K in keyof Sandboxes]: () => Promise<Sandboxes[K]> };
  /** Tenant 1234's partner sections, by partner key. */
  partnerSections: (sandboxes: Sandboxes) => Record<string, unknown>;
  statusMapping?: Record<string, CanonicalStage>;
  /** Secrets the partner sections name (every process gets them). */
  secrets?: Record<string, string>;
  /** One entry per worker process: its env on top of the common one (WORKER_QUEUES, the partners' URLs …). */
  workers: (sandboxes: Sandboxes, icims: IcimsSandbox) => Array<Record<string, string>>;
  /** Extra env of ingest (e.g. DEDUP_WINDOW_SECONDS). */
  ingestEnv?: Record<string, string>;
  /** Bound on each process's "ready" (several processes start at once on a shared machine). */
  readyTimeoutMs?: number;
  /** QUEUE_PARTITIONS of every process (default 1: the variable is not set). */
  partitions?: number;
  /** Partitions whose keys `stop()` deletes, when the test uses more than `partitions` (default `partitions`). */
  cleanupPartitions?: number;
}

export interface EndToEnd<Sandboxes> {
  prefix: string;
  icims: IcimsSandbox;
  sandboxes: Sandboxes;
  ingest: ServiceHandle;
  workers: ServiceHandle[];
  /** Basic credentials of tenant 1234 on ingest, and the password in them (to check logs). */
  inboundAuth: string;
  inboundPassword: string;
  connection: Redis;
  /** A producer for one queue of the contract, in `partition` (default 0: QUEUE_PREFIX), made once, closed by `stop`. */
  queue<K extends QueueKey>(key: K, partition?: number): ContractQueue<K>;
  /** An HTTP request to ingest. */
  send(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<{ status: number; text: string }>;
  /** The seed event (gzip, the seed's headers, tenant 1234's credentials), links at the iCIMS sandbox naming the event's own ids. */
  postEvent(overrides?: EventOverrides): Promise<{ status: number; text: string }>;
  /** The same, to another ingest process (one a test started itself with `env.ingest`). */
  postEventTo(ingestUrl: string, overrides?: EventOverrides): Promise<{ status: number; text: string }>;
  /** The env the ingest and worker processes were started with (for a test that starts more of them). */
  env: { ingest: Record<string, string>; worker: Record<string, string> };
  /** Sum of one counter over every worker's /metrics, for the series lines that contain every `labels` part (e.g. 'partner="<key>"'). */
  counter(name: string, ...labels: string[]): Promise<number>;
  stop(): Promise<void>;
}

export type EventOverrides = { systemId?: string; personId?: string; jobId?: string; userId?: string; oldStatus?: string; newStatus?: string };

export const DEFAULT_E2E_STATUS_MAPPING: Record<string, CanonicalStage> = { '1752': 'screening', '9782': 'interview', D10100: 'applied', '9820': 'rejected' };

export async function startEndToEnd<Sandboxes extends Record<string, { close(): Promise<void> }>>(options: EndToEndOptions<Sandboxes>): Promise<EndToEnd<Sandboxes>> {
  const prefix = uniquePrefix(options.name);
  const inboundPassword = `inbound-${options.name}-password`;
  const configDir = mkdtempSync(join(tmpdir(), `sb-${options.name}-`));
  const started: Array<{ close(): Promise<void> }> = [];
  const services: ServiceHandle[] = [];
  const queues = new Map<string, ContractQueue<QueueKey>>();
  const partitions = options.partitions ?? 1;
  let connection: Redis | undefined;

  const stop = async (): Promise<void> => {
    await Promise.all(services.map((service) => service.stop()));
    await Promise.all([...queues.values()].map((queue) => queue.close()));
    connection?.disconnect();
    await Promise.all(started.map((sandbox) => sandbox.close()));
    rmSync(configDir, { recursive: true, force: true });
    for (let partition = 0; partition < Math.max(partitions, options.cleanupPartitions ?? 0); partition++) await cleanupPrefix(TEST_REDIS_URL, partitionPrefix(prefix, partition));
  };

  try {
    const icims = await startIcims();
    started.push(icims);
    const sandboxes = {} as Sandboxes;
    for (const [key, start] of Object.entries(options.sandboxes) as Array<[keyof Sandboxes, () => Promise<Sandboxes[keyof Sandboxes]>]>) {
      sandboxes[key] = await start();
      started.push(sandboxes[key]);
    }
    const tenantsFile = join(configDir, 'tenants.json');
    writeFileSync(
      tenantsFile,
      JSON.stringify({
        tenants: {
          '1234': {
            inbound: { basic: { username: 'icims-1234', passwordEnv: 'E2E_INBOUND_PASSWORD' } },
            icims: { auth: { type: 'oauth', clientId: SANDBOX_ICIMS_CLIENT.clientId, clientSecretEnv: 'E2E_ICIMS_SECRET' } },
            statusMapping: options.statusMapping ?? DEFAULT_E2E_STATUS_MAPPING,
            ...options.partnerSections(sandboxes),
          },
        },
      }),
    );
    const env = {
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      CONFIG_FILE: tenantsFile,
      E2E_INBOUND_PASSWORD: inboundPassword,
      E2E_ICIMS_SECRET: SANDBOX_ICIMS_CLIENT.clientSecret,
      SHUTDOWN_TIMEOUT_MS: '5000',
      ...(options.partitions !== undefined ? { QUEUE_PARTITIONS: String(options.partitions) } : {}),
      ...options.secrets,
    };
    const workerEnv = {
      ...env,
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      RETRY_BASE_DELAY_MS: '50',
      RETRY_MAX_DELAY_MS: '200',
      ICIMS_API_BASE_URL: icims.url,
      ICIMS_TOKEN_URL: icims.tokenUrl,
    };
    const timeoutMs = options.readyTimeoutMs ?? 40_000;
    const specs: Array<[string, Record<string, string>]> = [
      // Ingest checks event links against the same origin the worker calls.
      ['apps/ingest/src/main.ts', { ...env, PORT: '0', HOST: '127.0.0.1', ICIMS_API_BASE_URL: icims.url, ...options.ingestEnv }],
      ...options.workers(sandboxes, icims).map((own): [string, Record<string, string>] => ['apps/worker/src/main.ts', { ...workerEnv, ...own }]),
    ];
    // Every process is awaited, so one that fails to start leaves none of the others running.
    const settled = await Promise.allSettled(specs.map(([entry, processEnv]) => spawnService(entry, processEnv, { timeoutMs })));
    for (const result of settled) if (result.status === 'fulfilled') services.push(result.value);
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    const handles = services;
    const [ingest, ...workers] = handles;
    connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    const redis = connection;
    const inboundAuth = basicAuth('icims-1234', inboundPassword);

    const sendTo = (baseUrl: string, method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<{ status: number; text: string }> =>
      new Promise((resolve, reject) => {
        const req = http.request(`${baseUrl}${path}`, { method, headers, agent: false }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const send = (method: string, path: string, headers: Record<string, string>, body?: Buffer | string) => sendTo(ingest.url, method, path, headers, body);
    const postEventTo = (ingestUrl: string, overrides: EventOverrides = {}) => {
      const ids = { systemId: '2203', personId: '1364', jobId: '1242', userId: '3', ...overrides };
      const base = `${icims.url}/customers/1234`;
      const links = [
        { title: 'Applicant Workflow', rel: 'applicantWorkflow', url: `${base}/applicantworkflows/${ids.systemId}` },
        { title: 'Job Profile', rel: 'job', url: `${base}/jobs/${ids.jobId}` },
        { title: 'Person Profile', rel: 'person', url: `${base}/people/${ids.personId}` },
        { title: 'Posting User', rel: 'user', url: `${base}/people/${ids.userId}` },
      ];
      const body = gzipped(eventJson({ ...overrides, links }));
      return sendTo(ingestUrl, 'POST', '/icims/events', { ...seedHeaders(body), Authorization: inboundAuth }, body);
    };

    return {
      prefix,
      icims,
      sandboxes,
      ingest,
      workers,
      inboundAuth,
      inboundPassword,
      connection: redis,
      queue<K extends QueueKey>(key: K, partition = 0): ContractQueue<K> {
        const id = `${partition}/${key}`;
        if (!queues.has(id)) queues.set(id, createQueue(key, redis, partitionPrefix(prefix, partition)) as unknown as ContractQueue<QueueKey>);
        return queues.get(id) as unknown as ContractQueue<K>;
      },
      send,
      postEvent: (overrides = {}) => postEventTo(ingest.url, overrides),
      postEventTo,
      env: { ingest: specs[0][1], worker: workerEnv },
      async counter(name, ...labels) {
        const texts = await Promise.all(workers.map(async (worker) => (await fetch(`${worker.url}/metrics`)).text()));
        return texts
          .flatMap((text) => text.split('\n'))
          .filter((line) => line.startsWith(`${name}{`) && labels.every((label) => line.includes(label)))
          .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
