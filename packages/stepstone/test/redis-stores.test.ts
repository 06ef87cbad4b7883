import { Redis } from 'ioredis';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix } from '@status-bridge/testing';
import { AtsiApplicationIdStore } from '../src/application-ids';
import { TenantRateLimiter } from '../src/tenant-rate-limit';

const ID = '51c3be16-0f93-41ed-9cc0-9092222d7333';

describe('StepStone Redis stores (real Redis)', () => {
  const prefix = uniquePrefix('stepstone-stores');
  const redis = new Redis(TEST_REDIS_URL);
  afterAll(async () => {
    redis.disconnect();
    await cleanupPrefix(TEST_REDIS_URL, prefix);
  });

  describe('AtsiApplicationIdStore', () => {
    const store = new AtsiApplicationIdStore(redis, prefix);
    it('put says created / unchanged / updated; ids are kept lower-case; no TTL', async () => {
      expect(await store.put({ customerId: '1234', systemId: '2203', atsiApplicationId: ID.toUpperCase() })).toBe('created');
      expect(await store.get('1234', '2203')).toBe(ID);
      expect(await store.put({ customerId: '1234', systemId: '2203', atsiApplicationId: ID })).toBe('unchanged');
      expect(await store.set('1234', '2203', '11111111-2222-3333-4444-555555555555')).toBe(true);
      expect(await store.get('1234', '2203')).toBe('11111111-2222-3333-4444-555555555555');
      expect(await redis.ttl(store.key('1234'))).toBe(-1);
      expect(store.key('1234').startsWith(prefix)).toBe(true);
    });
    it('is per customer, deletes, refuses invalid records', async () => {
      expect(await store.get('9999', '2203')).toBeUndefined();
      await expect(store.put({ customerId: '1234', systemId: 'abc', atsiApplicationId: ID })).rejects.toThrow('systemId must be digits');
      await expect(store.set('1234', '1', 'not-a-uuid')).rejects.toThrow('atsiApplicationId must be a UUID');
      expect(await store.delete('1234', '2203')).toBe(true);
      expect(await store.delete('1234', '2203')).toBe(false);
    });
    it('putMany counts outcomes across batches', async () => {
      const records = Array.from({ length: 7 }, (_, i) => ({ customerId: '77', systemId: String(i), atsiApplicationId: ID }));
      expect(await store.putMany(records, 3)).toEqual({ created: 7, updated: 0, unchanged: 0 });
      expect(await store.putMany([...records.slice(0, 2), { ...records[2], atsiApplicationId: '11111111-2222-3333-4444-555555555555' }], 3)).toEqual({ created: 0, updated: 1, unchanged: 2 });
    });
  });

  describe('TenantRateLimiter', () => {
    const limiter = new TenantRateLimiter(redis, prefix);
    it('lets max through per window, then says how long to wait; tenants are independent', async () => {
      const limit = { max: 3, durationMs: 1_000 };
      const waits: number[] = [];
      for (let i = 0; i < 5; i++) waits.push(await limiter.acquire('500', limit));
      expect(waits.slice(0, 3)).toEqual([0, 0, 0]);
      expect(waits[3]).toBeGreaterThan(0);
      expect(waits[3]).toBeLessThanOrEqual(1_000);
      expect(await limiter.acquire('501', limit)).toBe(0);
      // A refused request takes no slot: after the wait, one slot is free again.
      await new Promise((resolve) => setTimeout(resolve, waits[4] + 20));
      expect(await limiter.acquire('500', limit)).toBe(0);
      expect(await redis.pttl(limiter.key('500'))).toBeGreaterThan(0);
    });
  });
});
