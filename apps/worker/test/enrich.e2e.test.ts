import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Job } from 'bullmq';
import { deliveryJobId } from '@status-bridge/core';
import { type SeekDeliveryJob } from '@status-bridge/seek';
import { type StepStoneDeliveryJob } from '@status-bridge/stepstone';
import { seekIdempotencyId } from '@status-bridge/seek';
import { AtsiApplicationIdStore } from '@status-bridge/stepstone';
import { SEED_ATSI_APPLICATION_ID, SEED_POSITION_PROFILE_ID } from '@status-bridge/sandbox/src/icims';
import { basicAuth, gzipped, SEED_EVENT_JSON, SEED_LINK_HEADER, seedHeaders, spawnService, waitFor, type ServiceHandle } from '@status-bridge/testing';
import { SECRETS, seedEvent, startHarness, type Harness } from './enrich-harness';

/**
 * The enrichment worker end to end: a worker child process, the iCIMS sandbox over HTTP, real
 * Redis. Each test uses its own workflow/transition so jobs do not collide.
 */
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness('enrich-e2e');
}, 30_000);

afterAll(async () => {
  await harness?.close();
});

async function metricValue(name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${harness.workers[0].url}/metrics`)).text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text.split('\n').find((row) => row.startsWith(`${name}{`) && wanted.every((part) => row.includes(part)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('enrich: the seed event', () => {
  it('produces one StatusChange with the right candidate, job, stage and AtsiApplicationId, and both delivery jobs', async () => {
    harness.sandbox.requests.length = 0;
    const event = seedEvent(harness.sandbox.url);
    const jobId = await harness.enqueue(event);
    expect(await harness.waitForState('enrich', jobId, ['completed', 'failed'])).toBe('completed');

    const stepstone = (await harness.queues.stepstone.getJob(deliveryJobId(jobId, 'stepstone'))) as Job<StepStoneDeliveryJob>;
    const seek = (await harness.queues.seek.getJob(deliveryJobId(jobId, 'seek'))) as Job<SeekDeliveryJob>;
    expect(stepstone).toBeDefined();
    expect(seek).toBeDefined();
    const change = stepstone.data.statusChange;
    const enrichJob = (await harness.queues.enrich.getJob(jobId))!;
    expect(change).toMatchObject({
      tenantId: '1234',
      customerId: '1234',
      systemId: '2203',
      personId: '1364',
      jobId: '1242',
      userId: '3',
      oldStatus: { id: '1752', stage: 'screening' },
      newStatus: { id: '9782', stage: 'interview', name: 'Second Interview' },
      // The workflow still shows the event's status: this transition's time is the receive time
      // (no longer the workflow's updateddate, 09:41, which is the time of its latest change).
      occurredAt: enrichJob.data.receivedAt,
      order: { atMs: Date.parse(enrichJob.data.receivedAt), tiebreak: jobId },
      candidate: { formattedName: 'Jordan Sample', givenName: 'Jordan', familyName: 'Sample', email: 'jordan.sample@example.com', phone: '+61 400 000 001' },
      job: { title: 'Senior Software Engineer', location: 'Melbourne, VIC' },
      source: 'StepStone',
      enrichJobId: jobId,
    });
    expect(stepstone.data.stepstone).toEqual({ atsiApplicationId: SEED_ATSI_APPLICATION_ID, status: 'INTERVIEW' });
    expect(seek.data.statusChange).toEqual(change);
    expect(seek.data.seek).toEqual({
      idempotencyId: seekIdempotencyId({ tenantId: '1234', systemId: '2203', oldStatus: '1752', newStatus: '9782' }),
      statusCode: 'Interview',
      positionProfileId: SEED_POSITION_PROFILE_ID,
      sourceName: 'StepStone',
      // SEEK asks for the acting user: the event's userId 3, the seed's "Posting User".
      actor: { formattedName: 'Riley Recruiter', givenName: 'Riley', familyName: 'Recruiter', email: 'riley.recruiter@example.com' },
    });
    // StepStone names no actor: the StatusChange carries none.
    expect(JSON.stringify(stepstone.data)).not.toMatch(/Riley|Recruiter/);
    // The contract's options travel with jobs added through the flow producer.
    expect(stepstone.opts.attempts).toBe(35);
    expect(stepstone.name).toBe('stepstone-status');

    // Requests: fields= on every GET, bearer auth, one token; the user with name and email only.
    const api = harness.sandbox.state.apiRequests();
    expect(api.map((request) => request.path).sort()).toEqual(['/customers/1234/applicantworkflows/2203', '/customers/1234/jobs/1242', '/customers/1234/people/1364', '/customers/1234/people/3']);
    expect(api.find((request) => request.path === '/customers/1234/people/3')?.query.fields).toBe('firstname,lastname,email');
    expect(api.every((request) => request.auth === 'bearer' && request.query.fields !== undefined && request.answer === 200)).toBe(true);
    expect(api.find((request) => request.path.includes('/applicantworkflows/'))?.query.fields).toContain('field51234');
    expect(api.find((request) => request.path.includes('/jobs/'))?.query.fields).toContain('field61234');

    // The return value (shown in the dashboard) carries ids, no PII.
    const enrich = await harness.queues.enrich.getJob(jobId);
    expect(enrich?.returnvalue).toMatchObject({ enrichJobId: jobId, deliveries: { stepstone: deliveryJobId(jobId, 'stepstone'), seek: deliveryJobId(jobId, 'seek') } });
    expect(JSON.stringify(enrich?.returnvalue)).not.toMatch(/Jordan|Sample|Riley|Recruiter|example\.com|\+61/);
    expect(enrich?.returnvalue).toMatchObject({ icimsRequests: 4 });
  });

  it('retrying the enrichment or replaying the job id creates no second delivery', async () => {
    const event = seedEvent(harness.sandbox.url, { oldStatus: 'D10100' });
    const jobId = await harness.enqueue(event);
    await harness.waitForState('enrich', jobId, ['completed']);
    const first = await harness.queues.stepstone.getJob(deliveryJobId(jobId, 'stepstone'));
    const countsBefore = { stepstone: await harness.queues.stepstone.getJobCountByTypes('waiting', 'delayed', 'active'), seek: await harness.queues.seek.getJobCountByTypes('waiting', 'delayed', 'active') };

    // Run the same enrichment again (as a retry would) ...
    const enrich = await harness.queues.enrich.getJob(jobId);
    await enrich!.retry('completed');
    await waitFor(async () => (await harness.queues.enrich.getJob(jobId))?.finishedOn !== enrich!.finishedOn && (await harness.queues.enrich.getJob(jobId))?.finishedOn, { what: 're-run to finish' });
    expect(await harness.waitForState('enrich', jobId, ['completed'])).toBe('completed');
    // ... and replay the job id (a re-sent event that ingest maps to the same id).
    await harness.enqueue(event, { jobId });

    expect(await harness.queues.stepstone.getJobCountByTypes('waiting', 'delayed', 'active')).toBe(countsBefore.stepstone);
    expect(await harness.queues.seek.getJobCountByTypes('waiting', 'delayed', 'active')).toBe(countsBefore.seek);
    const again = await harness.queues.stepstone.getJob(deliveryJobId(jobId, 'stepstone'));
    expect(again?.timestamp).toBe(first?.timestamp);
  });

  it('the job profile cache saves the second request for the same job', async () => {
    harness.sandbox.requests.length = 0;
    const first = await harness.enqueue(seedEvent(harness.sandbox.url, { systemId: '2204', personId: '1365', newStatus: 'D10100', oldStatus: '1752' }));
    await harness.waitForState('enrich', first, ['completed']);
    const second = await harness.enqueue(seedEvent(harness.sandbox.url, { systemId: '2204', personId: '1365', newStatus: '9790', oldStatus: 'D10100' }));
    await harness.waitForState('enrich', second, ['completed']);
    const jobs = harness.sandbox.state.apiRequests().filter((request) => request.path === '/customers/1234/jobs/1242');
    const users = harness.sandbox.state.apiRequests().filter((request) => request.path === '/customers/1234/people/3');
    // The seed test above may have cached job 1242 and user 3 already: at most one request each for two events.
    expect(jobs.length).toBeLessThanOrEqual(1);
    expect(users.length).toBeLessThanOrEqual(1);
    expect(harness.sandbox.state.apiRequests()).toHaveLength(4 + jobs.length + users.length);
    const summary = (await harness.queues.enrich.getJob(second))?.returnvalue as { icimsRequests: number; jobFromCache: boolean };
    expect(summary).toMatchObject({ icimsRequests: 2, jobFromCache: true });
  });

  it('measured: 20 events over 2 new jobs and 2 new users (SEEK asks for the actor) cost 44 iCIMS requests; once warm, 2 per event', async () => {
    for (const id of ['3001', '3002']) harness.sandbox.setRecord('1234', 'jobs', id, { id: Number(id), jobtitle: `Job ${id}`, field61234: `seekAnzPublicTest:positionProfile:unposted:${id}` });
    for (const [id, first] of [['31', 'Alex'], ['32', 'Blair']]) harness.sandbox.setRecord('1234', 'people', id, { id: Number(id), firstname: first, lastname: 'Recruiter', email: `${first.toLowerCase()}@example.com` });
    harness.sandbox.requests.length = 0;
    const perEvent: number[] = [];
    for (let i = 0; i < 20; i++) {
      // Sequential, as events for one job usually arrive: the first fills the cache. Jobs and
      // users do not pair up (i % 2 and i % 4 < 2), so the users' caches warm independently of the jobs'.
      const event = seedEvent(harness.sandbox.url, { jobId: i % 2 === 0 ? '3001' : '3002', userId: i % 4 < 2 ? '31' : '32', oldStatus: `M${i}` });
      const jobId = await harness.enqueue(event);
      await harness.waitForState('enrich', jobId, ['completed']);
      const summary = (await harness.queues.enrich.getJob(jobId))?.returnvalue as { icimsRequests: number };
      perEvent.push(summary.icimsRequests);
      const seek = (await harness.queues.seek.getJob(deliveryJobId(jobId, 'seek'))) as Job<SeekDeliveryJob>;
      expect(seek.data.seek.actor?.formattedName).toBe(i % 4 < 2 ? 'Alex Recruiter' : 'Blair Recruiter');
    }
    const api = harness.sandbox.state.apiRequests();
    const jobs = api.filter((request) => request.path.includes('/jobs/')).length;
    const users = api.filter((request) => /\/people\/3[12]$/.test(request.path)).length;
    const warm = perEvent.slice(3);
    process.stdout.write(
      `iCIMS requests over 20 events (2 jobs, 2 users, cold caches): ${api.length} in all (${(api.length / 20).toFixed(2)} per event; jobs ${jobs}, users ${users}); ` +
        `per event: ${perEvent.join(' ')}; once warm (events 4-20): max ${Math.max(...warm)}, mean ${(warm.reduce((a, b) => a + b, 0) / warm.length).toFixed(2)}\n`,
    );
    expect(jobs).toBe(2);
    expect(users).toBe(2);
    expect(api).toHaveLength(44);
    expect(perEvent.reduce((a, b) => a + b, 0)).toBe(44);
    // Events 1-3 meet a new job or user (4, 3, 3); from event 4 on every job and user is cached.
    expect(perEvent.slice(0, 3)).toEqual([4, 3, 3]);
    expect(perEvent.slice(3)).toEqual(Array(17).fill(2));
  });

  it('an acting user iCIMS does not show (404): SEEK gets no actor (delivery names the fallback party), counted, never a failure', async () => {
    const before = await metricValue('status_bridge_actor_fallbacks_total', { partner: 'seek', reason: 'not_found' });
    const jobId = await harness.enqueue(seedEvent(harness.sandbox.url, { userId: '424242', oldStatus: 'F1' }));
    expect(await harness.waitForState('enrich', jobId, ['completed', 'failed'])).toBe('completed');
    const seek = (await harness.queues.seek.getJob(deliveryJobId(jobId, 'seek'))) as Job<SeekDeliveryJob>;
    expect(seek.data.seek).not.toHaveProperty('actor');
    expect(await metricValue('status_bridge_actor_fallbacks_total', { partner: 'seek', reason: 'not_found' })).toBe(before + 1);
    const line = harness.workers[0].logs().find((entry) => entry.message === 'acting user not available; the partner names its fallback party' && entry.jobId === jobId);
    expect(line).toMatchObject({ partner: 'seek', reason: 'not_found', userId: '424242' });
    // StepStone names no actor, so it is not counted for it.
    expect(await metricValue('status_bridge_actor_fallbacks_total', { partner: 'stepstone' })).toBe(0);
  });

  it('a 5xx on the user read does not hold the event back: SEEK gets no actor now, counted as read_error; the next event reads the user again', async () => {
    harness.sandbox.setRecord('1234', 'people', '33', { id: 33, firstname: 'Casey', lastname: 'Coordinator', email: 'casey.coordinator@example.com' });
    harness.sandbox.faults({ serverError: { count: 1, status: 502, path: '/customers/1234/people/33' } });
    const before = await metricValue('status_bridge_actor_fallbacks_total', { partner: 'seek', reason: 'read_error' });
    const failedRead = await harness.enqueue(seedEvent(harness.sandbox.url, { userId: '33', oldStatus: 'F3' }));
    expect(await harness.waitForState('enrich', failedRead, ['completed', 'failed'])).toBe('completed');
    const first = (await harness.queues.seek.getJob(deliveryJobId(failedRead, 'seek'))) as Job<SeekDeliveryJob>;
    expect(first.data.seek).not.toHaveProperty('actor');
    // Completed on its first attempt: no retry of the enrichment for the user's 5xx.
    expect((await harness.queues.enrich.getJob(failedRead))?.attemptsMade).toBe(1);
    expect(await metricValue('status_bridge_actor_fallbacks_total', { partner: 'seek', reason: 'read_error' })).toBe(before + 1);
    const line = harness.workers[0].logs().find((entry) => entry.message === 'acting user not available; the partner names its fallback party' && entry.jobId === failedRead);
    expect(line).toMatchObject({ reason: 'read_error', detail: 'HTTP 502' });
    const next = await harness.enqueue(seedEvent(harness.sandbox.url, { userId: '33', oldStatus: 'F4' }));
    await harness.waitForState('enrich', next, ['completed']);
    const second = (await harness.queues.seek.getJob(deliveryJobId(next, 'seek'))) as Job<SeekDeliveryJob>;
    expect(second.data.seek.actor).toMatchObject({ formattedName: 'Casey Coordinator' });
    expect(harness.workers.flatMap((worker) => worker.logs()).map((entry) => JSON.stringify(entry)).join('\n')).not.toMatch(/Casey|Coordinator/);
  });

  it('the acting user is the candidate: not read, SEEK gets no actor (reason candidate)', async () => {
    harness.sandbox.requests.length = 0;
    const before = await metricValue('status_bridge_actor_fallbacks_total', { partner: 'seek', reason: 'candidate' });
    const jobId = await harness.enqueue(seedEvent(harness.sandbox.url, { userId: '1364', oldStatus: 'F2' }));
    expect(await harness.waitForState('enrich', jobId, ['completed', 'failed'])).toBe('completed');
    const seek = (await harness.queues.seek.getJob(deliveryJobId(jobId, 'seek'))) as Job<SeekDeliveryJob>;
    expect(seek.data.seek).not.toHaveProperty('actor');
    // Only the candidate's own read, with the candidate fields: no user read of person 1364.
    expect(harness.sandbox.state.apiRequests().filter((request) => request.path === '/customers/1234/people/1364').map((request) => request.query.fields)).toEqual(['firstname,middlename,lastname,email,phones,field71234']);
    expect(await metricValue('status_bridge_actor_fallbacks_total', { partner: 'seek', reason: 'candidate' })).toBe(before + 1);
  });

  it('a candidate without an AtsiApplicationId gets no StepStone delivery (counted skip), SEEK still goes', async () => {
    const before = await metricValue('status_bridge_skips_total', { partner: 'stepstone', reason: 'no_application_id' });
    const jobId = await harness.enqueue(seedEvent(harness.sandbox.url, { systemId: '2205', personId: '1366', jobId: '1243', newStatus: '9820', oldStatus: '9782' }), {});
    await harness.waitForState('enrich', jobId, ['completed']);
    expect(await harness.queues.stepstone.getJob(deliveryJobId(jobId, 'stepstone'))).toBeUndefined();
    const seek = (await harness.queues.seek.getJob(deliveryJobId(jobId, 'seek'))) as Job<SeekDeliveryJob>;
    expect(seek.data.seek).toMatchObject({ statusCode: 'Unsuccessful', sourceName: 'Career Site' });
    expect(seek.data.seek.positionProfileId).toBeUndefined();
    expect(await metricValue('status_bridge_skips_total', { partner: 'stepstone', reason: 'no_application_id' })).toBe(before + 1);
  });

  it('falls back to the correlation record for the AtsiApplicationId', async () => {
    const atsi = '0f8fad5b-d9cb-469f-a165-70867728950e';
    await new AtsiApplicationIdStore(harness.redis, harness.prefix).set('1234', '2205', atsi);
    const jobId = await harness.enqueue(seedEvent(harness.sandbox.url, { systemId: '2205', personId: '1366', jobId: '1243', newStatus: '9830', oldStatus: '9820' }));
    await harness.waitForState('enrich', jobId, ['completed']);
    const stepstone = (await harness.queues.stepstone.getJob(deliveryJobId(jobId, 'stepstone'))) as Job<StepStoneDeliveryJob>;
    expect(stepstone.data.stepstone).toEqual({ atsiApplicationId: atsi, status: 'REJECTED' });
  });

  it('an unmapped status skips both partners with a counted reason and costs no iCIMS request', async () => {
    harness.sandbox.requests.length = 0;
    const before = await metricValue('status_bridge_skips_total', { partner: 'seek', reason: 'unmapped_status' });
    const jobId = await harness.enqueue(seedEvent(harness.sandbox.url, { newStatus: '77777' }));
    await harness.waitForState('enrich', jobId, ['completed']);
    expect(await harness.queues.stepstone.getJob(deliveryJobId(jobId, 'stepstone'))).toBeUndefined();
    expect(await harness.queues.seek.getJob(deliveryJobId(jobId, 'seek'))).toBeUndefined();
    expect((await harness.queues.enrich.getJob(jobId))?.returnvalue).toMatchObject({ skipped: { stepstone: 'unmapped_status', seek: 'unmapped_status' } });
    expect(await metricValue('status_bridge_skips_total', { partner: 'seek', reason: 'unmapped_status' })).toBe(before + 1);
    expect(harness.sandbox.state.apiRequests()).toHaveLength(0);
    const skipLog = harness.workers[0].logs().find((line) => line.message === 'partner skipped' && line.jobId === jobId);
    expect(skipLog).toMatchObject({ reason: 'unmapped_status', customerId: '1234', systemId: '2203' });
  });

  it('basic auth tenant: Basic header, StepStone only', async () => {
    harness.sandbox.requests.length = 0;
    harness.sandbox.setRecord('5678', 'applicantworkflows', '2203', { status: { id: '9782', value: 'Interview' }, field51234: 'x' });
    await new AtsiApplicationIdStore(harness.redis, harness.prefix).set('5678', '2203', '7c9e6679-7425-40de-944b-e07fc1f90ae7');
    const jobId = await harness.enqueue(seedEvent(harness.sandbox.url, { customerId: '5678', links: [] }));
    await harness.waitForState('enrich', jobId, ['completed']);
    expect(harness.sandbox.state.apiRequests().every((request) => request.auth === 'basic' && request.path.startsWith('/customers/5678/'))).toBe(true);
    expect(await harness.queues.stepstone.getJob(deliveryJobId(jobId, 'stepstone'))).toBeDefined();
    expect((await harness.queues.enrich.getJob(jobId))?.returnvalue).toMatchObject({ skipped: { seek: 'not_configured' } });
  });
});

describe('enrich: the seed request posted to the ingest API', () => {
  let ingest: ServiceHandle;

  beforeAll(async () => {
    ingest = await spawnService('apps/ingest/src/main.ts', { ...harness.env, PORT: '0', HOST: '127.0.0.1' });
  }, 30_000);

  afterAll(async () => {
    await ingest?.stop();
  });

  /** The seed request as iCIMS sends it (gzip, Link header, Apache agent), its links pointing at the sandbox. */
  async function postSeed(): Promise<number> {
    const body = gzipped(SEED_EVENT_JSON.split('https://api.icims.com').join(harness.sandbox.url));
    const headers = { ...seedHeaders(body), Link: SEED_LINK_HEADER.split('https://api.icims.com').join(harness.sandbox.url), Authorization: basicAuth('icims-1234', SECRETS.TEST_INBOUND_PASSWORD) };
    const response = await fetch(`${ingest.url}/icims/events`, { method: 'POST', headers, body });
    await response.arrayBuffer();
    return response.status;
  }

  async function seedEnrichJobs() {
    const jobs = await harness.queues.enrich.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed']);
    return jobs.filter((job) => job.data.requestId && !job.data.requestId.startsWith('test-') && job.data.event.systemId === '2203');
  }

  it('produces the StatusChange and both deliveries; a replay of the request adds nothing', async () => {
    expect(await postSeed()).toBe(200);
    const [enrich] = await waitFor(async () => ((await seedEnrichJobs()).length === 1 ? seedEnrichJobs() : undefined), { what: 'the enrich job from ingest' });
    expect(await harness.waitForState('enrich', enrich.id!, ['completed', 'failed'])).toBe('completed');
    const stepstone = (await harness.queues.stepstone.getJob(deliveryJobId(enrich.id!, 'stepstone'))) as Job<StepStoneDeliveryJob>;
    const seek = (await harness.queues.seek.getJob(deliveryJobId(enrich.id!, 'seek'))) as Job<SeekDeliveryJob>;
    expect(stepstone.data.stepstone).toEqual({ atsiApplicationId: SEED_ATSI_APPLICATION_ID, status: 'INTERVIEW' });
    expect(stepstone.data.statusChange).toMatchObject({
      customerId: '1234',
      systemId: '2203',
      newStatus: { id: '9782', stage: 'interview', name: 'Second Interview' },
      candidate: { formattedName: 'Jordan Sample' },
      job: { title: 'Senior Software Engineer' },
    });
    expect(seek.data.seek).toMatchObject({ statusCode: 'Interview', positionProfileId: SEED_POSITION_PROFILE_ID });

    const deliveriesBefore = (await harness.queues.stepstone.getJobs(['waiting'])).length + (await harness.queues.seek.getJobs(['waiting'])).length;
    // iCIMS (or a recruiter double click) sends the same request again.
    expect(await postSeed()).toBe(200);
    expect(await seedEnrichJobs()).toHaveLength(1);
    expect((await harness.queues.stepstone.getJobs(['waiting'])).length + (await harness.queues.seek.getJobs(['waiting'])).length).toBe(deliveriesBefore);
  });
});

describe('enrich: refusals and permanent failures', () => {
  let evil: http.Server;
  let evilUrl: string;
  const evilRequests: string[] = [];

  beforeAll(async () => {
    evil = http.createServer((req, res) => {
      evilRequests.push(`${req.method} ${req.url} ${req.headers.authorization ? 'with-credentials' : ''}`);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    evil.closeAllConnections();
    await new Promise((resolve) => evil.close(resolve));
  });

  const refused: Array<[string, (sandbox: string) => string]> = [
    ['another host', () => `${evilUrl}/customers/1234/people/1364`],
    ['userinfo trick', (sandbox) => `${sandbox.replace('http://', 'http://user@')}/customers/1234/people/1364`],
    ['another customer on the right host', (sandbox) => `${sandbox}/customers/5678/people/1364`],
    ['path traversal', (sandbox) => `${sandbox}/customers/1234/people/..%2f..%2fcustomers/5678/people/1364`],
  ];

  it.each(refused)('refuses a link to %s: fails permanently and no request leaves', async (_name, link) => {
    harness.sandbox.requests.length = 0;
    const event = seedEvent(harness.sandbox.url, { oldStatus: `R${Math.floor(Math.random() * 1e6)}` });
    event.links = event.links.map((entry) => (entry.rel === 'person' ? { ...entry, url: link(harness.sandbox.url) } : entry));
    const jobId = await harness.enqueue(event);
    expect(await harness.waitForState('enrich', jobId, ['completed', 'failed'])).toBe('failed');
    const job = await harness.queues.enrich.getJob(jobId);
    expect(job?.failedReason).toMatch(/refused the event's person link/);
    expect(job?.attemptsMade).toBe(1);
    expect(harness.sandbox.requests).toHaveLength(0);
    expect(evilRequests).toHaveLength(0);
  });

  it('404 fails permanently with a clear reason on the job', async () => {
    const jobId = await harness.enqueue(seedEvent(harness.sandbox.url, { personId: '999999', links: [] }));
    expect(await harness.waitForState('enrich', jobId, ['completed', 'failed'])).toBe('failed');
    const job = await harness.queues.enrich.getJob(jobId);
    expect(job?.failedReason).toMatch(/\[icims tenant 1234\] HTTP 404 2 .*iCIMS has no people 999999, or hides it from the integration user.*Person not found/);
    expect(job?.attemptsMade).toBe(1);
  });

  it('worker logs carry queue, job id, attempt, customerId and systemId, and no candidate PII', () => {
    const logs = harness.workers[0].logs();
    const completed = logs.filter((line) => line.message === 'job completed');
    expect(completed.length).toBeGreaterThan(3);
    for (const line of completed) expect(line).toMatchObject({ queue: 'enrich', jobId: expect.any(String), attempt: expect.any(Number), customerId: expect.any(String), systemId: expect.any(String) });
    const output = harness.output();
    for (const pii of ['Jordan', 'Sample', 'jordan.sample@example.com', '+61 400', 'Robin', 'Casey', SANDBOX_SECRET_MARKER]) expect(output).not.toContain(pii);
    expect(output).not.toMatch(/sbx-[0-9a-f]{32}/); // no token
  });
});

const SANDBOX_SECRET_MARKER = 'sandbox-icims-secret';
