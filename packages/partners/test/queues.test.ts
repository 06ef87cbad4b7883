import { deliveryJobId, enrichJobId, eventDedupId, redactValue } from '@status-bridge/core';
import { parseQueueList, PARTNER_KEYS, QUEUES, QUEUE_KEYS } from '../src';

const seed = { customerId: '1234', systemId: '2203', oldStatus: '1752', newStatus: '9782' };

describe('queue contract', () => {
  it('names every queue once, with a retry policy and bounded retention', () => {
    const names = QUEUE_KEYS.map((key) => QUEUES[key].name);
    expect(new Set(names).size).toBe(names.length);
    for (const key of QUEUE_KEYS) {
      const options = QUEUES[key].defaultJobOptions;
      expect(options.attempts).toBeGreaterThan(1);
      expect(options.backoff).toEqual({ type: 'jittered-exponential' });
      expect(options.removeOnComplete).toEqual(expect.objectContaining({ age: expect.any(Number), count: expect.any(Number) }));
      expect(options.removeOnFail).toEqual(expect.objectContaining({ age: expect.any(Number), count: expect.any(Number) }));
    }
  });

  it.each([
    // Every registered partner's queue, in registry order.
    ['all', ['enrich', ...PARTNER_KEYS]],
    ['', ['enrich', ...PARTNER_KEYS]],
    ['stepstone', ['stepstone']],
    [' enrich , seek ,enrich', ['enrich', 'seek']],
  ])('parses WORKER_QUEUES=%j', (value, expected) => {
    expect(parseQueueList(value)).toEqual(expected);
  });

  it('refuses an unknown queue name', () => {
    expect(() => parseQueueList('enrich,stepstone2')).toThrow(/unknown queue\(s\) stepstone2/);
  });
});

describe('job ids', () => {
  it('start with customer and workflow so an operator can find them, and contain no colon', () => {
    const id = enrichJobId(seed, 1_700_000_000_000);
    expect(id).toBe('c1234-w2203-1752-9782-loyw3v28');
    expect(id).not.toContain(':');
  });

  it('differ for a later repeat of the same transition, while the dedup id stays the same', () => {
    expect(enrichJobId(seed, 1)).not.toBe(enrichJobId(seed, 2));
    expect(eventDedupId(seed)).toBe(eventDedupId({ ...seed }));
    expect(eventDedupId(seed)).not.toBe(eventDedupId({ ...seed, newStatus: '9783' }));
  });

  it('make unsafe status characters safe', () => {
    expect(enrichJobId({ ...seed, newStatus: 'a:b c' }, 0)).toBe('c1234-w2203-1752-a_b_c-0');
  });

  it('derive delivery ids from the enrichment job and the partner', () => {
    expect(deliveryJobId('c1234-w2203-1752-9782-x', 'stepstone')).toBe('c1234-w2203-1752-9782-x-stepstone');
    expect(deliveryJobId('c1234-w2203-1752-9782-x', 'seek')).toBe('c1234-w2203-1752-9782-x-seek');
  });
});

describe('log redaction', () => {
  it.each([
    [{ email: 'a@b.c' }, { email: '[redacted]' }],
    [{ candidate: { formattedName: 'Jane Doe', givenName: 'Jane', phone: '+61 400' } }, { candidate: { formattedName: '[redacted]', givenName: '[redacted]', phone: '[redacted]' } }],
    [{ headers: { authorization: 'Basic xyz', accept: 'json' } }, { headers: { authorization: '[redacted]', accept: 'json' } }],
    [{ jobId: 'c1-w2', customerId: '1234' }, { jobId: 'c1-w2', customerId: '1234' }],
  ])('masks %j', (input, expected) => {
    expect(redactValue(input)).toEqual(expected);
  });
});
