import { gzipSync, deflateSync } from 'node:zlib';
import { cleanupPrefix, eventJson, gzipped, seedEvent, TEST_REDIS_URL, uniquePrefix, waitFor } from '@status-bridge/testing';
import { loadIngestConfig } from '../src/config';
import { startIngest, type RunningIngest } from '../src/server';
import { allJobs, AUTH, captureLogger, enrichQueue, EU_API_BASE_URL, ingestEnv, postEvent, request, SECRETS, writeTenantsFile } from './helpers';

/** POST /icims/events and POST /oauth/token through real HTTP and the shared real Redis. */
const prefix = uniquePrefix('ingest-events');
const queue = enrichQueue(TEST_REDIS_URL, prefix);
const { logger, lines } = captureLogger();
let ingest: RunningIngest;
let url: string;
let systemCounter = 700_000;

/** A fresh workflow id per test, so deduplication never joins two tests' events. */
const nextSystemId = (): string => String((systemCounter += 1));

beforeAll(async () => {
  const config = loadIngestConfig(ingestEnv({ REDIS_URL: TEST_REDIS_URL, QUEUE_PREFIX: prefix, CONFIG_FILE: writeTenantsFile(), INGEST_BODY_LIMIT_BYTES: '4096' }));
  ingest = await startIngest(config, logger);
  url = ingest.url;
});

afterAll(async () => {
  await ingest.stop();
  await queue.close();
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

async function jobsFor(systemId: string) {
  return (await allJobs(queue)).filter((job) => job.data.event.systemId === systemId);
}

describe('accepting an event', () => {
  it('answers 200 with a userMessage and stores one enrich job with the known fields only', async () => {
    const systemId = nextSystemId();
    const answer = await postEvent(url, gzipped(eventJson({ systemId, surpriseField: { nested: true } })), { authorization: AUTH.tenant1234, 'content-encoding': 'gzip' });
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ userMessage: expect.stringMatching(/received/), code: 200 });
    const jobs = await jobsFor(systemId);
    expect(jobs).toHaveLength(1);
    const [job] = jobs;
    expect(job.name).toBe('enrich-status-change');
    expect(job.id).toMatch(new RegExp(`^c1234-w${systemId}-1752-9782-`));
    expect(job.data.tenantId).toBe('1234');
    expect(job.data.requestId).toBe(answer.headers['x-request-id']);
    expect(Date.parse(job.data.receivedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(job.data.event).toEqual(seedEvent({ systemId }));
    expect(job.data.event).not.toHaveProperty('surpriseField');
  });

  it('accepts plain JSON, deflate (zlib and raw) and a charset parameter', async () => {
    const cases: Array<[string, (text: string) => Buffer, Record<string, string>]> = [
      ['plain', (text) => Buffer.from(text), {}],
      ['deflate', (text) => deflateSync(text), { 'content-encoding': 'deflate' }],
      ['raw deflate', (text) => require('node:zlib').deflateRawSync(text), { 'content-encoding': 'deflate' }],
      ['charset', (text) => Buffer.from(text), { 'content-type': 'application/json; charset=UTF-8' }],
    ];
    for (const [label, encode, headers] of cases) {
      const systemId = nextSystemId();
      const answer = await postEvent(url, encode(eventJson({ systemId })), { authorization: AUTH.tenant1234, ...headers });
      expect({ label, status: answer.status }).toEqual({ label, status: 200 });
      expect(await jobsFor(systemId)).toHaveLength(1);
    }
  });

  it('collapses a duplicate inside the window into one job and answers the same 200', async () => {
    const systemId = nextSystemId();
    const body = gzipped(eventJson({ systemId }));
    const first = await postEvent(url, body, { authorization: AUTH.tenant1234, 'content-encoding': 'gzip' });
    const again = await postEvent(url, body, { authorization: AUTH.tenant1234, 'content-encoding': 'gzip' });
    // Same transition, the other way round, is a different event.
    const back = await postEvent(url, eventJson({ systemId, oldStatus: '9782', newStatus: '1752' }), { authorization: AUTH.tenant1234 });
    expect([first.status, again.status, back.status]).toEqual([200, 200, 200]);
    expect(again.text).toBe(first.text);
    const jobs = await jobsFor(systemId);
    expect(jobs.map((job) => `${job.data.event.oldStatus}>${job.data.event.newStatus}`).sort()).toEqual(['1752>9782', '9782>1752']);
    // The second POST was answered from the existing job: BullMQ returned the first job's id.
    const dedupLine = lines.map((line) => JSON.parse(line)).find((entry) => entry.message === 'event deduplicated' && entry.systemId === systemId);
    expect(dedupLine?.jobId).toBe(jobs.find((job) => job.data.event.newStatus === '9782')?.id);
  });

  it('admits a tenant without its own credentials with the partner-wide default', async () => {
    const systemId = nextSystemId();
    const answer = await postEvent(url, eventJson({ customerId: '9999', systemId }), { authorization: AUTH.defaults });
    expect(answer.status).toBe(200);
    expect((await jobsFor(systemId))[0]?.data.tenantId).toBe('9999');
  });
});

describe('authentication', () => {
  const cases: Array<[string, Record<string, string>, string?]> = [
    ['no Authorization header', {}],
    ['an unknown scheme', { authorization: 'Digest username="x"' }],
    ['malformed Basic', { authorization: 'Basic !!!not-base64' }],
    ['Basic without a colon', { authorization: `Basic ${Buffer.from('nocolon').toString('base64')}` }],
    ['a wrong password', { authorization: AUTH.wrongPassword }],
    ["another tenant's Basic credentials", { authorization: AUTH.tenant5678 }],
    ['the default credentials for a tenant that has its own', { authorization: AUTH.defaults }],
    ['a forged Bearer token', { authorization: 'Bearer sb1.eyJjaWQiOiJ4In0.AAAA' }],
    ['a Bearer token that is not ours', { authorization: 'Bearer abc.def.ghi' }],
  ];
  it.each(cases)('answers 401 with a userMessage for %s, and stores nothing', async (_label, headers) => {
    const systemId = nextSystemId();
    const answer = await postEvent(url, eventJson({ systemId }), headers);
    expect(answer.status).toBe(401);
    expect(answer.headers['www-authenticate']).toMatch(/Basic/);
    expect(answer.json.error.userMessage).toMatch(/credentials/);
    expect(await jobsFor(systemId)).toHaveLength(0);
  });

  it('refuses a missing Authorization header before reading the body', async () => {
    // A declared but never sent body: only an answer given before reading it can arrive.
    const answer = await new Promise<number>((resolve, reject) => {
      const req = require('node:http').request(`${url}/icims/events`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '1000' } }, (res: { statusCode: number; resume(): void }) => {
        res.resume();
        resolve(res.statusCode);
        req.destroy();
      });
      req.on('error', reject);
      req.write('{');
    });
    expect(answer).toBe(401);
  });
});

