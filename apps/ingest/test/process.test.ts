import http from 'node:http';
import { cleanupPrefix, eventJson, gzipped, SEED_EVENT, SEED_EVENT_JSON, seedHeaders, sleep, spawnService, startRedisServer, TEST_REDIS_URL, uniquePrefix, type ServiceHandle } from '@status-bridge/testing';
import { allJobs, AUTH, enrichQueue, ingestEnv, request, SECRETS, writeTenantsFile } from './helpers';

/** The ingest process as operators run it: a child process, env-only configuration, signals. */
const prefix = uniquePrefix('ingest-process');
const queue = enrichQueue(TEST_REDIS_URL, prefix);
const tenantsFile = writeTenantsFile();
const env = ingestEnv({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, CONFIG_FILE: tenantsFile });
const ENTRY = 'apps/ingest/src/main.ts';
const started: ServiceHandle[] = [];

async function start(overrides: Record<string, string> = {}): Promise<ServiceHandle> {
  const service = await spawnService(ENTRY, { ...env, ...overrides });
  started.push(service);
  return service;
}

afterAll(async () => {
  await Promise.all(started.map((service) => service.stop('SIGKILL')));
  await queue.close();
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

/** Sends the seed request exactly as iCIMS does: gzip body, Link header, Apache HttpClient agent, Connection: close. */
function sendSeed(url: string) {
  const body = gzipped(SEED_EVENT_JSON);
  return request(url, { path: '/icims/events', body, headers: { ...seedHeaders(body), Host: 'dummyserver.icims.com', Authorization: AUTH.tenant1234 } });
}

it("accepts the seed's example request once, and a re-send leaves one job", async () => {
  // The recruiter-facing confirmation is configurable (e.g. in the recruiters' language).
  const ingest = await start({ INGEST_ACCEPTED_MESSAGE: 'Statusänderung empfangen: wird an die Jobbörsen übermittelt.' });
  const first = await sendSeed(ingest.url);
  expect(first.status).toBe(200);
  expect(first.json).toEqual({ userMessage: 'Statusänderung empfangen: wird an die Jobbörsen übermittelt.', code: 200 });
  const again = await sendSeed(ingest.url);
  expect(again.status).toBe(200);
  expect(again.json).toEqual(first.json);
  const jobs = await allJobs(queue);
  expect(jobs).toHaveLength(1);
  expect(jobs[0].data.event).toEqual(SEED_EVENT);
  expect(jobs[0].data.tenantId).toBe('1234');
  expect(await ingest.stop('SIGTERM')).toBe(0);
  // The logs carry ids, never the Authorization value or a secret.
  const output = ingest.lines.join('\n');
  expect(output).toContain('"event accepted"');
  expect(output).toContain('"event deduplicated"');
  expect(output).not.toContain(AUTH.tenant1234.slice(6));
  for (const secret of Object.values(SECRETS)) expect(output).not.toContain(secret);
});

it('finishes a request in flight on SIGTERM, then exits 0', async () => {
  const ingest = await start();
  const body = Buffer.from(eventJson({ systemId: '880001' }));
  const half = Math.floor(body.length / 2);
  let status = 0;
  let aliveAfterSignal: boolean | undefined;
  const answered = new Promise<string>((resolve, reject) => {
    const req = http.request(`${ingest.url}/icims/events`, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', 'content-length': String(body.length), authorization: AUTH.tenant1234 },
    }, (res) => {
      status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    });
    req.on('error', reject);
    req.write(body.subarray(0, half));
    // The server now holds a request whose body is half read. Signal, check it is still waiting, finish.
    void (async () => {
      await sleep(300);
      ingest.process.kill('SIGTERM');
      await sleep(500);
      aliveAfterSignal = ingest.process.exitCode === null && ingest.process.signalCode === null;
      req.end(body.subarray(half));
    })();
  });
  const text = await answered;
  expect(aliveAfterSignal).toBe(true);
  expect(status).toBe(200);
  expect(JSON.parse(text).code).toBe(200);
  expect(await ingest.exited).toBe(0);
  expect((await allJobs(queue)).some((job) => job.data.event.systemId === '880001')).toBe(true);
  const messages = ingest.logs().map((entry) => entry.message);
  expect(messages.indexOf('shutting down')).toBeLessThan(messages.indexOf('event accepted'));
  // New connections are refused once shutdown began.
  await expect(request(ingest.url, { method: 'GET', path: '/healthz' })).rejects.toThrow();
});

it('refuses to start with a message naming the variable when configuration is bad', async () => {
  // Exit 78 (EX_CONFIG) and one JSON line: {"level":"error","message":"invalid configuration: INGEST_TOKEN_SECRET …"}
  await expect(spawnService(ENTRY, { ...env, INGEST_TOKEN_SECRET: 'short' }, { timeoutMs: 15_000 })).rejects.toThrow(
    /exited with 78 before ready\. Output:\n\{.*"message":"invalid configuration: INGEST_TOKEN_SECRET must NOT have fewer than 32 characters[^\n]*\}$/,
  );
  await expect(spawnService(ENTRY, { ...env, INGEST_TOKEN_SECRET: '' }, { timeoutMs: 15_000 })).rejects.toThrow(/INGEST_TOKEN_SECRET is not set/);
  await expect(spawnService(ENTRY, { ...env, PORT: 'eighty' }, { timeoutMs: 15_000 })).rejects.toThrow(/PORT/);
});

it('warns about a Redis that may evict jobs, and refuses it with REDIS_UNSAFE_CONFIG=refuse (exit 78)', async () => {
  const lru = await startRedisServer({ maxmemoryPolicy: 'allkeys-lru' });
  try {
    await expect(spawnService(ENTRY, { ...env, REDIS_URL: lru.url, REDIS_UNSAFE_CONFIG: 'refuse' }, { timeoutMs: 15_000 })).rejects.toThrow(
      /exited with 78 before ready[\s\S]*REDIS_UNSAFE_CONFIG=refuse and the Redis at REDIS_URL is unsafe for queues: maxmemory-policy is allkeys-lru/,
    );
    const warned = await start({ REDIS_URL: lru.url });
    expect(warned.logs()).toContainEqual(expect.objectContaining({ level: 'error', setting: 'maxmemory-policy', value: 'allkeys-lru', message: expect.stringContaining('set maxmemory-policy noeviction') }));
    expect(await warned.stop('SIGTERM')).toBe(0);
  } finally {
    await lru.stop(true);
  }
});
