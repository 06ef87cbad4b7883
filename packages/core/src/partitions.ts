import { createHash } from 'node:crypto';
import { ConfigError } from './config-error';

/**
 * Partitioned queues (QUEUE_PARTITIONS): N copies of the queue set, each under its own hash-tagged
 * prefix, so a Redis Cluster spreads them over its masters. BullMQ's scripts and our enrich fan-out
 * (one MULTI over the delivery queues) need every key they touch in one slot; a partition is one
 * slot, so everything one event does stays inside its partition.
 *
 * - Partition 0 is QUEUE_PREFIX itself: with N = 1 every key is named as before partitions existed.
 * - Partition i > 0 is `{<tag>-p<i>}` (or `{<tag>-p<i>-s<salt>}`): the salt is the first one whose
 *   slot falls into the partition's target window (below), found by a deterministic search, so
 *   every process computes the same names and a partition's name never depends on N.
 * - An event goes to partition jumpHash((customerId, systemId), N): a workflow's changes share one
 *   partition (deduplication, the enrichment job ids), and changing N moves the fewest workflows.
 *
 * Our own keys (ownKey: tokens, the iCIMS gate and budgets, caches, a partner's order marks,
 * correlation records) are NOT partitioned: they stay under QUEUE_PREFIX, one key (or one hash tag)
 * per tenant or per partner record, whichever partition the event came through. Each of their
 * scripts touches only keys under that one tag, so no script ever spans partitions, and an order
 * mark is the same key before, during and after a change of N (docs/scaling.md).
 */
export const CLUSTER_SLOTS = 16_384;

/** CRC16-CCITT (XMODEM), the checksum Redis Cluster hashes keys with (cluster spec, "Keys distribution model"). */
function crc16(bytes: Buffer): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The Redis Cluster slot of a key: CRC16 of its hash tag (the first non-empty `{…}`), else of the whole key, mod 16384. */
export function keySlot(key: string): number {
  const open = key.indexOf('{');
  let hashed = key;
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) hashed = key.slice(open + 1, close);
  }
  return crc16(Buffer.from(hashed, 'utf8')) % CLUSTER_SLOTS;
}

/**
 * Target slot window of partition i > 0: the van der Corput sequence (bit-reversed i) places
 * partitions 1, 2, 3, 4 … at 1/2, 1/4, 3/4, 1/8 … of the slot range, each in a narrow window
 * (1/64 of the slots, finer past partition 63) starting there. For any N that is a power of two,
 * partitions 1 … N−1 then sit in distinct N-ths of the slot range (partition 0, QUEUE_PREFIX, is
 * wherever its tag hashes), whatever N is; so they spread over the masters of a cluster whose
 * masters own equal slot ranges (what `redis-cli --cluster create` makes).
 */
export function partitionSlotWindow(index: number): { from: number; to: number } {
  if (!Number.isInteger(index) || index < 1) throw new Error(`partition window of ${index}: only partitions ≥ 1 have one`);
  const bits = Math.floor(Math.log2(index)) + 1;
  let reversed = 0;
  for (let bit = 0; bit < bits; bit++) if (index & (1 << bit)) reversed |= 1 << (bits - 1 - bit);
  const from = (reversed * CLUSTER_SLOTS) / 2 ** bits;
  return { from, to: from + CLUSTER_SLOTS / 2 ** Math.max(6, bits) };
}

const prefixCache = new Map<string, string>();

/** The key prefix of partition `index` under QUEUE_PREFIX `base` (`{tag}`); partition 0 is `base` itself. */
export function partitionPrefix(base: string, index: number): string {
  if (index === 0) return base;
  const cacheKey = `${base}\u0000${index}`;
  const cached = prefixCache.get(cacheKey);
  if (cached) return cached;
  const tag = base.replace(/^\{|\}$/g, '');
  const { from, to } = partitionSlotWindow(index);
  // A salt lands in a window of 1/2^k of the slots with probability 1/2^k: 2^k tries on average
  // (64 up to partition 63); bounded anyway, so a pathological tag cannot hang a start.
  for (let salt = 0; salt < 1_000_000; salt++) {
    const candidate = salt === 0 ? `{${tag}-p${index}}` : `{${tag}-p${index}-s${salt}}`;
    const slot = keySlot(candidate);
    if (slot >= from && slot < to) {
      prefixCache.set(cacheKey, candidate);
      return candidate;
    }
  }
  throw new Error(`no salt puts partition ${index} of ${base} into slots ${from}-${to - 1}`);
}

/**
 * Jump consistent hash (Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm",
 * 2014): a 64-bit key → a bucket in [0, buckets). Going from N to M buckets moves only the keys
 * that must move (|M − N|/max(M, N) of them), and only into (or out of) the added (removed) buckets.
 */
export function jumpHash(key: bigint, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1) throw new Error(`jumpHash: buckets must be a positive integer, got ${buckets}`);
  let state = BigInt.asUintN(64, key);
  let bucket = -1;
  let next = 0;
  while (next < buckets) {
    bucket = next;
    state = BigInt.asUintN(64, state * 2862933555777941757n + 1n);
    next = Math.floor((bucket + 1) * (2 ** 31 / Number((state >> 33n) + 1n)));
  }
  return bucket;
}

