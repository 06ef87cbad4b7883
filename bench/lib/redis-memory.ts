import type { Redis } from 'ioredis';
import { PREFIX } from './stack';

/** Where a key belongs, for the memory breakdown: job hashes per queue, job logs, queue structures, our own keys. */
export function keyCategory(key: string): string {
  const rest = key.startsWith(`${PREFIX}:`) ? key.slice(PREFIX.length + 1) : key;
  const own = /^sb:([^:]+)(?::([^:]+))?/.exec(rest);
  if (own) return `our keys: sb:${own[1]}${own[2] ? `:${own[2]}` : ''}`;
  const queued = /^(enrich|deliver-stepstone|deliver-seek):(.+)$/.exec(rest);
  if (!queued) return 'other';
  const [, queue, inner] = queued;
  if (inner.endsWith(':logs')) return `${queue}: job logs`;
  if (inner.startsWith('de:')) return `${queue}: deduplication keys`;
  const structures = ['completed', 'failed', 'events', 'wait', 'active', 'delayed', 'paused', 'prioritized', 'meta', 'id', 'stalled', 'stalled-check', 'limiter', 'marker', 'pc', 'repeat'];
  if (structures.includes(inner)) return `${queue}: ${inner}`;
  return `${queue}: job hashes`;
}

export interface MemoryBreakdown {
  /** bytes and key count per category (MEMORY USAGE, all elements sampled). */
  categories: Map<string, { keys: number; bytes: number }>;
  totalBytes: number;
}

/** SCANs every key and sums MEMORY USAGE per category (run after the measured part: it costs commands). */
export async function memoryBreakdown(admin: Redis): Promise<MemoryBreakdown> {
  const categories = new Map<string, { keys: number; bytes: number }>();
  let totalBytes = 0;
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'COUNT', 1000);
    cursor = next;
    const pipeline = admin.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    const sizes = ((await pipeline.exec()) ?? []).map(([, value]) => Number(value ?? 0));
    keys.forEach((key, i) => {
      const entry = categories.get(keyCategory(key)) ?? { keys: 0, bytes: 0 };
      entry.keys += 1;
      entry.bytes += sizes[i];
      totalBytes += sizes[i];
      categories.set(keyCategory(key), entry);
    });
  } while (cursor !== '0');
  return { categories, totalBytes };
}

export async function usedMemory(admin: Redis): Promise<number> {
  return Number(/^used_memory:(\d+)/m.exec(await admin.info('memory'))?.[1] ?? NaN);
}
