import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@status-bridge/testing';
import { groupOf, summarizeProfile } from '../bench/lib/cpu-profile';
import { keyCategory } from '../bench/lib/redis-memory';
import { writeBlock } from '../bench/lib/report';
import { percentile } from '../bench/lib/stats';

// The bench's pure helpers (benchmarks themselves are not tests: `npm run bench`).

describe('writeBlock: each bench section owns one block of docs/benchmarks.md', () => {
  const order = ['ingest', 'pipeline', 'scaling'];
  const file = () => join(mkdtempSync(join(tmpdir(), 'sb-bench-doc-')), 'benchmarks.md');

  it('replaces only its own block, and places a new one after the nearest earlier section', () => {
    const path = file();
    writeFileSync(path, '# Benchmarks\n\nintro\n\n<!-- bench:ingest -->\nold ingest\n<!-- /bench:ingest -->\n\n<!-- bench:scaling -->\nscaling\n<!-- /bench:scaling -->\n');
    writeBlock(path, 'ingest', order, 'new ingest');
    writeBlock(path, 'pipeline', order, 'pipeline');
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('intro');
    expect(text).not.toContain('old ingest');
    expect(text.indexOf('new ingest')).toBeLessThan(text.indexOf('<!-- bench:pipeline -->'));
    expect(text.indexOf('<!-- /bench:pipeline -->')).toBeLessThan(text.indexOf('<!-- bench:scaling -->'));
    writeBlock(path, 'pipeline', order, 'pipeline again');
    expect(readFileSync(path, 'utf8').match(/bench:pipeline -->/g)).toHaveLength(2);
  });

  it('starts a missing file with the title', () => {
    const path = file();
    writeBlock(path, 'scaling', order, 'scaling');
    expect(readFileSync(path, 'utf8')).toMatch(/^# Benchmarks\n\n<!-- bench:scaling -->\nscaling\n<!-- \/bench:scaling -->\n$/);
  });
});

describe('keyCategory: the memory breakdown groups keys by what holds them', () => {
  it.each([
    ['{bench}:enrich:c1234-w1-a-b-xyz', 'enrich: job hashes'],
    ['{bench}:deliver-seek:c1234-w1-a-b-xyz-seek:logs', 'deliver-seek: job logs'],
    ['{bench}:deliver-stepstone:completed', 'deliver-stepstone: completed'],
    ['{bench}:enrich:events', 'enrich: events'],
    ['{bench}:enrich:de:1234|1|a|b', 'enrich: deduplication keys'],
    ['{bench}:sb:stepstone:order:1234:abc', 'our keys: sb:stepstone:order'],
    ['{bench}:sb:seek:candidates:1234', 'our keys: sb:seek:candidates'],
    ['elsewhere', 'other'],
  ])('%s → %s', (key, category) => {
    expect(keyCategory(key)).toBe(category);
  });
});

describe('CPU profile summary', () => {
  it.each([
    [`file://${REPO_ROOT}/node_modules/axios/dist/node/axios.cjs`, 'f', 'axios'],
    [`file://${REPO_ROOT}/node_modules/@scope/pkg/index.js`, 'f', '@scope/pkg'],
    [`file://${REPO_ROOT}/packages/icims/src/client.ts`, 'f', 'ours: packages/icims'],
    ['node:internal/streams/writable', 'f', 'node core'],
    ['', '(garbage collector)', 'GC'],
    ['', 'writeUtf8String', 'native'],
    [`file://${REPO_ROOT}/bench/lib/redis-round-trips.cjs`, 'countedWrite', 'bench preload'],
  ])('groupOf(%s, %s) → %s', (url, name, group) => {
    expect(groupOf(url, name)).toBe(group);
  });

  it('charges native, Node core and bench-preload time to the package that called it, and keeps only the window', () => {
    const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({ id, callFrame: { functionName, url, lineNumber: 0 }, children });
    const profile = {
      nodes: [
        frame(1, '(root)', '', [2, 5, 6]),
        frame(2, 'request', `file://${REPO_ROOT}/node_modules/axios/index.js`, [7]),
        frame(7, 'countedWrite', `file://${REPO_ROOT}/bench/lib/redis-round-trips.cjs`, [3]),
        frame(3, 'Socket.write', 'node:net', [4]),
        frame(4, 'writeUtf8String', ''),
        frame(5, '(garbage collector)', ''),
        frame(6, '(idle)', ''),
      ],
      startTime: 1_000,
      // Samples at 1100, 1200, 1300, 1400, 1500 µs; each lasts until the next.
      samples: [4, 2, 5, 6, 4],
      timeDeltas: [100, 100, 100, 100, 100],
    };
    const all = summarizeProfile(profile);
    expect(all.owners).toEqual([
      { group: 'axios', ms: 0.2 },
      { group: 'GC', ms: 0.1 },
    ]);
    expect(all.self.map((entry) => entry.group)).toEqual(['native', 'axios', 'GC']);
    expect(summarizeProfile(profile, { from: 1_250, to: 1_500 }).owners).toEqual([{ group: 'GC', ms: 0.1 }]);
  });
});

it('percentile is nearest-rank', () => {
  const values = Array.from({ length: 100 }, (_, i) => i + 1);
  expect([percentile(values, 50), percentile(values, 99), percentile(values, 100), percentile([7], 99)]).toEqual([50, 99, 100, 7]);
});
