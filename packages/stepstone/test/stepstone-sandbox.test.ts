import axios from 'axios';
import { start, type StepStoneSandbox } from '../src/sandbox';
import { waitFor } from '@status-bridge/testing';

const ID = '51c3be16-0f93-41ed-9cc0-9092222d7333';
const TOKEN = 'sandbox-token-1';

describe('StepStone sandbox', () => {
  let sandbox: StepStoneSandbox;
  const http = axios.create({ validateStatus: () => true, timeout: 2_000 });
  // Raw strings go out as they are (axios would JSON-encode an unparsable string).
  const raw = { transformRequest: [(data: unknown) => data] };
  const post = (body: unknown, headers: Record<string, string> = {}, url = sandbox.statusUrl('ATS42')) =>
    http.post(url, typeof body === 'string' ? body : JSON.stringify(body), { ...raw, headers: { 'Content-Type': 'application/json', 'X-AtsiToken': TOKEN, ...headers } });

  beforeAll(async () => {
    sandbox = await start({ tokens: [TOKEN], extraStatuses: ['CONTACT'] });
  });
  afterEach(() => sandbox.reset());
  afterAll(() => sandbox.close());

  it('accepts the seed message on both paths and records it', async () => {
    expect((await post({ AtsiApplicationId: ID, Status: 'APPLIED' }, {}, sandbox.seedStatusUrl)).status).toBe(200);
    const full = { AtsiApplicationId: ID, Status: 'CONTACT', RawStatus: '1st phone interview', BusinessDate: '2022-07-29T11:26:11.106Z' };
    expect((await post(full)).status).toBe(200);
    expect(sandbox.received.map((r) => [r.path, r.atsId, r.token, r.body])).toEqual([
      ['/api/application-status', undefined, TOKEN, { AtsiApplicationId: ID, Status: 'APPLIED' }],
      ['/qs-api/public/atsi/v1/ATS42', 'ATS42', TOKEN, full],
    ]);
  });

  it.each([
    ['missing token', { AtsiApplicationId: ID, Status: 'APPLIED' }, { 'X-AtsiToken': '' }, 401, 'X-AtsiToken header is missing'],
    ['wrong token', { AtsiApplicationId: ID, Status: 'APPLIED' }, { 'X-AtsiToken': 'nope' }, 401, 'X-AtsiToken is not valid'],
    ['not JSON', '{"AtsiApplicationId":', {}, 400, 'body is not valid JSON'],
    ['array', [{ AtsiApplicationId: ID, Status: 'APPLIED' }], {}, 400, 'body must be a JSON object'],
    ['bad UUID', { AtsiApplicationId: '2203', Status: 'APPLIED' }, {}, 400, 'AtsiApplicationId must be a UUID'],
    ['missing Status', { AtsiApplicationId: ID }, {}, 400, 'Status is required'],
    ['unknown Status', { AtsiApplicationId: ID, Status: 'WOW' }, {}, 400, 'Status must be one of'],
    ['unknown field', { AtsiApplicationId: ID, Status: 'APPLIED', email: 'x' }, {}, 400, 'unknown field(s): email'],
    ['RawStatus number', { AtsiApplicationId: ID, Status: 'APPLIED', RawStatus: 5 }, {}, 400, 'RawStatus must be a string'],
    ['BusinessDate local', { AtsiApplicationId: ID, Status: 'APPLIED', BusinessDate: '2022-07-29 11:26' }, {}, 400, 'BusinessDate must be an ISO-8601 UTC timestamp'],
    ['wrong content type', { AtsiApplicationId: ID, Status: 'APPLIED' }, { 'Content-Type': 'text/plain' }, 400, 'Content-Type must be application/json'],
  ])('refuses %s', async (_name, body, headers, status, reason) => {
    const response = await post(body, headers as Record<string, string>);
    expect(response.status).toBe(status);
    expect(response.data.error).toContain(reason);
    expect(sandbox.received).toHaveLength(0);
    expect(sandbox.rejected).toHaveLength(1);
    expect(sandbox.rejected[0]).toMatchObject({ httpStatus: status });
  });

  it('answers 429 with Retry-After N times, then accepts', async () => {
    sandbox.rateLimitNext(2, 7);
    const first = await post({ AtsiApplicationId: ID, Status: 'HIRED' });
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('7');
    expect((await post({ AtsiApplicationId: ID, Status: 'HIRED' })).status).toBe(429);
    expect((await post({ AtsiApplicationId: ID, Status: 'HIRED' })).status).toBe(200);
    expect(sandbox.requests.map((r) => r.answer)).toEqual([429, 429, 200]);
  });

  it('answers 429 without Retry-After when asked', async () => {
    sandbox.rateLimitNext(1, null);
    const response = await post({ AtsiApplicationId: ID, Status: 'HIRED' });
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBeUndefined();
  });

  it('answers 5xx N times, then accepts', async () => {
    sandbox.failNext(1, 503);
    expect((await post({ AtsiApplicationId: ID, Status: 'OFFER' })).status).toBe(503);
    expect((await post({ AtsiApplicationId: ID, Status: 'OFFER' })).status).toBe(200);
  });

  it('hangs N requests', async () => {
    sandbox.hangNext(1);
    await expect(http.post(sandbox.seedStatusUrl, '{}', { timeout: 300, headers: { 'Content-Type': 'application/json' } })).rejects.toThrow(/timeout/);
    expect(sandbox.requests.map((r) => r.answer)).toEqual(['hang']);
    expect((await post({ AtsiApplicationId: ID, Status: 'OFFER' })).status).toBe(200);
  });

  it('delays N requests: the held one is handled (and recorded) after one sent later, so it is applied last', async () => {
    const set = await http.post(`${sandbox.url}/_sandbox/faults`, { delay: { count: 1, ms: 400 } });
    expect(set.data.delay).toEqual({ remaining: 1, ms: 400 });
    const slow = post({ AtsiApplicationId: ID, Status: 'INTERVIEW' });
    await waitFor(() => sandbox.state.inFlight === 1, { what: 'the held request' });
    expect((await http.get(`${sandbox.url}/_sandbox/received`)).data.inFlight).toBe(1);
    expect((await post({ AtsiApplicationId: ID, Status: 'REJECTED' })).status).toBe(200);
    expect((await slow).status).toBe(200);
    expect(sandbox.received.map((message) => message.body.Status)).toEqual(['REJECTED', 'INTERVIEW']);
    expect(sandbox.state.inFlight).toBe(0);
    expect((await http.post(`${sandbox.url}/_sandbox/faults`, { delay: { count: 1, ms: -5 } })).status).toBe(400);
  });

  it('accept-then-hang: the message is recorded as received, the answer never comes', async () => {
    sandbox.hangNext(1, true);
    await expect(
      http.post(sandbox.seedStatusUrl, JSON.stringify({ AtsiApplicationId: ID, Status: 'OFFER' }), { timeout: 300, headers: { 'Content-Type': 'application/json', 'X-AtsiToken': TOKEN } }),
    ).rejects.toThrow(/timeout/);
    expect(sandbox.received.map((message) => [message.body.Status, message.unanswered])).toEqual([['OFFER', true]]);
    expect(sandbox.requests.map((r) => r.answer)).toEqual(['hang']);
    expect((await post({ AtsiApplicationId: ID, Status: 'OFFER' })).status).toBe(200);
    expect(sandbox.received).toHaveLength(2);
    expect(sandbox.received[1].unanswered).toBeUndefined();
  });

  it('marks a message whose sender gave up before the answer as unanswered', async () => {
    sandbox.delayNext(400, 1);
    await expect(
      http.post(sandbox.seedStatusUrl, JSON.stringify({ AtsiApplicationId: ID, Status: 'HIRED' }), { timeout: 100, headers: { 'Content-Type': 'application/json', 'X-AtsiToken': TOKEN } }),
    ).rejects.toThrow(/timeout/);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(sandbox.received.map((message) => [message.body.Status, message.unanswered])).toEqual([['HIRED', true]]);
  });

  it('holds the next N requests before handling them (a slow service)', async () => {
    sandbox.delayNext(300, 1);
    const started = Date.now();
    expect((await post({ AtsiApplicationId: ID, Status: 'OFFER' })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(sandbox.received[0].at - started).toBeGreaterThanOrEqual(290);
    expect(sandbox.received[0].unanswered).toBeUndefined();
    expect(sandbox.state.faults.delay.remaining).toBe(0);
  });

  it('latency over HTTP: every status request is answered that much later, until reset', async () => {
    expect((await http.post(`${sandbox.url}/_sandbox/faults`, { latencyMs: -1 })).status).toBe(400);
    expect((await http.post(`${sandbox.url}/_sandbox/faults`, { latencyMs: 200 })).data.latencyMs).toBe(200);
    const started = Date.now();
    expect((await post({ AtsiApplicationId: ID, Status: 'OFFER' })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    await http.post(`${sandbox.url}/_sandbox/reset`);
    expect(sandbox.state.faults.latencyMs).toBe(0);
  });

  it('reject-all mode over HTTP: on refuses valid messages with the message, off accepts again', async () => {
    const on = await http.post(`${sandbox.url}/_sandbox/faults`, { rejectAll: { enabled: true, message: 'AtsiApplicationId is not known to StepStone' } });
    expect(on.status).toBe(200);
    expect(on.data.rejectAll).toEqual({ enabled: true, message: 'AtsiApplicationId is not known to StepStone' });
    const refused = await post({ AtsiApplicationId: ID, Status: 'REJECTED' });
    expect(refused.status).toBe(400);
    expect(refused.data.error).toBe('AtsiApplicationId is not known to StepStone');
    await http.post(`${sandbox.url}/_sandbox/faults`, { rejectAll: { enabled: false } });
    expect((await post({ AtsiApplicationId: ID, Status: 'REJECTED' })).status).toBe(200);
    const seen = await http.get(`${sandbox.url}/_sandbox/received`);
    expect(seen.data.received).toHaveLength(1);
    expect(seen.data.rejected).toHaveLength(1);
  });

  it('HTTP controls: faults, validation of the control body, clear and reset', async () => {
    expect((await http.post(`${sandbox.url}/_sandbox/faults`, { serverError: { count: -1 } })).status).toBe(400);
    const set = await http.post(`${sandbox.url}/_sandbox/faults`, { rateLimit: { count: 1, retryAfter: 2 }, serverError: { count: 1 }, hang: {} });
    expect(set.data).toMatchObject({ rateLimit: { remaining: 1, retryAfter: '2' }, serverError: { remaining: 1, status: 500 }, hang: { remaining: 'always', afterAccept: false } });
    const slow = await http.post(`${sandbox.url}/_sandbox/faults`, { delay: { ms: 50 }, hang: { count: 2, afterAccept: true } });
    expect(slow.data).toMatchObject({ delay: { remaining: 'always', ms: 50 }, hang: { remaining: 2, afterAccept: true } });
    expect((await http.post(`${sandbox.url}/_sandbox/faults`, { delay: { ms: -1 } })).status).toBe(400);
    await http.post(`${sandbox.url}/_sandbox/reset`);
    expect((await http.get(`${sandbox.url}/_sandbox/faults`)).data).toMatchObject({ rateLimit: { remaining: 0 }, hang: { remaining: 0 } });
    await post({ AtsiApplicationId: ID, Status: 'LEAD' });
    expect(sandbox.received).toHaveLength(1);
    expect((await http.delete(`${sandbox.url}/_sandbox/received`)).status).toBe(204);
    expect(sandbox.received).toHaveLength(0);
  });
});
