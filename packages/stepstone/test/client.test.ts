import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PermanentError, RateLimitedError, RetryableError, USER_AGENT } from '@status-bridge/core';
import { start, type StepStoneSandbox } from '../src/sandbox';
import { StepStoneClient, type StepStoneTarget } from '../src/client';

const ID = '51c3be16-0f93-41ed-9cc0-9092222d7333';
const TOKEN = 'tok-client-test-secret';

describe('StepStoneClient against the sandbox (real HTTP)', () => {
  let sandbox: StepStoneSandbox;
  let client: StepStoneClient;
  let target: StepStoneTarget;
  beforeAll(async () => {
    sandbox = await start({ tokens: [TOKEN] });
    client = new StepStoneClient({ timeoutMs: 400, defaultRetryAfterMs: 5_000, maxRetryAfterMs: 60_000 });
    target = { tenantId: '1234', url: sandbox.statusUrl('ATS1'), token: TOKEN, tokenEnv: 'TENANT_1234_STEPSTONE_TOKEN' };
  });
  afterEach(() => sandbox.reset());
  afterAll(async () => {
    client.close();
    await sandbox.close();
  });

  it('posts the message with X-AtsiToken, JSON and our User-Agent', async () => {
    const message = { AtsiApplicationId: ID, Status: 'INTERVIEW', RawStatus: 'Interview', BusinessDate: '2026-11-23T18:00:00.000Z' };
    await expect(client.sendStatus(target, message)).resolves.toEqual({ httpStatus: 200 });
    expect(sandbox.received).toHaveLength(1);
    expect(sandbox.received[0]).toMatchObject({ token: TOKEN, userAgent: USER_AGENT, body: message });
  });

  it.each([
    ['a non-UUID id', { AtsiApplicationId: '2203', Status: 'INTERVIEW' }],
    ['a status outside the list', { AtsiApplicationId: ID, Status: 'CONTACT' }],
    ['an unknown field', { AtsiApplicationId: ID, Status: 'OFFER', Email: 'x' }],
  ])('refuses to send %s (nothing reaches StepStone)', async (_name, message) => {
    await expect(client.sendStatus(target, message as never)).rejects.toBeInstanceOf(PermanentError);
    expect(sandbox.requests).toHaveLength(0);
  });

  it('sends a tenant extra status', async () => {
    sandbox.state.extraStatuses.push('CONTACT');
    await client.sendStatus({ ...target, extraStatuses: ['CONTACT'] }, { AtsiApplicationId: ID, Status: 'CONTACT' });
    sandbox.state.extraStatuses.pop();
    expect(sandbox.received[0].body.Status).toBe('CONTACT');
  });

  it('400 → PermanentError with the partner answer', async () => {
    sandbox.rejectAll(true, 'Unknown AtsiApplicationId');
    const error = (await client.sendStatus(target, { AtsiApplicationId: ID, Status: 'OFFER' }).catch((e: unknown) => e)) as PermanentError;
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.details).toMatchObject({ httpStatus: 400 });
    expect(error.details.partnerMessage).toContain('Unknown AtsiApplicationId');
  });

  it('401 → PermanentError naming the env var, not the token', async () => {
    const error = (await client.sendStatus({ ...target, token: 'wrong-token-value' }, { AtsiApplicationId: ID, Status: 'OFFER' }).catch((e: unknown) => e)) as PermanentError;
    expect(error).toBeInstanceOf(PermanentError);
    expect(error.message).toContain('TENANT_1234_STEPSTONE_TOKEN');
    expect(JSON.stringify({ m: error.message, d: error.details, s: error.stack })).not.toContain('wrong-token-value');
  });

  it('429 → RateLimitedError with Retry-After; without one, the default', async () => {
    sandbox.rateLimitNext(1, 3);
    const withHeader = (await client.sendStatus(target, { AtsiApplicationId: ID, Status: 'OFFER' }).catch((e: unknown) => e)) as RateLimitedError;
    expect(withHeader).toBeInstanceOf(RateLimitedError);
    expect(withHeader.delayMs).toBe(3_000);
    sandbox.rateLimitNext(1, null);
    const without = (await client.sendStatus(target, { AtsiApplicationId: ID, Status: 'OFFER' }).catch((e: unknown) => e)) as RateLimitedError;
    expect(without.delayMs).toBe(5_000);
  });

  it('500 and a hang (timeout) → RetryableError, no token in the error', async () => {
    sandbox.failNext(1, 502);
    await expect(client.sendStatus(target, { AtsiApplicationId: ID, Status: 'OFFER' })).rejects.toBeInstanceOf(RetryableError);
    sandbox.hangNext(1);
    const timeout = (await client.sendStatus(target, { AtsiApplicationId: ID, Status: 'OFFER' }).catch((e: unknown) => e)) as RetryableError;
    expect(timeout).toBeInstanceOf(RetryableError);
    expect(timeout.details.code).toBe('ETIMEDOUT');
    expect(timeout.message).toContain('no answer within 400 ms');
    expect(JSON.stringify({ m: timeout.message, d: timeout.details })).not.toContain(TOKEN);
  });

  it('connection refused → RetryableError', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const error = (await client.sendStatus({ ...target, url: `http://127.0.0.1:${port}/x` }, { AtsiApplicationId: ID, Status: 'OFFER' }).catch((e: unknown) => e)) as RetryableError;
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.details.code).toBe('ECONNREFUSED');
  });

  it('does not follow a redirect (the token would go to another host)', async () => {
    const redirector = http.createServer((_req, res) => res.writeHead(307, { Location: sandbox.seedStatusUrl }).end());
    await new Promise<void>((resolve) => redirector.listen(0, '127.0.0.1', resolve));
    const { port } = redirector.address() as AddressInfo;
    try {
      const error = await client.sendStatus({ ...target, url: `http://127.0.0.1:${port}/` }, { AtsiApplicationId: ID, Status: 'OFFER' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermanentError);
      expect(sandbox.requests).toHaveLength(0);
    } finally {
      redirector.closeAllConnections();
      await new Promise<void>((resolve) => redirector.close(() => resolve()));
    }
  });
});

test('a partner that trickles its answer is cut off at the request timeout (not only when idle)', async () => {
  const trickle = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    const timer = setInterval(() => res.write(' '), 50);
    res.on('close', () => clearInterval(timer));
  });
  await new Promise<void>((resolve) => trickle.listen(0, '127.0.0.1', resolve));
  const { port } = trickle.address() as AddressInfo;
  const client = new StepStoneClient({ timeoutMs: 300, defaultRetryAfterMs: 1_000, maxRetryAfterMs: 1_000 });
  try {
    const error = (await client
      .sendStatus({ tenantId: '1234', url: `http://127.0.0.1:${port}/`, token: TOKEN, tokenEnv: 'X' }, { AtsiApplicationId: ID, Status: 'OFFER' })
      .catch((e: unknown) => e)) as RetryableError;
    expect(error).toBeInstanceOf(RetryableError);
    expect(error.details.code).toBe('ETIMEDOUT');
  } finally {
    client.close();
    trickle.closeAllConnections();
    await new Promise<void>((resolve) => trickle.close(() => resolve()));
  }
});