describe('OAuth token endpoint and Bearer events', () => {
  const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();
  const tokenRequest = (body: string, headers: Record<string, string>) => request(url, { path: '/oauth/token', body, headers: { 'content-length': String(Buffer.byteLength(body)), ...headers } });
  const clientBasic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

  it('issues a Bearer token with client_secret_post (form), client_secret_basic and JSON', async () => {
    const answers = await Promise.all([
      tokenRequest(form({ grant_type: 'client_credentials', client_id: 'icims-1234', client_secret: SECRETS.SB_TEST_1234_CLIENT_SECRET }), { 'content-type': 'application/x-www-form-urlencoded' }),
      tokenRequest(form({ grant_type: 'client_credentials' }), { 'content-type': 'application/x-www-form-urlencoded', authorization: clientBasic('icims-1234', SECRETS.SB_TEST_1234_CLIENT_SECRET) }),
      tokenRequest(JSON.stringify({ grant_type: 'client_credentials', client_id: 'icims-1234', client_secret: SECRETS.SB_TEST_1234_CLIENT_SECRET }), { 'content-type': 'application/json' }),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(answer.json).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600 });
    }
    const systemId = nextSystemId();
    const event = await postEvent(url, eventJson({ systemId }), { authorization: `Bearer ${answers[0].json.access_token}` });
    expect(event.status).toBe(200);
    expect(await jobsFor(systemId)).toHaveLength(1);
  });

  it("never admits another customer's events with a token, nor a default-client token for a tenant with its own", async () => {
    const mine = await tokenRequest(form({ grant_type: 'client_credentials', client_id: 'icims-5678', client_secret: SECRETS.SB_TEST_5678_CLIENT_SECRET }), { 'content-type': 'application/x-www-form-urlencoded' });
    const defaults = await tokenRequest(form({ grant_type: 'client_credentials', client_id: 'icims-default', client_secret: SECRETS.SB_TEST_DEFAULT_CLIENT_SECRET }), { 'content-type': 'application/x-www-form-urlencoded' });
    const systemId = nextSystemId();
    const crossTenant = await postEvent(url, eventJson({ systemId }), { authorization: `Bearer ${mine.json.access_token}` });
    const defaultFor1234 = await postEvent(url, eventJson({ systemId }), { authorization: `Bearer ${defaults.json.access_token}` });
    const defaultFor9999 = await postEvent(url, eventJson({ customerId: '9999', systemId }), { authorization: `Bearer ${defaults.json.access_token}` });
    expect([crossTenant.status, defaultFor1234.status, defaultFor9999.status]).toEqual([401, 401, 200]);
    expect((await jobsFor(systemId)).map((job) => job.data.tenantId)).toEqual(['9999']);
  });

  it('answers RFC 6749 errors: bad secret, unknown client, no client, wrong or missing grant_type, both methods', async () => {
    const formType = { 'content-type': 'application/x-www-form-urlencoded' };
    const good = { client_id: 'icims-1234', client_secret: SECRETS.SB_TEST_1234_CLIENT_SECRET };
    const cases: Array<[string, Promise<{ status: number; json: any }>, number, string]> = [
      ['bad secret', tokenRequest(form({ grant_type: 'client_credentials', client_id: 'icims-1234', client_secret: 'wrong' }), formType), 401, 'invalid_client'],
      ["another client's secret", tokenRequest(form({ grant_type: 'client_credentials', client_id: 'icims-1234', client_secret: SECRETS.SB_TEST_5678_CLIENT_SECRET }), formType), 401, 'invalid_client'],
      ['unknown client', tokenRequest(form({ grant_type: 'client_credentials', client_id: 'nobody', client_secret: 'x' }), formType), 401, 'invalid_client'],
      ['bad Basic secret', tokenRequest(form({ grant_type: 'client_credentials' }), { ...formType, authorization: clientBasic('icims-1234', 'wrong') }), 401, 'invalid_client'],
      ['no client', tokenRequest(form({ grant_type: 'client_credentials' }), formType), 401, 'invalid_client'],
      ['wrong grant_type', tokenRequest(form({ grant_type: 'password', ...good }), formType), 400, 'unsupported_grant_type'],
      ['missing grant_type', tokenRequest(form(good), formType), 400, 'invalid_request'],
      ['both methods', tokenRequest(form({ grant_type: 'client_credentials', ...good }), { ...formType, authorization: clientBasic('icims-1234', SECRETS.SB_TEST_1234_CLIENT_SECRET) }), 400, 'invalid_request'],
    ];
    for (const [label, pending, status, error] of cases) {
      const answer = await pending;
      expect({ label, status: answer.status, error: answer.json?.error }).toEqual({ label, status, error });
    }
  });

  it('refuses an expired token with 401', async () => {
    const { AccessTokens } = await import('../src/auth/token');
    // Same secret as the server, issued two hours ago with a one-hour lifetime.
    const { TOKEN_SECRET } = await import('./helpers');
    const old = new AccessTokens(TOKEN_SECRET, 3600, () => Date.now() - 2 * 3600_000).issue('icims-1234', ['1234']);
    const fresh = new AccessTokens(TOKEN_SECRET, 3600).issue('icims-1234', ['1234']);
    const systemId = nextSystemId();
    const expired = await postEvent(url, eventJson({ systemId }), { authorization: `Bearer ${old.accessToken}` });
    expect(expired.status).toBe(401);
    expect(await jobsFor(systemId)).toHaveLength(0);
    // The control: the same claims, unexpired, are admitted.
    expect((await postEvent(url, eventJson({ systemId }), { authorization: `Bearer ${fresh.accessToken}` })).status).toBe(200);
  });
});

