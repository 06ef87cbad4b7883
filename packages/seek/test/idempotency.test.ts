import { seekIdempotencyId, SEEK_IDEMPOTENCY_NAMESPACE } from '../src/idempotency';

const base = { tenantId: '1234', systemId: '2203', oldStatus: '1752', newStatus: '9782' };
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('seekIdempotencyId', () => {
  it('is a UUID v5 and pinned for the seed transition (same on every machine and run)', () => {
    const id = seekIdempotencyId(base);
    expect(id).toMatch(UUID_V5);
    // Pinned value: if this changes, every queued or replayed job would create a second SEEK item.
    expect(id).toBe('d7a825fe-0f89-5bcc-a6a5-cc24fbf28f8e');
    expect(seekIdempotencyId({ ...base })).toBe(id);
    expect(SEEK_IDEMPOTENCY_NAMESPACE).toBe('3f6c2b8e-4d1a-5e7f-9a0b-6c5d4e3f2a1b');
  });

  it.each([
    ['another tenant', { tenantId: '1235' }],
    ['another workflow', { systemId: '2204' }],
    ['another old status', { oldStatus: '9782' }],
    ['another new status', { newStatus: '9790' }],
    ['the reverse transition', { oldStatus: '9782', newStatus: '1752' }],
    ['parts that would collide when joined with a separator ("12|3" vs "1|23")', { tenantId: '12', systemId: '3' }],
    ['a D-prefixed status id', { newStatus: 'D10100' }],
  ])('differs for %s', (_what, change) => {
    const other = { ...base, ...change };
    expect(seekIdempotencyId(other)).toMatch(UUID_V5);
    expect(seekIdempotencyId(other)).not.toBe(seekIdempotencyId(base));
  });

  it('separates parts that would collide under plain concatenation', () => {
    expect(seekIdempotencyId({ ...base, tenantId: '1', systemId: '23' })).not.toBe(seekIdempotencyId({ ...base, tenantId: '12', systemId: '3' }));
  });
});