/** The partition of a workflow among `count`: jumpHash of the first 8 bytes of SHA-1(customerId, systemId). */
export function partitionOf(customerId: string, systemId: string, count: number): number {
  if (count === 1) return 0;
  // A separator that cannot occur in either id (both are checked to be short digit strings, but
  // the hash must not depend on that) keeps ("12", "34") and ("1", "234") apart.
  const digest = createHash('sha1').update(`${customerId}\u0000${systemId}`).digest();
  return jumpHash(digest.readBigUInt64BE(0), count);
}

/**
 * Parses a partition list ("all", "3", "0-3,5") against `count` partitions: sorted, each once.
 * Throws with a message that says what is wrong; callers prefix the variable's name.
 */
export function parsePartitionList(value: string, count: number): number[] {
  const trimmed = value.trim();
  if (trimmed === '' || trimmed === 'all') return Array.from({ length: count }, (_, index) => index);
  const chosen = new Set<number>();
  for (const part of trimmed.split(',').map((entry) => entry.trim())) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match) throw new Error(`"${part}" is not a partition number or range (e.g. "0-3,5")`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (to < from) throw new Error(`range "${part}" runs backwards`);
    if (to >= count) throw new Error(`partition ${to} does not exist: there are ${count} (0-${count - 1})`);
    for (let index = from; index <= to; index++) chosen.add(index);
  }
  return [...chosen].sort((a, b) => a - b);
}

/** The partitioned queue layout every process derives from QUEUE_PREFIX, QUEUE_PARTITIONS and QUEUE_PARTITIONS_DRAIN. */
export interface PartitionLayout {
  base: string;
  /** QUEUE_PARTITIONS: where new events go. */
  count: number;
  /** QUEUE_PARTITIONS_DRAIN: partitions [count, drain) are still read (consumed, shown, measured) until empty. */
  drain: number;
  /** Every partition that may hold jobs: 0 … max(count, drain) − 1. */
  all: number[];
  /** Whether more than one partition exists (labels and names then carry the partition). */
  partitioned: boolean;
  prefix(index: number): string;
  /** The partition a new event of this workflow goes to. */
  route(customerId: string, systemId: string): number;
}

export interface PartitionEnv {
  QUEUE_PREFIX: string;
  QUEUE_PARTITIONS?: number;
  QUEUE_PARTITIONS_DRAIN?: number;
}

export const MAX_QUEUE_PARTITIONS = 256;

export const partitionEnvProperties = {
  QUEUE_PARTITIONS: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_QUEUE_PARTITIONS,
    default: 1,
    description:
      'number of queue partitions, each its own hash tag (a Redis Cluster spreads them over its masters); an event goes to the partition of its (customerId, systemId); 1: one set of queues under QUEUE_PREFIX; the same value on every process (changing it: docs/scaling.md)',
  },
  QUEUE_PARTITIONS_DRAIN: {
    type: 'integer',
    minimum: 1,
    maximum: MAX_QUEUE_PARTITIONS,
    description:
      'after changing QUEUE_PARTITIONS: the old value; after lowering it, workers keep consuming (and the dashboard, metrics and replay keep showing) partitions QUEUE_PARTITIONS … QUEUE_PARTITIONS_DRAIN-1 until they are empty; unset once they are',
  },
} as const;

export function partitionLayout(env: PartitionEnv): PartitionLayout {
  const base = env.QUEUE_PREFIX;
  const count = env.QUEUE_PARTITIONS ?? 1;
  const drain = env.QUEUE_PARTITIONS_DRAIN ?? count;
  if (!Number.isInteger(count) || count < 1 || count > MAX_QUEUE_PARTITIONS) throw new ConfigError(`QUEUE_PARTITIONS must be an integer from 1 to ${MAX_QUEUE_PARTITIONS} (got "${String(count)}")`);
  if (!Number.isInteger(drain) || drain < 1 || drain > MAX_QUEUE_PARTITIONS) throw new ConfigError(`QUEUE_PARTITIONS_DRAIN must be an integer from 1 to ${MAX_QUEUE_PARTITIONS} (got "${String(drain)}")`);
  const total = Math.max(count, drain);
  const all = Array.from({ length: total }, (_, index) => index);
  const prefixes = all.map((index) => partitionPrefix(base, index));
  return {
    base,
    count,
    drain,
    all,
    partitioned: total > 1,
    prefix(index) {
      const prefix = prefixes[index];
      if (prefix === undefined) throw new Error(`partition ${index} does not exist (0-${total - 1})`);
      return prefix;
    },
    route: (customerId, systemId) => partitionOf(customerId, systemId, count),
  };
}

/** The prefix of the partition a BullMQ job lives in: its queue's qualified name is `<prefix>:<queue name>`. */
export function jobPartitionPrefix(job: { queueQualifiedName: string; queueName: string }): string {
  const suffix = `:${job.queueName}`;
  if (!job.queueQualifiedName.endsWith(suffix)) throw new Error(`job of queue ${job.queueName} has the qualified name ${job.queueQualifiedName}`);
  return job.queueQualifiedName.slice(0, -suffix.length);
}