describe('rejected requests', () => {
  it('answers 400 "not set up" for an unknown customerId with valid credentials, 401 without', async () => {
    const systemId = nextSystemId();
    const known = await postEvent(url, eventJson({ customerId: '4242', systemId }), { authorization: AUTH.defaults });
    const stranger = await postEvent(url, eventJson({ customerId: '4242', systemId }), { authorization: AUTH.wrongPassword });
    expect(known.status).toBe(400);
    expect(known.json.error.userMessage).toMatch(/not set up for this iCIMS customer/);
    expect(known.json.error.debugErrorMessage).toMatch(/tenants file/);
    expect(stranger.status).toBe(401);
  });

  it('answers 415 for another content type or content coding', async () => {
    const cases: Array<Record<string, string>> = [
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'application/json', 'content-encoding': 'br' },
    ];
    for (const headers of cases) {
      const answer = await postEvent(url, eventJson({ systemId: nextSystemId() }), { authorization: AUTH.tenant1234, ...headers });
      expect(answer.status).toBe(415);
      expect(answer.json.error.userMessage).toMatch(/format/);
    }
    const noType = await request(url, { path: '/icims/events', body: eventJson(), headers: { authorization: AUTH.tenant1234 } });
    expect(noType.status).toBe(415);
  });

  it('answers 413 above the limit: declared, streamed (chunked) and inflated (gzip bomb)', async () => {
    const big = eventJson({ systemId: nextSystemId(), padding: 'x'.repeat(5000) });
    const declared = await postEvent(url, big, { authorization: AUTH.tenant1234 });
    const chunked = await request(url, { path: '/icims/events', body: big, headers: { authorization: AUTH.tenant1234, 'content-type': 'application/json', 'transfer-encoding': 'chunked' } });
    // 1 MB of zeros gzips to about 1 KB: under the 4 KiB limit as sent, far over it inflated.
    const bomb = gzipSync(Buffer.alloc(1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(4096);
    const inflated = await postEvent(url, bomb, { authorization: AUTH.tenant1234, 'content-encoding': 'gzip' });
    for (const answer of [declared, chunked, inflated]) {
      expect(answer.status).toBe(413);
      expect(answer.json.error.userMessage).toMatch(/larger than/);
    }
  });

  it('answers 400 for a body that does not inflate or parse', async () => {
    const broken = gzipped(eventJson()).subarray(0, 40);
    const cases: Array<[Buffer | string, Record<string, string>, RegExp]> = [
      [broken, { 'content-encoding': 'gzip' }, /decompressed/],
      [Buffer.from('not gzip at all'), { 'content-encoding': 'gzip' }, /decompressed/],
      [Buffer.from('not deflate'), { 'content-encoding': 'deflate' }, /decompressed/],
      ['{"customerId": "1234",', {}, /not valid JSON/],
      ['', {}, /not valid JSON/],
    ];
    for (const [body, headers, message] of cases) {
      const answer = await postEvent(url, body, { authorization: AUTH.tenant1234, ...headers });
      expect(answer.status).toBe(400);
      expect(answer.json.error.userMessage).toMatch(message);
    }
  });

  it('answers 400 naming the field at fault, and "unsupported" for another event type', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ newStatus: undefined }, /new status \(newStatus\) is missing/],
      [{ oldStatus: '' }, /previous status \(oldStatus\) in the iCIMS event is not valid/],
      [{ newStatus: 'a:b' }, /new status \(newStatus\)/],
      [{ personId: 1364 }, /candidate's system ID \(personId\)/],
      [{ systemId: '22a3' }, /Workflow System ID\) \(systemId\)/],
      [{ links: [{ title: 'x', rel: 'job' }] }, /links\[0\]\.url/],
      [{ eventType: 'ApplicationCompleteEvent', systemId: undefined }, /only handles candidate status changes/],
    ];
    for (const [overrides, message] of cases) {
      const answer = await postEvent(url, eventJson({ systemId: nextSystemId(), ...overrides }), { authorization: AUTH.tenant1234 });
      expect({ overrides, status: answer.status }).toEqual({ overrides, status: 400 });
      expect(answer.json.error.userMessage).toMatch(message);
      expect(answer.json.error.debugErrorMessage).toEqual(expect.any(String));
    }
    const noCustomer = await postEvent(url, eventJson({ customerId: undefined }), { authorization: AUTH.tenant1234 });
    expect(noCustomer.status).toBe(400);
    expect(noCustomer.json.error.userMessage).toMatch(/customer ID \(customerId\) is missing/);
    const notObject = await postEvent(url, '[1,2]', { authorization: AUTH.tenant1234 });
    expect(notObject.status).toBe(400);
  });
});

