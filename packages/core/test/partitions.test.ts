import { randomBytes } from 'node:crypto';
import { envSchema, jumpHash, keySlot, loadEnv, parsePartitionList, partitionLayout, partitionOf, partitionPrefix, partitionSlotWindow, type CommonEnv } from '../src';

// The slot ranges `redis-cli --cluster create` gives 3 masters (the cluster suite's topology).
// ioredis's own slot function (what the cluster client routes by; it ships no types): ours must agree with it.
const clusterKeySlot = require('cluster-key-slot') as (key: string) => number;

const THREE_MASTERS = [
  { from: 0, to: 5460 },
  { from: 5461, to: 10922 },
  { from: 10923, to: 16383 },
];
const masterOf = (slot: number): number => THREE_MASTERS.findIndex((range) => slot >= range.from && slot <= range.to);

describe('keySlot', () => {
  // Not compared: keys with an empty tag ("{}…{x}"), where cluster-key-slot 1.1 hashes the next
  // tag but Redis (cluster.c keyHashSlot) hashes the whole key; our prefixes never have one.
  it.each(['{status-bridge}:enrich:id', '{status-bridge-p3-s2}:seek:wait', 'no-tag', 'x{y', 'x}{y}', '{', '{ü}', 'a{b}c{d}', '{sbt-cluster-0a1b2c3d}:sb:icims:gate:1234'])('agrees with cluster-key-slot for %s', (key) => {
    expect(keySlot(key)).toBe(clusterKeySlot(key));
  });
});

describe('partitionPrefix', () => {
  it('partition 0 is QUEUE_PREFIX itself (N = 1 keeps every key name)', () => {
    expect(partitionPrefix('{status-bridge}', 0)).toBe('{status-bridge}');
  });

  it('puts partition i > 0 into its slot window, with a valid QUEUE_PREFIX-shaped name', () => {
    for (let index = 1; index < 64; index++) {
      const prefix = partitionPrefix('{status-bridge}', index);
      const { from, to } = partitionSlotWindow(index);
      expect(prefix).toMatch(new RegExp(`^\\{status-bridge-p${index}(-s\\d+)?\\}$`));
      expect(keySlot(`${prefix}:enrich:id`)).toBeGreaterThanOrEqual(from);
      expect(keySlot(`${prefix}:enrich:id`)).toBeLessThan(to);
    }
  });

  it('names do not depend on N (a partition keeps its keys when QUEUE_PARTITIONS changes)', () => {
    const four = partitionLayout({ QUEUE_PREFIX: '{status-bridge}', QUEUE_PARTITIONS: 4 });
    const eight = partitionLayout({ QUEUE_PREFIX: '{status-bridge}', QUEUE_PARTITIONS: 8 });
    expect(four.all.map((index) => four.prefix(index))).toEqual(eight.all.slice(0, 4).map((index) => eight.prefix(index)));
    expect(new Set(eight.all.map((index) => eight.prefix(index))).size).toBe(8);
  });

  it.each([2, 4, 8, 16, 64])('partitions 1 … %i−1 sit in distinct %i-ths of the slot range', (count) => {
    const cells = Array.from({ length: count - 1 }, (_, index) => {
      const slot = keySlot(`${partitionPrefix('{status-bridge}', index + 1)}:enrich:id`);
      return Math.floor(slot / (16_384 / count));
    });
    expect(new Set(cells).size).toBe(count - 1);
  });

  // Whatever QUEUE_PREFIX is (partition 0's slot is wherever its tag hashes), 8 partitions reach
  // all 3 masters: the windows of partitions 4, 6 and 7 lie inside the first, second and third
  // master's ranges.
  it.each(['{status-bridge}', '{sb}', '{prod.status-bridge}', ...Array.from({ length: 20 }, () => `{sbt-${randomBytes(4).toString('hex')}}`)])('8 partitions of %s land on all 3 masters of a default 3-master cluster', (base) => {
    const layout = partitionLayout({ QUEUE_PREFIX: base, QUEUE_PARTITIONS: 8 });
    const masters = new Set(layout.all.map((index) => masterOf(keySlot(`${layout.prefix(index)}:enrich:id`))));
    expect([...masters].sort()).toEqual([0, 1, 2]);
  });
});

describe('jumpHash', () => {
  const keys = Array.from({ length: 20_000 }, (_, index) => BigInt.asUintN(64, BigInt(index) * 0x9e3779b97f4a7c15n + 12345n));

  it('stays in [0, N) and N = 1 is always 0', () => {
    for (const key of keys.slice(0, 500)) {
      expect(jumpHash(key, 1)).toBe(0);
      const bucket = jumpHash(key, 7);
      expect(bucket).toBeGreaterThanOrEqual(0);
      expect(bucket).toBeLessThan(7);
    }
  });

  it.each([
    [1, 2],
    [2, 4],
    [4, 8],
    [8, 5],
  ])('from %i to %i buckets moves only what must move, only into added or out of removed buckets', (from, to) => {
    let moved = 0;
    for (const key of keys) {
      const before = jumpHash(key, from);
      const after = jumpHash(key, to);
      if (before === after) continue;
      moved++;
      if (to > from) expect(after).toBeGreaterThanOrEqual(from);
      else expect(before).toBeGreaterThanOrEqual(to);
    }
    const expected = Math.abs(to - from) / Math.max(to, from);
    expect(moved / keys.length).toBeGreaterThan(expected - 0.03);
    expect(moved / keys.length).toBeLessThan(expected + 0.03);
  });

  it('spreads keys about evenly', () => {
    const counts = new Array<number>(8).fill(0);
    for (const key of keys) counts[jumpHash(key, 8)]++;
    for (const count of counts) expect(Math.abs(count - keys.length / 8)).toBeLessThan((keys.length / 8) * 0.1);
  });

  it('refuses a bucket count that is not a positive integer', () => {
    expect(() => jumpHash(1n, 0)).toThrow(/positive integer/);
  });
});

