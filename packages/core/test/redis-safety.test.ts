import { assessRedisSafety, checkRedisSafety, ConfigError, parseRedisInfo, refusalFor, type RedisSafetyProblem } from '../src';
import { startRedisServer, type RedisServerHandle } from '@status-bridge/testing';

/** INFO text as Redis sends it: CRLF lines, section headers. */
function info(fields: Record<string, string>): string {
  const memory = ['# Memory', 'used_memory:1048576', ...('maxmemory_policy' in fields ? [`maxmemory_policy:${fields.maxmemory_policy}`] : [])];
  const persistence = ['# Persistence', 'loading:0', ...('aof_enabled' in fields ? [`aof_enabled:${fields.aof_enabled}`] : []), 'aof_rewrite_in_progress:0'];
  return [...memory, '', ...persistence, ''].join('\r\n');
}

const summary = (problems: RedisSafetyProblem[]) => problems.map((problem) => `${problem.severity} ${problem.setting}${problem.value ? `=${problem.value}` : ''}`);

describe('assessRedisSafety', () => {
  it.each([
    ['noeviction, AOF on', { maxmemory_policy: 'noeviction', aof_enabled: '1' }, []],
    ['noeviction, AOF off', { maxmemory_policy: 'noeviction', aof_enabled: '0' }, ['warn appendonly=no']],
    ['allkeys-lru, AOF on', { maxmemory_policy: 'allkeys-lru', aof_enabled: '1' }, ['error maxmemory-policy=allkeys-lru']],
    ['volatile-lru (locks and dedup keys have TTLs)', { maxmemory_policy: 'volatile-lru', aof_enabled: '1' }, ['error maxmemory-policy=volatile-lru']],
    ['allkeys-random, AOF off', { maxmemory_policy: 'allkeys-random', aof_enabled: '0' }, ['error maxmemory-policy=allkeys-random', 'warn appendonly=no']],
    ['fields hidden by a managed service', {}, ['warn maxmemory-policy', 'warn appendonly']],
  ])('%s', (_case, fields: Record<string, string>, expected: string[]) => {
    expect(summary(assessRedisSafety(info(fields)))).toEqual(expected);
  });

  it('says what is wrong and what to set', () => {
    const [eviction, aof] = assessRedisSafety(info({ maxmemory_policy: 'allkeys-lru', aof_enabled: '0' }));
    expect(eviction.message).toMatch(/^maxmemory-policy is allkeys-lru: Redis may evict queued jobs.*; set maxmemory-policy noeviction$/);
    expect(aof.message).toMatch(/^appendonly is off: .*; set appendonly yes$/);
  });

  it('reads INFO fields across CRLF lines and section headers', () => {
    expect(parseRedisInfo('# Memory\r\nmaxmemory_policy:noeviction\r\n\r\n# Persistence\r\naof_enabled:1\r\n')).toEqual(
      new Map([
        ['maxmemory_policy', 'noeviction'],
        ['aof_enabled', '1'],
      ]),
    );
  });
});

describe('refusalFor', () => {
  const evicting = assessRedisSafety(info({ maxmemory_policy: 'allkeys-lru', aof_enabled: '1' }));
  const aofOff = assessRedisSafety(info({ maxmemory_policy: 'noeviction', aof_enabled: '0' }));
  const unknown = assessRedisSafety(info({}));

  it.each([
    ['warn, eviction', evicting, 'warn', false],
    ['refuse, eviction', evicting, 'refuse', true],
    ['refuse, AOF off only (managed services without AOF)', aofOff, 'refuse', false],
    ['refuse, settings unreadable from INFO', unknown, 'refuse', false],
  ] as const)('%s', (_case, problems, mode, refuses) => {
    const refusal = refusalFor(problems, mode);
    expect(refusal !== undefined).toBe(refuses);
    if (refusal) {
      expect(refusal).toBeInstanceOf(ConfigError);
      expect(refusal.message).toMatch(/^REDIS_UNSAFE_CONFIG=refuse .*maxmemory-policy is allkeys-lru/);
    }
  });
});

describe('checkRedisSafety against real redis-servers', () => {
  const servers: RedisServerHandle[] = [];
  const reporter = () => {
    const lines: Array<{ level: string; message: string; meta?: Record<string, unknown> }> = [];
    return {
      lines,
      error: (message: string, meta?: Record<string, unknown>) => lines.push({ level: 'error', message, meta }),
      warn: (message: string, meta?: Record<string, unknown>) => lines.push({ level: 'warn', message, meta }),
    };
  };

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop(true)));
  });

  const start = async (options: Parameters<typeof startRedisServer>[0]) => {
    const server = await startRedisServer(options);
    servers.push(server);
    return server;
  };

  it('is silent on noeviction with AOF on', async () => {
    const server = await start({ appendonly: true });
    const report = reporter();
    expect(await checkRedisSafety({ mode: 'single', url: server.url }, 'refuse', report)).toEqual([]);
    expect(report.lines).toEqual([]);
  });

  it('reports eviction at error level and AOF off at warn level, and starts in warn mode', async () => {
    const server = await start({ maxmemoryPolicy: 'allkeys-lru' });
    const report = reporter();
    expect(summary(await checkRedisSafety({ mode: 'single', url: server.url }, 'warn', report))).toEqual(['error maxmemory-policy=allkeys-lru', 'warn appendonly=no']);
    expect(report.lines.map((line) => `${line.level} ${line.meta?.setting}`)).toEqual(['error maxmemory-policy', 'warn appendonly']);
  });

  it('refuses an evicting Redis in refuse mode, naming the variable and the setting', async () => {
    const server = await start({ maxmemoryPolicy: 'volatile-ttl', appendonly: true });
    await expect(checkRedisSafety({ mode: 'single', url: server.url }, 'refuse', reporter())).rejects.toThrow(/REDIS_UNSAFE_CONFIG=refuse.*maxmemory-policy is volatile-ttl/);
  });

  it('reports a Redis it cannot reach and lets the process start, also in refuse mode', async () => {
    const server = await start({});
    await server.stop(true);
    const report = reporter();
    expect(await checkRedisSafety({ mode: 'single', url: server.url }, 'refuse', report, { timeoutMs: 500 })).toEqual([]);
    expect(report.lines).toEqual([expect.objectContaining({ level: 'warn', message: expect.stringContaining('could not read the Redis settings') })]);
  });
});