describe('event links, checked at ingest with the worker allow-list', () => {
  /** The seed event for a fresh workflow, its person link replaced. */
  const withPersonLink = (systemId: string, url: string) => {
    const event = seedEvent({ systemId });
    return JSON.stringify({ ...event, links: (event.links as Array<{ rel: string; url: string }>).map((link) => (link.rel === 'person' ? { ...link, url } : link)) });
  };
  const refused: Array<[string, string, RegExp]> = [
    ['another host', 'https://evil.example.com/customers/1234/people/1364', /points to evil\.example\.com, not to this customer's iCIMS API \(api\.icims\.com\)/],
    ["the EU host for a US customer", 'https://api-eu.icims.com/customers/1234/people/1364', /points to api-eu\.icims\.com/],
    ['another customer', 'https://api.icims.com/customers/5678/people/1364', /another iCIMS customer's records, not to customer 1234/],
    ['a path with ..', 'https://api.icims.com/customers/1234/people/../../customers/5678/people/1364', /not a plain iCIMS record address/],
    ['%2E%2e', 'https://api.icims.com/customers/1234/%2E%2e/5678/people/1364', /not a plain iCIMS record address/],
    ['userinfo with a password', 'https://integration:s3cret-pw@api.icims.com/customers/1234/people/1364', /user name or password/],
    ['a query string', 'https://api.icims.com/customers/1234/people/1364?fields=ssn', /query string/],
    ['another person', 'https://api.icims.com/customers/1234/people/1365', /names person 1365, but the event is for person 1364 \(personId\)/],
  ];
  it.each(refused)('answers 400 naming the link for %s, and enqueues nothing', async (_label, link, why) => {
    const systemId = nextSystemId();
    const answer = await postEvent(url, withPersonLink(systemId, link), { authorization: AUTH.tenant1234 });
    expect(answer.status).toBe(400);
    expect(answer.json.error.userMessage).toMatch(/^The status change could not be sent: the event's link "Person Profile" \(person\) was refused because /);
    expect(answer.json.error.userMessage).toMatch(why);
    expect(answer.json.error.debugErrorMessage).toMatch(/^links\[2\]\.url refused by the link allow-list/);
    // Never a credential, in either message.
    expect(answer.text).not.toContain('s3cret-pw');
    expect(await jobsFor(systemId)).toHaveLength(0);
  });

  /** The seed event for a fresh workflow, its user ("Posting User") link replaced. */
  const withUserLink = (systemId: string, url: string) => {
    const event = seedEvent({ systemId });
    return JSON.stringify({ ...event, links: (event.links as Array<{ rel: string; url: string }>).map((link) => (link.rel === 'user' ? { ...link, url } : link)) });
  };
  const refusedUser: Array<[string, string, RegExp]> = [
    ['another host', 'https://evil.example.com/customers/1234/people/3', /points to evil\.example\.com, not to this customer's iCIMS API \(api\.icims\.com\)/],
    ['another customer', 'https://api.icims.com/customers/5678/people/3', /another iCIMS customer's records, not to customer 1234/],
    ['a path with ..', 'https://api.icims.com/customers/1234/people/../jobs/3', /not a plain iCIMS record address/],
    ['a job instead of a person', 'https://api.icims.com/customers/1234/jobs/3', /does not point to a user record/],
    ['another user', 'https://api.icims.com/customers/1234/people/4', /names user 4, but the event is for user 3 \(userId\)/],
  ];
  it.each(refusedUser)('the user link too (the worker reads the acting user): 400 for %s, nothing enqueued', async (_label, link, why) => {
    const systemId = nextSystemId();
    const answer = await postEvent(url, withUserLink(systemId, link), { authorization: AUTH.tenant1234 });
    expect(answer.status).toBe(400);
    expect(answer.json.error.userMessage).toMatch(/^The status change could not be sent: the event's link "Posting User" \(user\) was refused because /);
    expect(answer.json.error.userMessage).toMatch(why);
    expect(answer.json.error.debugErrorMessage).toMatch(/^links\[3\]\.url refused by the link allow-list/);
    expect(await jobsFor(systemId)).toHaveLength(0);
  });

  it('accepts an event without a user link, and one whose userId is too long for a URL (the acting user is optional)', async () => {
    const [without, long] = [nextSystemId(), nextSystemId()];
    const noUserLink = seedEvent({ systemId: without });
    const a = await postEvent(url, JSON.stringify({ ...noUserLink, links: (noUserLink.links as Array<{ rel: string }>).filter((link) => link.rel !== 'user') }), { authorization: AUTH.tenant1234 });
    const longUser = seedEvent({ systemId: long, userId: '1'.repeat(19) });
    const b = await postEvent(url, JSON.stringify({ ...longUser, links: (longUser.links as Array<{ rel: string }>).filter((link) => link.rel !== 'user') }), { authorization: AUTH.tenant1234 });
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(await jobsFor(without)).toHaveLength(1);
    expect(await jobsFor(long)).toHaveLength(1);
  });

  it("checks a tenant's links against its own apiBaseUrl", async () => {
    const [eu, us] = [nextSystemId(), nextSystemId()];
    const atEu = await postEvent(url, eventJson({ customerId: '8888', systemId: eu }, EU_API_BASE_URL), { authorization: AUTH.defaults });
    const atUs = await postEvent(url, eventJson({ customerId: '8888', systemId: us }), { authorization: AUTH.defaults });
    expect([atEu.status, atUs.status]).toEqual([200, 400]);
    expect(atUs.json.error.userMessage).toMatch(/not to this customer's iCIMS API \(api-eu\.icims\.com\)/);
    expect((await jobsFor(eu)).length + (await jobsFor(us)).length).toBe(1);
  });

  it('answers 400 for an id the worker could not build a URL from (19 digits, no link)', async () => {
    const answer = await postEvent(url, eventJson({ systemId: nextSystemId(), personId: '1'.repeat(19), links: [] }), { authorization: AUTH.tenant1234 });
    expect(answer.status).toBe(400);
    expect(answer.json.error.userMessage).toMatch(/candidate's system ID \(personId\) is longer than 18 digits/);
  });
});

describe('health, readiness, metrics and logs', () => {
  it('answers healthz and readyz while Redis answers', async () => {
    const health = await request(url, { method: 'GET', path: '/healthz' });
    const ready = await request(url, { method: 'GET', path: '/readyz' });
    expect(health.status).toBe(200);
    expect(ready.status).toBe(200);
    expect(ready.json).toEqual({ status: 'ready', redis: true, shuttingDown: false });
  });

  it('exports requests by outcome, latency and enqueue failures', async () => {
    const metrics = await request(url, { method: 'GET', path: '/metrics' });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/status_bridge_ingest_requests_total\{route="icims_events",outcome="accepted",service="ingest"\} [1-9]/);
    expect(metrics.text).toMatch(/status_bridge_ingest_requests_total\{route="icims_events",outcome="unauthorized",service="ingest"\} [1-9]/);
    expect(metrics.text).toMatch(/status_bridge_ingest_request_duration_seconds_count\{[^}]*route="icims_events"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/# TYPE status_bridge_ingest_enqueue_failures_total counter/);
  });

  it('logs request id, customerId, systemId and job id, and never a credential or a body', async () => {
    await waitFor(() => lines.some((line) => line.includes('"event accepted"')));
    const accepted = lines.map((line) => JSON.parse(line)).filter((entry) => entry.message === 'event accepted');
    expect(accepted[0]).toEqual(expect.objectContaining({ requestId: expect.any(String), customerId: '1234', systemId: expect.any(String), jobId: expect.any(String) }));
    const everything = lines.join('\n');
    const forbidden = [...Object.values(SECRETS), ...Object.values(AUTH).map((header) => header.slice(6)), 'sb1.', 'applicantworkflows', 'Applicant Workflow'];
    for (const value of forbidden) expect(everything).not.toContain(value);
  });
});
