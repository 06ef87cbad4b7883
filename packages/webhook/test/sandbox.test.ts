import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { startWebhookSandbox, verifyByHand, webhookSandbox, type WebhookSandbox } from '../src/sandbox';
import { newSigningSecret, signingSecretProblem } from '../src/signing-secret';

/**
 * The receiver sandbox itself: it must refuse what a careful receiver refuses, or the client tests
 * that rely on it ("the sandbox verified the signature") would prove nothing.
 */
const SECRET = newSigningSecret();
const BODY = '{"type":"application.status_changed","version":1}';

function signedHeaders(id: string, timestampSec: number, body: string, secret = SECRET): Record<string, string> {
  const signature = new Webhook(secret).sign(id, new Date(timestampSec * 1000), body);
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSec), 'webhook-signature': signature, 'content-type': 'application/json' };
}

const nowSec = (): number => Math.floor(Date.now() / 1000);

describe('verifyByHand (the spec written out, node:crypto only)', () => {
  const key = Buffer.from(SECRET.slice(6), 'base64');
  const sign = (content: string): string => `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
  const now = Date.parse('2026-01-01T00:00:00Z');
  const ts = String(now / 1000);
  it.each([
    ['a correct signature', { id: 'msg_1', timestamp: ts, signature: sign(`msg_1.${ts}.${BODY}`) }, BODY, undefined],
    ['one of several signatures', { id: 'msg_1', timestamp: ts, signature: `v1,AAAA v1a,xyz ${sign(`msg_1.${ts}.${BODY}`)}` }, BODY, undefined],
    ['the library signature', { id: 'msg_1', timestamp: ts, signature: new Webhook(SECRET).sign('msg_1', new Date(now), BODY) }, BODY, undefined],
    ['a tampered body', { id: 'msg_1', timestamp: ts, signature: sign(`msg_1.${ts}.${BODY}`) }, `${BODY} `, 'no v1 signature matches'],
    ['another id', { id: 'msg_2', timestamp: ts, signature: sign(`msg_1.${ts}.${BODY}`) }, BODY, 'no v1 signature matches'],
    ['a dot in the id', { id: 'msg.1', timestamp: ts, signature: sign(`msg.1.${ts}.${BODY}`) }, BODY, 'contains "."'],
    ['an old timestamp', { id: 'msg_1', timestamp: String(now / 1000 - 301), signature: sign(`msg_1.${now / 1000 - 301}.${BODY}`) }, BODY, 'outside the tolerance'],
    ['a timestamp in ms', { id: 'msg_1', timestamp: String(now), signature: sign(`msg_1.${now}.${BODY}`) }, BODY, 'outside the tolerance'],
    ['only a v1a signature', { id: 'msg_1', timestamp: ts, signature: 'v1a,abc' }, BODY, 'no v1 signature matches'],
    ['missing headers', { id: 'msg_1', timestamp: ts }, BODY, 'missing'],
  ])('%s', (_name, headers, body, problem) => {
    const found = verifyByHand(SECRET, headers, Buffer.from(body), now);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});

describe('webhook receiver sandbox (real HTTP)', () => {
  let sandbox: WebhookSandbox;
  beforeAll(async () => {
    sandbox = await startWebhookSandbox({ secrets: { CRM_SECRET: SECRET } });
  });
  afterEach(() => sandbox.reset());
  afterAll(() => sandbox.close());

  // redirect: 'manual': fetch would otherwise follow the sandbox's 307 and re-post the signed body.
  const post = (headers: Record<string, string>, body = BODY, path = '/hooks/1234/crm'): Promise<Response> =>
    fetch(`${sandbox.url}${path}`, { method: 'POST', headers, body, redirect: 'manual' });

  it('accepts a signed request, records it with its verification, and answers a repeat as a duplicate', async () => {
    const headers = signedHeaders('msg_a', nowSec(), BODY);
    expect((await post(headers)).status).toBe(200);
    const repeat = await post(headers);
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual({ status: 'duplicate', seen: 2 });
    expect(sandbox.received).toHaveLength(1);
    expect(sandbox.received[0]).toMatchObject({ webhookId: 'msg_a', seen: 1, verification: { library: true, manual: true, secretName: 'CRM_SECRET' } });
    expect(sandbox.duplicates()).toBe(1);
  });

  it.each([
    ['a wrong secret', () => signedHeaders('msg_b', nowSec(), BODY, newSigningSecret()), BODY],
    ['a tampered body', () => signedHeaders('msg_c', nowSec(), BODY), BODY.replace('1', '2')],
    ['a timestamp 10 minutes old', () => signedHeaders('msg_d', nowSec() - 600, BODY), BODY],
    ['no signature', () => ({ 'webhook-id': 'msg_e', 'webhook-timestamp': String(nowSec()) }), BODY],
  ])('refuses %s with 401 and records it as rejected, not received', async (_name, headers, body) => {
    expect((await post(headers(), body)).status).toBe(401);
    expect(sandbox.received).toHaveLength(0);
    expect(sandbox.rejected).toHaveLength(1);
    expect(sandbox.rejected[0].verification.library || sandbox.rejected[0].verification.manual).toBe(false);
  });

  it('HTTP controls: faults in order, records, reset', async () => {
    const faults = await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ rateLimit: { count: 1, retryAfter: 9 }, serverError: { count: 1, status: 502 }, gone: { count: 1 }, redirect: { count: 1, location: '/else' } }),
    });
    expect(faults.status).toBe(200);
    const answers: Array<[number, string | null]> = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await post(signedHeaders(`msg_f${i}`, nowSec(), BODY));
      answers.push([response.status, response.headers.get('retry-after') ?? response.headers.get('location')]);
    }
    expect(answers).toEqual([
      [429, '9'],
      [502, null],
      [410, null],
      [307, '/else'],
      [200, null],
    ]);
    const records = (await (await fetch(`${sandbox.url}/_sandbox/received`)).json()) as { received: unknown[]; requests: Array<{ answer: number }>; duplicates: number };
    expect(records.requests.map((request) => request.answer)).toEqual([429, 502, 410, 307, 200]);
    expect(records.received).toHaveLength(1);
    expect((await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', body: '{"hang":{"count":-1}}' })).status).toBe(400);
    expect((await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', body: '{"explode":{}}' })).status).toBe(400);
    expect((await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' })).status).toBe(200);
    expect(sandbox.requests).toHaveLength(0);
    expect((await fetch(`${sandbox.url}/_sandbox/received`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('the registry entry (npm start, the demo)', () => {
  it('gives quick-start secrets the worker accepts, the same for a name on every start, different per name', () => {
    const quickStartSecret = webhookSandbox.quickStartSecret!;
    const secret = quickStartSecret('TENANT_1234_WEBHOOK_CRM_SECRET');
    expect(signingSecretProblem(secret)).toBeUndefined();
    expect(quickStartSecret('TENANT_1234_WEBHOOK_CRM_SECRET')).toBe(secret);
    expect(quickStartSecret('TENANT_1234_WEBHOOK_HR_SECRET')).not.toBe(secret);
  });

  it("starts a receiver that verifies with the tenants' endpoint secrets and describes what it verified without the candidate", async () => {
    const secret = newSigningSecret();
    const running = await webhookSandbox.start({
      host: '127.0.0.1',
      port: 0,
      tenants: [{ tenantId: '1234', section: { endpoints: { hr: { url: 'http://127.0.0.1:1/unused', secretEnv: 'HR_SECRET' } } } }],
      secret: (name) => (name === 'HR_SECRET' ? secret : ''),
      env: {},
    });
    try {
      const sinceMs = Date.now() - 1;
      const body = JSON.stringify({ type: 'application.status_changed', version: 1, data: { workflowId: '2203', oldStatus: { id: '1752', stage: 'screening' }, newStatus: { id: '9820', stage: 'rejected' }, candidate: { name: 'Casey Demo', email: 'casey.demo@example.com' } } });
      const response = await fetch(`${running.url}/hooks/1234/hr`, { method: 'POST', headers: signedHeaders('msg_demo', nowSec(), body, secret), body });
      expect(response.status).toBe(200);
      const lines = await webhookSandbox.describeReceived!(running.url, sinceMs);
      expect(lines).toEqual(['POST /hooks/1234/hr  webhook-id msg_demo  workflow 2203: screening → rejected  (signature verified with HR_SECRET)']);
      expect(lines.join('\n')).not.toMatch(/Casey|casey/);
    } finally {
      await running.close();
    }
  });
});
