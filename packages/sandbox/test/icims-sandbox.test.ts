import { basicAuth } from '@status-bridge/testing';
import { atsiApplicationIdFor, formatIcimsDateTime, generatedApplicant, generatedApplication, generatedAtsiApplicationId, SANDBOX_ICIMS_AUDIENCE, SANDBOX_ICIMS_CLIENT, SANDBOX_ICIMS_USER, SEED_ATSI_APPLICATION_ID, start, type IcimsSandbox } from '../src/icims';

let sandbox: IcimsSandbox;
const basic = basicAuth(SANDBOX_ICIMS_USER.username, SANDBOX_ICIMS_USER.password);

beforeAll(async () => {
  sandbox = await start();
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(() => sandbox.reset());

async function token(form: Record<string, string>): Promise<Response> {
  return fetch(sandbox.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
}

const goodForm = { grant_type: 'client_credentials', client_id: SANDBOX_ICIMS_CLIENT.clientId, client_secret: SANDBOX_ICIMS_CLIENT.clientSecret, audience: SANDBOX_ICIMS_AUDIENCE };

describe('iCIMS sandbox: OAuth token endpoint', () => {
  it('issues a bearer token for the right client, secret and audience', async () => {
    const response = await token(goodForm);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, access_token: expect.stringMatching(/^sbx-/) });
  });

  it.each([
    ['wrong secret', { ...goodForm, client_secret: 'nope' }, 401],
    ['unknown client', { ...goodForm, client_id: 'nobody' }, 401],
    ['wrong audience', { ...goodForm, audience: 'https://api-eu.icims.com/v1/' }, 403],
    ['wrong grant', { ...goodForm, grant_type: 'password' }, 400],
  ])('refuses %s', async (_name, form, status) => {
    expect((await token(form)).status).toBe(status);
  });
});

describe('iCIMS sandbox: records', () => {
  it('serves the seed workflow in iCIMS shapes and honours fields=', async () => {
    const all = await fetch(`${sandbox.url}/customers/1234/applicantworkflows/2203`, { headers: { authorization: basic } });
    expect(all.status).toBe(200);
    const record = (await all.json()) as Record<string, unknown>;
    expect(record).toMatchObject({
      status: { id: '9782', value: 'Second Interview' },
      field51234: SEED_ATSI_APPLICATION_ID,
      associatedprofile: { profile: `${sandbox.url}/customers/1234/people/1364`, id: 1364 },
      baseprofile: { id: 1242 },
    });
    const some = await fetch(`${sandbox.url}/customers/1234/applicantworkflows/2203?fields=status,field51234,nosuchfield`, { headers: { authorization: basic } });
    expect(Object.keys((await some.json()) as object).sort()).toEqual(['field51234', 'status']);
  });

  it('accepts a bearer token from its token endpoint', async () => {
    const { access_token: accessToken } = (await (await token(goodForm)).json()) as { access_token: string };
    const response = await fetch(`${sandbox.url}/customers/1234/people/1364?fields=firstname`, { headers: { authorization: `Bearer ${accessToken}` } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ firstname: 'Jordan' });
  });

  it.each([
    ['unknown id', '/customers/1234/people/999', 404, 'Person not found.'],
    ['unknown job', '/customers/1234/jobs/999', 404, 'Job not found.'],
    ['another customer', '/customers/9999/people/1364', 404, 'Person not found.'],
    ['unknown record kind', '/customers/1234/secrets/1', 404, 'Resource not found.'],
  ])('answers %s with 404 and an iCIMS error body', async (_name, path, status, message) => {
    const response = await fetch(`${sandbox.url}${path}`, { headers: { authorization: basic } });
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ errors: [{ errorMessage: message, errorCode: 2 }] });
  });

  it('answers bad credentials with 401 and errorCode 6', async () => {
    for (const authorization of [basicAuth(SANDBOX_ICIMS_USER.username, 'wrong'), 'Bearer made-up', '']) {
      const response = await fetch(`${sandbox.url}/customers/1234/people/1364`, { headers: authorization ? { authorization } : {} });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { errors: Array<{ errorCode: number }> }).errors[0].errorCode).toBe(6);
    }
  });

  it('logs requests with the auth scheme, never the credential', async () => {
    await fetch(`${sandbox.url}/customers/1234/jobs/1242?fields=jobtitle`, { headers: { authorization: basic } });
    expect(sandbox.requests).toEqual([{ at: expect.any(Number), method: 'GET', path: '/customers/1234/jobs/1242', query: { fields: 'jobtitle' }, auth: 'basic', answer: 200 }]);
    expect(JSON.stringify(sandbox.requests)).not.toContain(SANDBOX_ICIMS_USER.password);
  });
});