describe('partitionOf', () => {
  // Routing must not change between versions: during a rolling deploy old and new ingest
  // processes route side by side, and a changed hash would split a workflow over two partitions.
  // These values pin it (computed once from SHA-1 + jump hash; see partitions.ts).
  it.each([
    ['1234', '2203', [0, 1, 3, 3]],
    ['1234', '2204', [0, 0, 2, 5]],
    ['1234', '500000', [0, 1, 2, 2]],
    ['99', '1', [0, 0, 0, 4]],
    ['5678', '12345678', [0, 1, 1, 1]],
  ])('customer %s, workflow %s → partitions for N = 1, 2, 4, 8: %j', (customerId, systemId, expected) => {
    expect([1, 2, 4, 8].map((count) => partitionOf(customerId, systemId, count))).toEqual(expected);
  });

  it('keeps customer and workflow apart (no ambiguity from concatenation)', () => {
    const spread = new Set(Array.from({ length: 64 }, (_, index) => partitionOf(`1${index}`, `${index}2`, 1 << 20)));
    expect(spread.size).toBeGreaterThan(60);
  });

  it('spreads the workflows of one customer over the partitions', () => {
    const counts = new Array<number>(4).fill(0);
    for (let systemId = 500_000; systemId < 502_000; systemId++) counts[partitionOf('1234', String(systemId), 4)]++;
    for (const count of counts) expect(count).toBeGreaterThan(400);
  });
});

describe('parsePartitionList', () => {
  it.each([
    ['all', 4, [0, 1, 2, 3]],
    ['', 2, [0, 1]],
    ['3', 8, [3]],
    ['0-3,5', 8, [0, 1, 2, 3, 5]],
    [' 5 , 0-1 ,1 ', 8, [0, 1, 5]],
  ])('%j of %i partitions → %j', (value, count, expected) => {
    expect(parsePartitionList(value, count)).toEqual(expected);
  });

  it.each([
    ['8', 8, /partition 8 does not exist: there are 8 \(0-7\)/],
    ['3-1', 8, /runs backwards/],
    ['a', 8, /"a" is not a partition number or range/],
    ['1-', 8, /not a partition number or range/],
    ['-1', 8, /not a partition number or range/],
  ])('refuses %j of %i partitions', (value, count, message) => {
    expect(() => parsePartitionList(value, count)).toThrow(message);
  });
});

describe('QUEUE_PARTITIONS and QUEUE_PARTITIONS_DRAIN', () => {
  const schema = envSchema({});

  it('default to one partition: QUEUE_PREFIX, nothing partitioned', () => {
    const env = loadEnv<CommonEnv>(schema, { CONFIG_FILE: 'x.json' });
    expect(env.QUEUE_PARTITIONS).toBe(1);
    const layout = partitionLayout(env);
    expect({ all: layout.all, partitioned: layout.partitioned, prefix: layout.prefix(0), route: layout.route('1234', '2203') }).toEqual({ all: [0], partitioned: false, prefix: '{status-bridge}', route: 0 });
  });

  it('a drain above N keeps the old partitions readable; new events only go to [0, N)', () => {
    const layout = partitionLayout(loadEnv<CommonEnv>(schema, { CONFIG_FILE: 'x.json', QUEUE_PARTITIONS: '2', QUEUE_PARTITIONS_DRAIN: '4' }));
    expect(layout.all).toEqual([0, 1, 2, 3]);
    for (let systemId = 0; systemId < 200; systemId++) expect(layout.route('1234', String(systemId))).toBeLessThan(2);
  });

  it('a drain below N changes nothing (raising N needs no drain: the old partitions are among the new)', () => {
    expect(partitionLayout({ QUEUE_PREFIX: '{sb}', QUEUE_PARTITIONS: 4, QUEUE_PARTITIONS_DRAIN: 2 }).all).toEqual([0, 1, 2, 3]);
  });

  it.each([
    [{ QUEUE_PARTITIONS: '0' }, /QUEUE_PARTITIONS must be >= 1/],
    [{ QUEUE_PARTITIONS: 'four' }, /QUEUE_PARTITIONS must be integer \(got "four"\)/],
    [{ QUEUE_PARTITIONS: '1000' }, /QUEUE_PARTITIONS must be <= 256/],
    [{ QUEUE_PARTITIONS_DRAIN: '0' }, /QUEUE_PARTITIONS_DRAIN must be >= 1/],
  ])('names the variable at fault: %j', (overrides, message) => {
    expect(() => loadEnv(schema, { CONFIG_FILE: 'x.json', ...overrides })).toThrow(message);
  });
});
