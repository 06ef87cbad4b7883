import { Redis } from 'ioredis';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix, waitFor } from '@status-bridge/testing';
import { BackoffGate, PROBE_POLL_MS, type GateClosing } from '../src/backoff-gate';

/** The gate's Lua scripts against the real Redis (unique prefix), two connections as two processes. */
let redis: Redis;
let other: Redis;
const prefix = uniquePrefix('icims-gate');
let tenantCounter = 0;

const gateOn = (connection: Redis, options: Partial<ConstructorParameters<typeof BackoffGate>[2]> = {}): BackoffGate =>
  new BackoffGate(connection, prefix, { jitterMs: 0, probeLeaseMs: 5_000, ...options });
/** A fresh tenant per test, so tests never see each other's gates. */
const freshTenant = (): string => `t${++tenantCounter}`;

beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
  other = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
});

afterAll(async () => {
  await cleanupPrefix(TEST_REDIS_URL, prefix);
  redis.disconnect();
  other.disconnect();
});

describe('closing the gate (one 429 after another, from two processes)', () => {
  // [case, first delay, second delay, what the second closing does, the gate's wait after it (within)]
  it.each<[string, number, number, GateClosing, [number, number]]>([
    ['a later gate wins', 3_000, 8_000, 'extended', [7_000, 8_000]],
    ['an earlier gate does not shorten a later one', 8_000, 3_000, 'kept', [7_000, 8_000]],
  ])('%s', async (_case, first, second, closing, [low, high]) => {
    const tenant = freshTenant();
    const firstClosing = await gateOn(redis).close(tenant, first);
    expect(firstClosing).toEqual({ closing: 'closed', remainingMs: first });
    const secondClosing = await gateOn(other).close(tenant, second);
    expect(secondClosing.closing).toBe(closing);
    const remaining = await gateOn(redis).remaining(tenant);
    expect(remaining).toBeGreaterThan(low);
    expect(remaining).toBeLessThanOrEqual(high);
    expect(await gateOn(other).admit(tenant)).toEqual({ state: 'closed', remainingMs: expect.any(Number) });
  });

  it('an open gate answers open, and no key is written for it', async () => {
    const tenant = freshTenant();
    expect(await gateOn(redis).remaining(tenant)).toBe(0);
    expect(await gateOn(redis).admit(tenant)).toEqual({ state: 'open' });
    expect(await redis.exists(...gateOn(redis).keys(tenant))).toBe(0);
  });

  it('tenants are independent', async () => {
    const limited = freshTenant();
    const calm = freshTenant();
    await gateOn(redis).close(limited, 5_000);
    expect(await gateOn(other).remaining(limited)).toBeGreaterThan(4_000);
    expect(await gateOn(other).remaining(calm)).toBe(0);
    expect(await gateOn(other).admit(calm)).toEqual({ state: 'open' });
  });

  it('all keys of a tenant share the queue prefix hash tag (one Redis Cluster slot)', () => {
    for (const key of gateOn(redis).keys('1234')) expect(key.startsWith(`${prefix}:sb:icims:`)).toBe(true);
  });
});

describe('opening after the wait: one probe at a time', () => {
  it('opens after the time; then one event probes, the others wait, and its success opens the gate', async () => {
    const tenant = freshTenant();
    await gateOn(redis).close(tenant, 100);
    await waitFor(async () => (await gateOn(redis).remaining(tenant)) === 0, { what: 'the gate to open', timeoutMs: 5_000, intervalMs: 20 });
    const first = await gateOn(redis).admit(tenant);
    expect(first.state).toBe('probe');
    const second = await gateOn(other).admit(tenant);
    expect(second).toEqual({ state: 'probing', remainingMs: expect.any(Number) });
    expect(await gateOn(other).probeSucceeded(tenant)).toBe(true);
    expect(await gateOn(other).admit(tenant)).toEqual({ state: 'open' });
    expect(await redis.exists(...gateOn(redis).keys(tenant))).toBe(0);
  });

  it('a probe that ends without an answer lets the next event probe; another id cannot release it', async () => {
    const tenant = freshTenant();
    await gateOn(redis).close(tenant, 50);
    await waitFor(async () => (await gateOn(redis).remaining(tenant)) === 0, { what: 'the gate to open', timeoutMs: 5_000, intervalMs: 20 });
    const probe = await gateOn(redis).admit(tenant);
    if (probe.state !== 'probe') throw new Error(`expected a probe, got ${probe.state}`);
    await gateOn(other).probeEnded(tenant, 'not-the-probe');
    expect((await gateOn(other).admit(tenant)).state).toBe('probing');
    await gateOn(redis).probeEnded(tenant, probe.probeId);
    expect((await gateOn(other).admit(tenant)).state).toBe('probe');
  });

  it('a 429 during the probe closes the gate again; the probe\'s late success does not reopen it', async () => {
    const tenant = freshTenant();
    await gateOn(redis).close(tenant, 50);
    await waitFor(async () => (await gateOn(redis).remaining(tenant)) === 0, { what: 'the gate to open', timeoutMs: 5_000, intervalMs: 20 });
    expect((await gateOn(redis).admit(tenant)).state).toBe('probe');
    // A new closing (the gate had opened), so it is logged again.
    expect((await gateOn(other).close(tenant, 5_000)).closing).toBe('closed');
    expect(await gateOn(redis).probeSucceeded(tenant)).toBe(false);
    expect((await gateOn(redis).admit(tenant)).state).toBe('closed');
  });

  it('a probe lease lapses (its holder died): another event probes', async () => {
    const tenant = freshTenant();
    await gateOn(redis).close(tenant, 50);
    await waitFor(async () => (await gateOn(redis).remaining(tenant)) === 0, { what: 'the gate to open', timeoutMs: 5_000, intervalMs: 20 });
    expect((await gateOn(redis, { probeLeaseMs: 100 }).admit(tenant)).state).toBe('probe');
    await waitFor(async () => (await gateOn(other).admit(tenant)).state === 'probe', { what: 'the lapsed lease to be taken', timeoutMs: 5_000, intervalMs: 20 });
  });
});

describe('waits handed out are spread', () => {
  it.each([
    ['closed: the gate\'s wait plus jitter', { state: 'closed' as const, remainingMs: 1_500 }, 0.5, 2_000],
    ['closed, no jitter drawn', { state: 'closed' as const, remainingMs: 1_500 }, 0, 1_500],
    ['probing: a short poll plus jitter', { state: 'probing' as const, remainingMs: 9_000 }, 0.25, PROBE_POLL_MS + 250],
  ])('%s', (_case, admission, drawn, expected) => {
    expect(gateOn(redis, { jitterMs: 1_000, random: () => drawn }).waitFor(admission)).toBe(expected);
  });

  it('300 waiters come back spread over the window, not in one millisecond', () => {
    const gate = gateOn(redis, { jitterMs: 2_000 });
    const waits = Array.from({ length: 300 }, () => gate.waitFor({ state: 'closed', remainingMs: 1_000 }));
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(1_000);
    expect(Math.max(...waits)).toBeLessThan(3_000);
    // 300 draws over 2,000 ms: far more than a handful of distinct wake-up times.
    expect(new Set(waits).size).toBeGreaterThan(200);
  });
});
