import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { nonJsonLines, parseJsonLine, startRedisServer, type RedisServerHandle } from '@status-bridge/testing';

const fixture = join(__dirname, 'fixtures', 'slow-service.ts');

interface Run {
  code: number | null;
  lines: string[];
  entries: Array<Record<string, unknown>>;
  messages: string[];
}

function run(env: Record<string, string>, signalAfterMs?: number, signal: NodeJS.Signals = 'SIGTERM', signalAfter = 'starting'): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    if (signalAfterMs !== undefined) {
      // Signal `signalAfterMs` after the service logged `signalAfter` (tsx's load time varies).
      const onData = (chunk: Buffer): void => {
        if (!chunk.toString().includes(`"message":"${signalAfter}"`)) return;
        child.stdout.off('data', onData);
        setTimeout(() => child.kill(signal), signalAfterMs);
      };
      child.stdout.on('data', onData);
    }
    child.on('exit', (code) => {
      const lines = out.split('\n').filter((line, index, all) => line !== '' || index < all.length - 1);
      const entries = lines.flatMap((line) => {
        const entry = parseJsonLine(line);
        return entry ? [entry] : [];
      });
      resolve({ code, lines, entries, messages: entries.map((entry) => String(entry.message)) });
    });
  });
}

describe('runService', () => {
  it('stops gracefully when the signal arrives while the service is still starting', async () => {
    const result = await run({ START_MS: '2000' }, 200);
    expect(result.code).toBe(0);
    expect(result.messages).toEqual(['starting', 'shutting down', 'ready', 'stopped']);
  }, 20_000);

  it('exits 1 when stopping takes longer than the bound', async () => {
    const result = await run({ START_MS: '0', STOP_MS: '5000', TIMEOUT_MS: '300' }, 100);
    expect(result.code).toBe(1);
    expect(result.messages).toEqual(['starting', 'ready', 'shutting down', 'shutdown took too long; exiting']);
  }, 20_000);

  it('logs a configuration error as one JSON line naming the variable and exits 78 without starting', async () => {
    const result = await run({ BROKEN_CONFIG: '1' });
    expect(result.code).toBe(78);
    expect(result.lines).toHaveLength(1);
    expect(result.entries[0]).toMatchObject({
      level: 'error',
      service: 'slow-service',
      message: 'invalid configuration: EXAMPLE_VAR is not set — an example variable',
      problems: ['EXAMPLE_VAR is not set — an example variable'],
      exitCode: 78,
    });
  }, 20_000);
});

describe('every line JSON', () => {
  it('routes console output, Node warnings and unhandled rejections through the logger, one line each', async () => {
    const result = await run({ NOISY: '1' }, 50, 'SIGTERM', 'noise done');
    expect(result.code).toBe(0);
    expect(nonJsonLines(result.lines)).toEqual([]);
    const bySource = (source: string) => result.entries.filter((entry) => entry.source === source);
    expect(bySource('console')).toEqual([
      expect.objectContaining({ level: 'info', message: 'plain text', detail: 'with a second line' }),
      expect.objectContaining({ level: 'error', message: 'boom from console.error', error: 'boom from console.error', stack: expect.stringContaining('\n    at ') }),
      expect.objectContaining({ level: 'warn', message: 'a warning with an object { answer: 42 }' }),
      expect.objectContaining({ level: 'info', message: '[ioredis] Unhandled error event: Error: connect ECONNREFUSED 127.0.0.1:1', detail: expect.stringContaining('    at ') }),
    ]);
    expect(bySource('process-warning')).toEqual([
      expect.objectContaining({ level: 'warn', message: 'something odd happened', code: 'SB_TEST_WARNING', detail: 'more about it' }),
    ]);
    // A rejection nobody handles is logged; the service goes on (and stops cleanly after).
    expect(bySource('unhandledRejection')).toEqual([expect.objectContaining({ level: 'error', error: 'nobody caught this rejection', stack: expect.any(String) })]);
    expect(result.messages.slice(-2)).toEqual(['shutting down', 'stopped']);
  }, 20_000);

  it('logs an uncaught exception as one JSON line with its stack in a field, then exits 1', async () => {
    const result = await run({ THROW_AFTER_READY: '1' });
    expect(result.code).toBe(1);
    expect(nonJsonLines(result.lines)).toEqual([]);
    expect(result.entries.at(-1)).toMatchObject({ level: 'error', message: 'uncaught exception; exiting', source: 'uncaughtException', error: 'uncaught boom', stack: expect.stringContaining('uncaught boom\n    at ') });
  }, 20_000);
});

describe('Redis settings at start', () => {
  let lru: RedisServerHandle;

  beforeAll(async () => {
    lru = await startRedisServer({ maxmemoryPolicy: 'allkeys-lru' });
  });

  afterAll(async () => {
    await lru?.stop(true);
  });

  it('warns (error level) about eviction and starts anyway by default', async () => {
    const result = await run({ SAFETY_REDIS_URL: lru.url }, 50, 'SIGTERM', 'ready');
    expect(result.code).toBe(0);
    expect(result.entries).toContainEqual(
      expect.objectContaining({ level: 'error', setting: 'maxmemory-policy', value: 'allkeys-lru', message: expect.stringMatching(/^maxmemory-policy is allkeys-lru: Redis may evict queued jobs.*set maxmemory-policy noeviction$/) }),
    );
    expect(result.entries).toContainEqual(expect.objectContaining({ level: 'warn', setting: 'appendonly', message: expect.stringContaining('set appendonly yes') }));
    expect(result.messages).toContain('ready');
  }, 20_000);

  it('refuses to start with REDIS_UNSAFE_CONFIG=refuse: exit 78, one line naming the variable and the Redis setting', async () => {
    const result = await run({ SAFETY_REDIS_URL: lru.url, REDIS_UNSAFE_CONFIG: 'refuse' });
    expect(result.code).toBe(78);
    expect(nonJsonLines(result.lines)).toEqual([]);
    expect(result.messages).not.toContain('starting');
    const refusal = result.entries.at(-1)!;
    expect(refusal).toMatchObject({ level: 'error', exitCode: 78 });
    expect(refusal.message).toMatch(/REDIS_UNSAFE_CONFIG=refuse.*maxmemory-policy is allkeys-lru/);
  }, 20_000);

  it('starts when Redis cannot be read at start, saying the settings were not checked', async () => {
    const stopped = await startRedisServer();
    const url = stopped.url;
    await stopped.stop(true);
    const result = await run({ SAFETY_REDIS_URL: url, REDIS_UNSAFE_CONFIG: 'refuse' }, 50, 'SIGTERM', 'ready');
    expect(result.code).toBe(0);
    expect(result.entries).toContainEqual(expect.objectContaining({ level: 'warn', message: expect.stringContaining('could not read the Redis settings') }));
  }, 20_000);
});
