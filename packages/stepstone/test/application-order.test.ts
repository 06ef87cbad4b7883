import { Redis } from 'ioredis';
import type { OrderPosition } from '@status-bridge/core';
import { cleanupPrefix, sleep, TEST_REDIS_URL, uniquePrefix } from '@status-bridge/testing';
import { ApplicationOrderStore, positionOf, type ApplicationRef, type ClaimOutcome, type Transition } from '../src/application-order';

/** The order-mark store against the real Redis: every decision of its one script. */
const prefix = uniquePrefix('stepstone-order');
const redis = new Redis(TEST_REDIS_URL);
const store = new ApplicationOrderStore(redis, prefix, { lockMs: 400, markTtlMs: 60_000 });
let sequence = 0;

/** A fresh application per case, so cases do not see each other's marks. */
function application(): ApplicationRef {
  sequence += 1;
  return { tenantId: '1234', atsiApplicationId: `51c3be16-0f93-41ed-9cc0-${String(sequence).padStart(12, '0')}` };
}

const at = (atMs: number, tiebreak = 'c1234-w2203-1752-9782-a'): OrderPosition => ({ atMs, tiebreak });

afterAll(async () => {
  redis.disconnect();
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

type Step = { job: string; position: OrderPosition; release?: boolean; transition?: Transition };

// A position capped before the workflow's update (the workflow had moved on to `movedTo` when the
// event was enriched): its atMs is only an upper bound, received at `receivedAtMs`.
const capped = (atMs: number, receivedAtMs: number, movedTo: string): OrderPosition => ({ ...at(atMs), capped: { receivedAtMs, workflowStatusId: movedTo } });
const moved = (oldStatusId: string, newStatusId: string): Transition => ({ oldStatusId, newStatusId });

// Each case: steps claimed in order (a step with release: true releases its lock right after a
// `go`, as the processor does when its POST ends), then the last claim's expected outcome.
describe.each<[string, Step[], Step, ClaimOutcome['outcome'], string?]>([
  ['first change of an application', [], { job: 'A', position: at(1_000) }, 'go'],
  ['newer than the mark (after the older one was posted)', [{ job: 'A', position: at(1_000), release: true }], { job: 'B', position: at(2_000) }, 'go'],
  ['older than the mark: the retry of A after B was posted', [{ job: 'A', position: at(1_000), release: true }, { job: 'B', position: at(2_000), release: true }], { job: 'A', position: at(1_000) }, 'superseded', 'B'],
  ['older than the mark while the newer one is still posting: superseded at once, not busy', [{ job: 'B', position: at(2_000) }], { job: 'A', position: at(1_000) }, 'superseded', 'B'],
  ['same atMs, greater tie-break: newer', [{ job: 'A', position: at(1_000, 'c1-w1-a-b-k1'), release: true }], { job: 'B', position: at(1_000, 'c1-w1-a-b-k2') }, 'go'],
  ['same atMs, smaller tie-break: older', [{ job: 'B', position: at(1_000, 'c1-w1-a-b-k2'), release: true }], { job: 'A', position: at(1_000, 'c1-w1-a-b-k1') }, 'superseded', 'B'],
  // en_US collation ignores '-' at the first level ("c-b" < "ca"), byte order does not ('-' 0x2d < 'a' 0x61).
  ['tie-break compared by bytes, not by locale', [{ job: 'B', position: at(1_000, 'ca'), release: true }], { job: 'A', position: at(1_000, 'c-b') }, 'superseded', 'B'],
  ['a tie-break that is a prefix of the other is older', [{ job: 'B', position: at(1_000, 'c1-w1-k10'), release: true }], { job: 'A', position: at(1_000, 'c1-w1-k1') }, 'superseded', 'B'],
  ['equal position, another job: not older, goes', [{ job: 'A', position: at(1_000), release: true }], { job: 'A2', position: at(1_000) }, 'go'],
  ['same job again after its POST (a retry): re-enters its own mark', [{ job: 'A', position: at(1_000), release: true }], { job: 'A', position: at(1_000) }, 'go'],
  ['same job again while holding the lock (re-run after a stall): re-enters', [{ job: 'A', position: at(1_000) }], { job: 'A', position: at(1_000) }, 'go'],
  ['newer, but another job holds the lock: busy', [{ job: 'A', position: at(1_000) }], { job: 'B', position: at(2_000) }, 'busy', 'A'],
  // The minute-wide cap put B (9782→9790, received at 1 500) before A (1752→9782, received at
  // 1 000): the workflow had moved on to 9820 through a third change. B left the status A entered.
  ['capped before an older change it follows: goes', [{ job: 'A', position: at(1_000), transition: moved('1752', '9782'), release: true }], { job: 'B', position: capped(900, 1_500, '9820'), transition: moved('9782', '9790') }, 'go'],
  ['capped, but the mark entered the status the workflow moved on to (it is the newer change): superseded', [{ job: 'M', position: at(1_000), transition: moved('9790', '9782'), release: true }], { job: 'A', position: capped(900, 1_500, '9782'), transition: moved('9782', '9790') }, 'superseded', 'M'],
  ['capped, and it did not leave the status the mark entered: superseded', [{ job: 'A', position: at(1_000), transition: moved('1752', '9782'), release: true }], { job: 'B', position: capped(900, 1_500, '9820'), transition: moved('9790', '9820') }, 'superseded', 'A'],
  ['capped, the mark received after it: superseded', [{ job: 'A', position: at(1_600), transition: moved('1752', '9782'), release: true }], { job: 'B', position: capped(900, 1_500, '9820'), transition: moved('9782', '9790') }, 'superseded', 'A'],
  ['capped, a mark that recorded no status (written before statuses were): superseded', [{ job: 'A', position: at(1_000), release: true }], { job: 'B', position: capped(900, 1_500, '9820'), transition: moved('9782', '9790') }, 'superseded', 'A'],
  ['not capped, older than the mark it follows: superseded (only a cap is doubted)', [{ job: 'A', position: at(1_000), transition: moved('1752', '9782'), release: true }], { job: 'B', position: at(900), transition: moved('9782', '9790') }, 'superseded', 'A'],
])('%s', (_name, steps, last, expected, other) => {
  it(`→ ${expected}`, async () => {
    const app = application();
    for (const step of steps) {
      const claim = await store.claim(app, step.position, step.job, step.transition);
      expect(claim).toEqual({ outcome: 'go', lockToken: expect.any(String) });
      if (step.release && claim.outcome === 'go') expect(await store.release(app, claim.lockToken)).toBe(true);
    }
    const outcome = await store.claim(app, last.position, last.job, last.transition);
    expect(outcome.outcome).toBe(expected);
    if (outcome.outcome === 'superseded') {
      expect(outcome.by).toBe(other);
      expect(outcome.mark).toEqual(steps.find((step) => step.job === other)!.position);
      // Nothing recorded for the superseded job.
      expect((await store.mark(app))?.jobId).toBe(other);
    }
    if (outcome.outcome === 'busy') {
      expect(outcome.holder).toBe(other);
      expect(outcome.lockTtlMs).toBeGreaterThan(0);
      expect(outcome.lockTtlMs).toBeLessThanOrEqual(400);
      // Busy records nothing: the mark is still the holder's.
      expect((await store.mark(app))?.jobId).toBe(other);
    }
    if (outcome.outcome === 'go') {
      // A capped change that goes past a newer-looking mark is recorded just after that mark.
      const previous = steps.at(-1)?.position;
      const recordedAt = last.position.capped && previous && previous.atMs >= last.position.atMs ? previous.atMs + 1 : last.position.atMs;
      expect(await store.mark(app)).toEqual({ atMs: recordedAt, tiebreak: last.position.tiebreak, jobId: last.job });
      expect(await store.holder(app)).toBe(last.job);
    }
  });
});

const go = async (app: ApplicationRef, position: OrderPosition, job: string): Promise<string> => {
  const claim = await store.claim(app, position, job);
  if (claim.outcome !== 'go') throw new Error(`expected go, got ${JSON.stringify(claim)}`);
  return claim.lockToken;
};

describe('a capped change that follows the mark', () => {
  it('is recorded just after its predecessor: the predecessor\'s retry is superseded, a change received later still goes', async () => {
    const app = application();
    const first = await store.claim(app, at(1_000), 'A', moved('1752', '9782'));
    if (first.outcome !== 'go') throw new Error(`A: ${first.outcome}`);
    await store.release(app, first.lockToken);
    const follower = await store.claim(app, capped(900, 1_500, '9820'), 'B', moved('9782', '9790'));
    if (follower.outcome !== 'go') throw new Error(`B: ${follower.outcome}`);
    await store.release(app, follower.lockToken);
    expect(await store.mark(app)).toEqual({ atMs: 1_001, tiebreak: at(0).tiebreak, jobId: 'B' });
    expect((await store.claim(app, at(1_000), 'A', moved('1752', '9782'))).outcome).toBe('superseded');
    // The change that moved the workflow on to 9820, received after B.
    expect((await store.claim(app, at(1_700, 'c1234-w2203-9790-9820-c'), 'C', moved('9790', '9820'))).outcome).toBe('go');
  });
});

describe('the lock', () => {
  it('lapses after lockMs when its holder dies; the next job goes, and the dead job\'s re-run is superseded', async () => {
    const app = application();
    await go(app, at(1_000), 'A');
    expect((await store.claim(app, at(2_000), 'B')).outcome).toBe('busy');
    await sleep(450);
    await go(app, at(2_000), 'B');
    expect(await store.claim(app, at(1_000), 'A')).toMatchObject({ outcome: 'superseded', by: 'B' });
  });

  it('is released only by the claim that holds it (compare-and-delete on its token)', async () => {
    const app = application();
    const token = await go(app, at(1_000), 'A');
    expect(await store.release(app, 'someone-else')).toBe(false);
    expect(await store.holder(app)).toBe('A');
    expect(await store.release(app, token)).toBe(true);
    expect(await redis.exists(store.lockKey(app))).toBe(0);
    expect(await store.release(app, token)).toBe(false);
  });

  it('a late release of an earlier run of the same job does not free the lock of its later run', async () => {
    const app = application();
    const first = await go(app, at(1_000), 'A');
    // The job is re-run (stalled, or its lock lapsed while it hung) and re-enters with a new token.
    const second = await go(app, at(1_000), 'A');
    expect(second).not.toBe(first);
    expect(await store.release(app, first)).toBe(false);
    expect((await store.claim(app, at(2_000), 'B')).outcome).toBe('busy');
    expect(await store.release(app, second)).toBe(true);
    expect((await store.claim(app, at(2_000), 'B')).outcome).toBe('go');
  });

  it('a settle time keeps it that much longer instead of deleting it', async () => {
    const app = application();
    const token = await go(app, at(1_000), 'A');
    expect(await store.release(app, token, 150)).toBe(true);
    expect((await store.claim(app, at(2_000), 'B')).outcome).toBe('busy');
    await sleep(200);
    expect((await store.claim(app, at(2_000), 'B')).outcome).toBe('go');
  });
});

describe('keys', () => {
  it('live under the hash-tagged prefix, per tenant and application; the mark expires, the lock too', async () => {
    const app = application();
    await store.claim(app, at(1_000), 'A');
    expect(store.markKey(app).startsWith(`${prefix}:sb:stepstone:order:1234:`)).toBe(true);
    expect(store.lockKey(app).startsWith(`${prefix}:sb:stepstone:order-lock:1234:`)).toBe(true);
    const markTtl = await redis.pttl(store.markKey(app));
    expect(markTtl).toBeGreaterThan(50_000);
    expect(markTtl).toBeLessThanOrEqual(60_000);
    expect(await redis.pttl(store.lockKey(app))).toBeGreaterThan(0);
    // Another tenant with the same AtsiApplicationId is another application.
    expect((await store.claim({ ...app, tenantId: '2000' }, at(500), 'X')).outcome).toBe('go');
  });

  it('refuses a position that is not an integer of ms', async () => {
    await expect(store.claim(application(), at(1.5), 'A')).rejects.toThrow('atMs must be an integer');
  });
});

describe('positionOf', () => {
  it('uses the order the enrichment computed, else receivedAt and the enrichment id (jobs queued before positions existed)', () => {
    const order = { atMs: 5, tiebreak: 't' };
    expect(positionOf({ order, receivedAt: '2026-11-23T10:00:00.000Z', enrichJobId: 'e' })).toBe(order);
    expect(positionOf({ receivedAt: '2026-11-23T10:00:00.000Z', enrichJobId: 'e' })).toEqual({ atMs: Date.parse('2026-11-23T10:00:00.000Z'), tiebreak: 'e' });
    expect(positionOf({ receivedAt: 'garbage', enrichJobId: 'e' })).toEqual({ atMs: 0, tiebreak: 'e' });
  });
});
