import { getEventListeners } from 'node:events';
import http from 'node:http';
import { listen, PermanentError, RateLimitedError, RetryableError, USER_AGENT, type PartnerError } from '@status-bridge/core';
import { freePort, sampleStatusChange, sleep } from '@status-bridge/testing';
import { Webhook } from 'standardwebhooks';
import { WebhookClient, type WebhookMessage, type WebhookTarget } from '../src/client';
import { buildWebhookPayload } from '../src/payload';
import { startWebhookSandbox, type WebhookSandbox } from '../src/sandbox';
import { newSigningSecret } from '../src/signing-secret';

const SECRET = newSigningSecret();
const OLD_SECRET = newSigningSecret();
const SECRET_ENV = 'TENANT_1234_WEBHOOK_CRM_SECRET';

const failure = async (promise: Promise<unknown>): Promise<PartnerError> => {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  if (!error) throw new Error('expected the send to fail');
  return error as PartnerError;
};

describe('WebhookClient against the receiver sandbox (real HTTP)', () => {
  let sandbox: WebhookSandbox;
  let elsewhere: WebhookSandbox;
  let client: WebhookClient;
  let target: WebhookTarget;
  let sequence = 0;
  const body = JSON.stringify(buildWebhookPayload(sampleStatusChange(), 'interview', { includeCandidate: false }));
  const message = (): WebhookMessage => ({ webhookId: `c1234-w2203-1752-9782-t${(sequence += 1)}-webhook-crm`, body });

  beforeAll(async () => {
    sandbox = await startWebhookSandbox({ secrets: { [SECRET_ENV]: SECRET } });
    elsewhere = await startWebhookSandbox({ secrets: { [SECRET_ENV]: SECRET } });
    client = new WebhookClient({ timeoutMs: 500, defaultRetryAfterMs: 5_000, maxRetryAfterMs: 60_000 });
    target = { tenantId: '1234', endpoint: 'crm', url: sandbox.endpointUrl('1234', 'crm'), secretEnv: SECRET_ENV, signers: [new Webhook(SECRET)] };
  });
  afterEach(() => {
    sandbox.reset();
    elsewhere.reset();
  });
  afterAll(async () => {
    client.close();
    await Promise.all([sandbox.close(), elsewhere.close()]);
  });

  it('posts the body with Standard Webhooks headers; the sandbox verifies the signature by the library and by hand', async () => {
    const sent = message();
    const result = await client.send(target, sent);
    expect(result.httpStatus).toBe(200);
    expect(sandbox.received).toHaveLength(1);
    const [received] = sandbox.received;
    expect(received).toMatchObject({
      path: '/hooks/1234/crm',
      webhookId: sent.webhookId,
      timestamp: String(result.timestamp),
      signatures: 1,
      verification: { library: true, manual: true, secretName: SECRET_ENV },
      userAgent: USER_AGENT,
      contentType: 'application/json',
      body: JSON.parse(body),
    });
    expect(Math.abs(result.timestamp - Date.now() / 1000)).toBeLessThan(60);
  });

  it('a retry of the same delivery carries the same webhook-id and a fresh timestamp; a repeat after success is de-duplicated by the receiver', async () => {
    const sent = message();
    sandbox.failNext(1, 503);
    const first = await failure(client.send(target, sent));
    expect(first).toBeInstanceOf(RetryableError);
    expect(first.details.httpStatus).toBe(503);
    await sleep(1_100); // webhook-timestamp has a resolution of one second
    const second = await client.send(target, sent);
    expect(sandbox.requests.map((request) => [request.webhookId, request.answer])).toEqual([
      [sent.webhookId, 503],
      [sent.webhookId, 200],
    ]);
    expect(Number(sandbox.requests[1].timestamp)).toBe(second.timestamp);
    expect(Number(sandbox.requests[1].timestamp)).toBeGreaterThan(Number(sandbox.requests[0].timestamp));

    // An answer lost after the receiver took it: we send again; the receiver processes it once.
    await client.send(target, sent);
    expect(sandbox.received).toHaveLength(1);
    expect(sandbox.duplicates()).toBe(1);
    expect(sandbox.state.seenIds.get(sent.webhookId)).toBe(2);
  });

  it('410 → PermanentError telling the operator to fix or remove the endpoint', async () => {
    sandbox.goneNext(1);
    const error = await failure(client.send(target, message()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.details).toMatchObject({ partner: 'webhook', tenantId: '1234', httpStatus: 410, code: 'ENDPOINT_GONE' });
    expect(error.message).toContain('tenants.1234.webhook.endpoints.crm.url');
  });

  it('429 → RateLimitedError with the Retry-After; without one, the default', async () => {
    sandbox.rateLimitNext(1, 3);
    expect(((await failure(client.send(target, message()))) as RateLimitedError).delayMs).toBe(3_000);
    sandbox.rateLimitNext(1, null);
    const without = (await failure(client.send(target, message()))) as RateLimitedError;
    expect(without).toBeInstanceOf(RateLimitedError);
    expect(without.delayMs).toBe(5_000);
  });

  it.each([500, 502, 503, 504, 408])('%i → RetryableError', async (status) => {
    sandbox.failNext(1, status);
    const error = await failure(client.send(target, message()));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.details.httpStatus).toBe(status);
  });

  it('no answer within the deadline → RetryableError ETIMEDOUT', async () => {
    sandbox.hangNext(1);
    const error = await failure(client.send(target, message()));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.details.code).toBe('ETIMEDOUT');
    expect(error.message).toContain('no answer within 500 ms');
  });

  it('a redirect is not followed: PermanentError, and nothing reaches the other URL', async () => {
    sandbox.redirectNext(1, `${elsewhere.url}/stolen?token=abc`);
    const error = await failure(client.send(target, message()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.details).toMatchObject({ httpStatus: 307, code: 'REDIRECT_NOT_FOLLOWED' });
    expect(error.message).toContain(`${elsewhere.url}/stolen`);
    expect(error.message).not.toContain('token=abc');
    expect(elsewhere.requests).toHaveLength(0);
  });

  it('a receiver that does not hold our secret answers 401 → PermanentError naming the env var, never a secret', async () => {
    const wrong = newSigningSecret();
    const error = await failure(client.send({ ...target, signers: [new Webhook(wrong)] }, message()));
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.details).toMatchObject({ httpStatus: 401, code: 'REFUSED' });
    expect(error.message).toContain(SECRET_ENV);
    expect(sandbox.rejected).toHaveLength(1);
    expect(sandbox.rejected[0].verification).toMatchObject({ library: false, manual: false });
    expect(JSON.stringify({ message: error.message, details: error.details, stack: error.stack })).not.toContain(wrong.slice(6));
  });

  it('rotation: with a previous secret both signatures go out, and a receiver still on the old one verifies', async () => {
    const oldReceiver = await startWebhookSandbox({ secrets: { OLD: OLD_SECRET } });
    try {
      const rotating = { ...target, url: oldReceiver.endpointUrl('1234', 'crm'), signers: [new Webhook(SECRET), new Webhook(OLD_SECRET)] };
      await client.send(rotating, message());
      expect(oldReceiver.received[0]).toMatchObject({ signatures: 2, verification: { library: true, manual: true, secretName: 'OLD' } });
      await client.send({ ...rotating, url: target.url }, message());
      expect(sandbox.received[0].verification.secretName).toBe(SECRET_ENV);
    } finally {
      await oldReceiver.close();
    }
  });

  it('connection refused → RetryableError ECONNREFUSED; the URL is not in the error', async () => {
    const port = await freePort();
    const error = await failure(client.send({ ...target, url: `http://127.0.0.1:${port}/T000/B000/secret-path` }, message()));
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.details.code).toBe('ECONNREFUSED');
    expect(JSON.stringify({ message: error.message, details: error.details })).not.toContain('secret-path');
  });

  it("the worker's shutdown signal cancels a request → RetryableError ABORTED", async () => {
    sandbox.hangNext(1);
    const slow = new WebhookClient({ timeoutMs: 10_000, defaultRetryAfterMs: 5_000, maxRetryAfterMs: 60_000 });
    const controller = new AbortController();
    const sending = failure(slow.send(target, message(), controller.signal));
    await sleep(100);
    controller.abort();
    const error = await sending;
    slow.close();
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.details.code).toBe('ABORTED');
  });

  it("leaves no listener on the caller's signal (it may live as long as the worker)", async () => {
    const controller = new AbortController();
    await client.send(target, message(), controller.signal);
    sandbox.failNext(1, 500);
    await failure(client.send(target, message(), controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});

describe('WebhookClient reads answers only so far', () => {
  let server: http.Server;
  let url: string;
  let mode: 'huge-error' | 'endless-ok' = 'huge-error';
  beforeAll(async () => {
    server = http.createServer((req, res) => {
      req.resume();
      if (mode === 'huge-error') {
        res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end('e'.repeat(2 * 1024 * 1024));
        return;
      }
      // A 200 whose body never ends: the status is the answer.
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('still going');
    });
    url = await listen(server, 0, '127.0.0.1');
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const target = (): WebhookTarget => ({ tenantId: '1234', endpoint: 'crm', url: `${url}/in`, secretEnv: SECRET_ENV, signers: [new Webhook(SECRET)] });

  it('a 500 with a 2 MiB body → RetryableError with a short receiver message', async () => {
    mode = 'huge-error';
    const client = new WebhookClient({ timeoutMs: 5_000, defaultRetryAfterMs: 5_000, maxRetryAfterMs: 60_000, maxAnswerBytes: 1024 });
    const error = await failure(client.send(target(), { webhookId: 'big', body: '{}' }));
    client.close();
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.details.httpStatus).toBe(500);
    expect(error.details.partnerMessage!.length).toBeLessThanOrEqual(301);
  });

  it('a 200 whose body never ends → delivered when the deadline cuts the body', async () => {
    mode = 'endless-ok';
    const client = new WebhookClient({ timeoutMs: 300, defaultRetryAfterMs: 5_000, maxRetryAfterMs: 60_000 });
    await expect(client.send(target(), { webhookId: 'endless', body: '{}' })).resolves.toMatchObject({ httpStatus: 200 });
    client.close();
  });
});