describe('iCIMS sandbox: fault switches over HTTP (/_sandbox/*)', () => {
  const control = (path: string, body?: unknown, method = 'POST'): Promise<Response> =>
    fetch(`${sandbox.url}/_sandbox${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const get = (): Promise<Response> => fetch(`${sandbox.url}/customers/1234/jobs/1242`, { headers: { authorization: basic } });

  it('429 with Retry-After, then 500, then normal', async () => {
    await control('/faults', { rateLimit: { count: 1, retryAfter: 3 }, serverError: { count: 1, status: 502 } });
    const limited = await get();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect((await get()).status).toBe(502);
    expect((await get()).status).toBe(200);
  });

  it('a 5xx fault limited to one path leaves the other records alone', async () => {
    await control('/faults', { serverError: { count: 1, status: 503, path: '/customers/1234/people/3' } });
    expect((await get()).status).toBe(200);
    expect((await fetch(`${sandbox.url}/customers/1234/people/3`, { headers: { authorization: basic } })).status).toBe(503);
    expect((await fetch(`${sandbox.url}/customers/1234/people/3`, { headers: { authorization: basic } })).status).toBe(200);
  });

  it('a 429 storm: every request during forMs is refused, however many, then normal again', async () => {
    await control('/faults', { rateLimit: { forMs: 400, retryAfter: 2 } });
    const during = await Promise.all(Array.from({ length: 5 }, () => get()));
    expect(during.map((response) => response.status)).toEqual([429, 429, 429, 429, 429]);
    expect(during[0].headers.get('retry-after')).toBe('2');
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect((await get()).status).toBe(200);
  });

  it('a 429 fault limited to one customer leaves the others alone', async () => {
    await control('/faults', { rateLimit: { forMs: 10_000, customerId: '5678' } });
    expect((await get()).status).toBe(200);
    expect((await fetch(`${sandbox.url}/customers/5678/jobs/1242`, { headers: { authorization: basic } })).status).toBe(429);
  });

  it('hangs until the client gives up', async () => {
    await control('/faults', { hang: { count: 1 } });
    await expect(fetch(`${sandbox.url}/customers/1234/jobs/1242`, { headers: { authorization: basic }, signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect((await get()).status).toBe(200);
  });

  it('revokes issued tokens', async () => {
    const { access_token: accessToken } = (await (await token(goodForm)).json()) as { access_token: string };
    await control('/faults', { revokeTokens: true });
    expect((await fetch(`${sandbox.url}/customers/1234/jobs/1242`, { headers: { authorization: `Bearer ${accessToken}` } })).status).toBe(401);
  });

  it('adds latency', async () => {
    await control('/faults', { latencyMs: 200 });
    const started = Date.now();
    expect((await get()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('serves generated applicants (load runs): distinct workflows and people sharing jobs, 404 past the count', async () => {
    expect((await control('/generated', { customerId: '1234', count: -1, jobs: 1 })).status).toBe(400);
    expect((await control('/generated', { customerId: '1234', count: 3, jobs: 2 })).status).toBe(200);
    const read = async (path: string) => fetch(`${sandbox.url}/customers/1234/${path}`, { headers: { authorization: basic } });
    const ids = [0, 1, 2].map((index) => generatedApplicant(index, 2));
    expect(ids.map((applicant) => applicant.jobId)).toEqual([ids[0].jobId, ids[1].jobId, ids[0].jobId]);
    const workflow = (await (await read(`applicantworkflows/${ids[2].systemId}`)).json()) as Record<string, unknown>;
    expect(workflow).toMatchObject({
      status: { id: '9782', value: 'Second Interview' },
      field51234: generatedAtsiApplicationId(2),
      associatedprofile: { profile: `${sandbox.url}/customers/1234/people/${ids[2].personId}` },
      baseprofile: { profile: `${sandbox.url}/customers/1234/jobs/${ids[2].jobId}` },
    });
    const emails = await Promise.all(ids.map(async (applicant) => ((await (await read(`people/${applicant.personId}?fields=email`)).json()) as { email: string }).email));
    expect(new Set(emails).size).toBe(3);
    expect(((await (await read(`jobs/${ids[1].jobId}?fields=field61234`)).json()) as Record<string, unknown>).field61234).toMatch(/^seekAnzPublicTest:positionProfile:/);
    expect((await read(`applicantworkflows/${generatedApplicant(3, 2).systemId}`)).status).toBe(404);
    expect((await read(`applicantworkflows/${ids[0].systemId}`)).status).toBe(200);
    // A status change of a generated workflow sticks.
    sandbox.setWorkflowStatus('1234', ids[0].systemId, { id: '9820', value: 'Rejected' });
    expect(((await (await read(`applicantworkflows/${ids[0].systemId}?fields=status`)).json()) as Record<string, unknown>).status).toEqual({ id: '9820', value: 'Rejected' });
    await control('/generated', { customerId: '1234', count: 0, jobs: 1 });
    expect((await read(`applicantworkflows/${ids[1].systemId}`)).status).toBe(404);
  });

  it('adds records and lists and clears the request log', async () => {
    expect((await control('/records/1234/people/42', { firstname: 'New' }, 'PUT')).status).toBe(204);
    expect((await fetch(`${sandbox.url}/customers/1234/people/42`, { headers: { authorization: basic } })).status).toBe(200);
    const requests = (await (await fetch(`${sandbox.url}/_sandbox/requests`)).json()) as Array<{ path: string }>;
    expect(requests.some((request) => request.path === '/customers/1234/people/42')).toBe(true);
    await control('/requests', undefined, 'DELETE');
    expect(sandbox.requests).toHaveLength(0);
  });

  it('a status change moves status and updateddate together, to the minute, as iCIMS does; the same status again changes nothing', async () => {
    sandbox.setRecord('1234', 'applicantworkflows', '2299', { id: 2299, status: { id: '1752', value: 'Phone Screen' }, updateddate: '2026-11-23 09:41 AM' });
    const read = async () => (await (await fetch(`${sandbox.url}/customers/1234/applicantworkflows/2299?fields=status,updateddate`, { headers: { authorization: basic } })).json()) as Record<string, unknown>;
    const moved = await control('/workflows/1234/2299/status', { id: '9782', value: 'Interview', at: '2026-12-01T16:07:59.900Z' });
    expect(moved.status).toBe(200);
    expect(await read()).toEqual({ status: { id: '9782', value: 'Interview' }, updateddate: '2026-12-01 04:07 PM' });
    await control('/workflows/1234/2299/status', { id: '9782', value: 'Interview', at: '2026-12-01T17:00:00.000Z' });
    expect((await read()).updateddate).toBe('2026-12-01 04:07 PM');
    // Without `at`: now, to the minute.
    const before = Date.now();
    sandbox.setWorkflowStatus('1234', '2299', { id: '9820', value: 'Rejected' });
    const updated = String((await read()).updateddate);
    expect(updated).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} (AM|PM)$/);
    const minute = (ms: number) => formatIcimsDateTime(Math.floor(ms / 60_000) * 60_000);
    expect([minute(before), minute(Date.now())]).toContain(updated);
    expect((await control('/workflows/1234/9999/status', { id: '1', value: 'x' })).status).toBe(404);
    expect((await control('/workflows/1234/2299/status', { value: 'no id' })).status).toBe(400);
  });

  it.each([
    ['2026-11-23T00:05:00Z', '2026-11-23 12:05 AM'],
    ['2026-11-23T09:41:59.999Z', '2026-11-23 09:41 AM'],
    ['2026-11-23T12:00:00Z', '2026-11-23 12:00 PM'],
    ['2026-11-23T23:59:30Z', '2026-11-23 11:59 PM'],
  ])('formatIcimsDateTime(%s) → %s', (iso, text) => {
    expect(formatIcimsDateTime(Date.parse(iso))).toBe(text);
  });
});

describe('iCIMS sandbox: generated applications', () => {
  const control = (path: string, body?: unknown, method = 'POST'): Promise<Response> =>
    fetch(`${sandbox.url}/_sandbox${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const read = async (path: string): Promise<Record<string, unknown>> => {
    const response = await fetch(`${sandbox.url}${path}`, { headers: { authorization: basic } });
    expect(response.status).toBe(200);
    return (await response.json()) as Record<string, unknown>;
  };

  it('serves N distinct applications whose ids follow from the index (workflow → person, job, AtsiApplicationId)', async () => {
    const applications = sandbox.generateApplications('1234', 25, { jobs: 4 });
    expect(applications).toHaveLength(25);
    expect(new Set(applications.map((application) => application.systemId)).size).toBe(25);
    expect(new Set(applications.map((application) => application.atsiApplicationId)).size).toBe(25);
    expect(new Set(applications.map((application) => application.jobId)).size).toBe(4);
    // Deterministic: the same index gives the same ids in another run.
    expect(generatedApplication('1234', 7, { jobs: 4 })).toEqual(applications[7]);
    expect(atsiApplicationIdFor('1234', applications[7].systemId)).toBe(applications[7].atsiApplicationId);
    expect(applications[7].atsiApplicationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);

    const { systemId, personId, jobId, atsiApplicationId, positionProfileId } = applications[7];
    expect(await read(`/customers/1234/applicantworkflows/${systemId}`)).toMatchObject({
      status: { id: 'D10100', value: 'Recently Applied' },
      field51234: atsiApplicationId,
      associatedprofile: { profile: `${sandbox.url}/customers/1234/people/${personId}`, id: Number(personId) },
      baseprofile: { id: Number(jobId) },
    });
    expect(await read(`/customers/1234/people/${personId}`)).toMatchObject({ email: `candidate-${personId}@example.com` });
    expect(await read(`/customers/1234/jobs/${jobId}`)).toMatchObject({ field61234: positionProfileId });
    // The seed's records are still there.
    expect(await read('/customers/1234/applicantworkflows/2203')).toMatchObject({ field51234: SEED_ATSI_APPLICATION_ID });
  });

  it('shows a workflow\'s new status once the candidate was moved (in-process and over HTTP)', async () => {
    const [application] = sandbox.generateApplications('1234', 1, { first: 100 });
    expect(sandbox.moveWorkflow('1234', application.systemId, '9782')).toBe(true);
    expect(await read(`/customers/1234/applicantworkflows/${application.systemId}?fields=status`)).toEqual({ status: { id: '9782', value: 'Second Interview' } });
    expect((await control(`/workflows/1234/${application.systemId}/status`, { id: '9820' }, 'PUT')).status).toBe(204);
    expect(await read(`/customers/1234/applicantworkflows/${application.systemId}?fields=status`)).toEqual({ status: { id: '9820', value: 'Rejected' } });
    expect((await control('/workflows/1234/999999/status', { id: '9820' }, 'PUT')).status).toBe(404);
    expect(sandbox.moveWorkflow('1234', '999999', '9820')).toBe(false);
  });

  it('generates applications over HTTP for a sandbox in a child process', async () => {
    const response = await control('/applications', { customerId: '1234', count: 3, first: 200 });
    expect(response.status).toBe(200);
    const { applications } = (await response.json()) as { applications: Array<{ systemId: string; atsiApplicationId: string }> };
    expect(applications.map((application) => application.systemId)).toEqual(['500200', '500201', '500202']);
    expect(await read(`/customers/1234/applicantworkflows/500201?fields=field51234`)).toEqual({ field51234: applications[1].atsiApplicationId });
    expect((await control('/applications', { customerId: '1234', count: 0 })).status).toBe(400);
  });
});
