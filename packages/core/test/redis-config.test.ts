import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, describeRedisConnection, envSchema, loadEnv, parseNodeList, redisConnectionFromEnv, type RedisEnv } from '../src';

const dir = mkdtempSync(join(tmpdir(), 'sb-redis-config-'));
const caFile = join(dir, 'ca.pem');
writeFileSync(caFile, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
const notPem = join(dir, 'not-pem.txt');
writeFileSync(notPem, 'hello');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('redisConnectionFromEnv: which mode the environment describes', () => {
  it.each<[string, RedisEnv, Record<string, unknown>]>([
    ['nothing set: the local default', {}, { mode: 'single', url: 'redis://127.0.0.1:6379', tls: undefined }],
    ['a URL', { REDIS_URL: 'redis://redis:6379/2' }, { mode: 'single', url: 'redis://redis:6379/2' }],
    ['rediss:// turns TLS on', { REDIS_URL: 'rediss://redis.example.com:6380' }, { mode: 'single', tls: {} }],
    ['REDIS_TLS=true with redis:// turns TLS on', { REDIS_URL: 'redis://redis:6379', REDIS_TLS: true }, { mode: 'single', tls: {} }],
    ['credentials from the environment', { REDIS_USERNAME: 'app', REDIS_PASSWORD: 'pw' }, { mode: 'single', username: 'app', password: 'pw' }],
    [
      'cluster seed nodes, IPv6 in brackets, spaces ignored',
      { REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis-2.internal:7001,[::1]:7002' },
      { mode: 'cluster', nodes: [{ host: '10.0.0.1', port: 7000 }, { host: 'redis-2.internal', port: 7001 }, { host: '::1', port: 7002 }] },
    ],
    [
      'cluster with TLS, CA and server name',
      { REDIS_CLUSTER_NODES: 'a:1', REDIS_TLS: true, REDIS_TLS_CA_FILE: caFile, REDIS_TLS_SERVERNAME: 'redis.example.com', REDIS_PASSWORD: 'pw' },
      { mode: 'cluster', password: 'pw', tls: { ca: expect.stringContaining('BEGIN CERTIFICATE'), servername: 'redis.example.com' } },
    ],
    [
      'sentinels with a name and their own password',
      { REDIS_SENTINELS: 's1:26379,s2:26379', REDIS_SENTINEL_NAME: 'mymaster', REDIS_SENTINEL_PASSWORD: 'spw', REDIS_PASSWORD: 'pw' },
      { mode: 'sentinel', name: 'mymaster', sentinels: [{ host: 's1', port: 26379 }, { host: 's2', port: 26379 }], sentinelPassword: 'spw', password: 'pw' },
    ],
  ])('%s', (_case, env, expected) => {
    expect(redisConnectionFromEnv(env)).toMatchObject(expected);
  });

  it.each<[string, RedisEnv, RegExp]>([
    ['cluster and sentinels both set', { REDIS_CLUSTER_NODES: 'a:1', REDIS_SENTINELS: 'b:2', REDIS_SENTINEL_NAME: 'm' }, /^REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set/],
    ['REDIS_URL next to cluster nodes', { REDIS_URL: 'redis://x:1', REDIS_CLUSTER_NODES: 'a:1' }, /^REDIS_URL is set together with REDIS_CLUSTER_NODES/],
    ['REDIS_URL next to sentinels', { REDIS_URL: 'redis://x:1', REDIS_SENTINELS: 'a:1', REDIS_SENTINEL_NAME: 'm' }, /^REDIS_URL is set together with REDIS_SENTINELS/],
    ['a node without port', { REDIS_CLUSTER_NODES: '10.0.0.1:7000,10.0.0.2' }, /^REDIS_CLUSTER_NODES: "10.0.0.2" is not host:port/],
    ['a port out of range', { REDIS_CLUSTER_NODES: '10.0.0.1:70000' }, /^REDIS_CLUSTER_NODES: "10.0.0.1:70000" is not host:port/],
    ['an empty entry', { REDIS_SENTINELS: 's1:26379,', REDIS_SENTINEL_NAME: 'm' }, /^REDIS_SENTINELS: "" is not host:port/],
    ['a URL instead of host:port', { REDIS_CLUSTER_NODES: 'redis://a:1' }, /^REDIS_CLUSTER_NODES: "redis:\/\/a:1" is not host:port/],
    ['sentinels without a name', { REDIS_SENTINELS: 's1:26379' }, /^REDIS_SENTINEL_NAME is not set — needed with REDIS_SENTINELS/],
    ['a sentinel name without sentinels', { REDIS_SENTINEL_NAME: 'm' }, /^REDIS_SENTINEL_NAME is set but REDIS_SENTINELS is not/],
    ['a sentinel password without sentinels', { REDIS_CLUSTER_NODES: 'a:1', REDIS_SENTINEL_PASSWORD: 'x' }, /^REDIS_SENTINEL_PASSWORD is set but REDIS_SENTINELS is not/],
    ['a password in the URL and in REDIS_PASSWORD', { REDIS_URL: 'redis://:a@x:1', REDIS_PASSWORD: 'b' }, /^REDIS_PASSWORD is set and REDIS_URL carries a password too/],
    ['a user in the URL and in REDIS_USERNAME', { REDIS_URL: 'redis://u:a@x:1', REDIS_USERNAME: 'v' }, /^REDIS_USERNAME is set and REDIS_URL carries a user name too/],
    ['a CA file without TLS', { REDIS_URL: 'redis://x:1', REDIS_TLS_CA_FILE: caFile }, /^REDIS_TLS_CA_FILE is set but TLS is off/],
    ['a server name without TLS', { REDIS_CLUSTER_NODES: 'a:1', REDIS_TLS_SERVERNAME: 'x' }, /^REDIS_TLS_SERVERNAME is set but TLS is off/],
    ['a CA file that cannot be read', { REDIS_URL: 'rediss://x:1', REDIS_TLS_CA_FILE: join(dir, 'missing.pem') }, /^REDIS_TLS_CA_FILE: cannot read .*missing\.pem \(ENOENT\)/],
    ['a CA file that is not PEM', { REDIS_TLS: true, REDIS_CLUSTER_NODES: 'a:1', REDIS_TLS_CA_FILE: notPem }, /^REDIS_TLS_CA_FILE: .*not-pem\.txt holds no PEM certificate/],
  ])('refuses %s, naming the variable', (_case, env, message) => {
    expect(() => redisConnectionFromEnv(env)).toThrow(ConfigError);
    expect(() => redisConnectionFromEnv(env)).toThrow(message);
  });

  it('parseNodeList keeps the order given', () => {
    expect(parseNodeList('X', 'b:2,a:1')).toEqual([{ host: 'b', port: 2 }, { host: 'a', port: 1 }]);
  });
});

describe('every process checks the Redis variables at start (loadEnv)', () => {
  const schema = envSchema({});

  it('a mode conflict stops the process with the variable named', () => {
    expect(() => loadEnv(schema, { CONFIG_FILE: 'x.json', REDIS_CLUSTER_NODES: 'a:1', REDIS_SENTINELS: 'b:2', REDIS_SENTINEL_NAME: 'm' })).toThrow(
      /REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set/,
    );
    expect(() => loadEnv(schema, { CONFIG_FILE: 'x.json', REDIS_SENTINELS: 'b:2' })).toThrow(/REDIS_SENTINEL_NAME is not set/);
  });

  it('REDIS_TLS is coerced from the environment\'s text', () => {
    const env = loadEnv<RedisEnv>(schema, { CONFIG_FILE: 'x.json', REDIS_CLUSTER_NODES: 'a:1', REDIS_TLS: 'true' });
    expect(redisConnectionFromEnv(env)).toMatchObject({ mode: 'cluster', tls: {} });
  });

  it('docker compose\'s empty REDIS_URL= counts as unset next to cluster nodes', () => {
    expect(() => loadEnv(schema, { CONFIG_FILE: 'x.json', REDIS_URL: '', REDIS_CLUSTER_NODES: 'a:1' })).not.toThrow();
  });
});

describe('describeRedisConnection (logs and messages)', () => {
  it.each<[RedisEnv, string]>([
    [{ REDIS_URL: 'rediss://app:secret@redis.example.com:6380/1' }, 'rediss://redis.example.com:6380/1 (TLS)'],
    [{ REDIS_CLUSTER_NODES: 'a:1,b:2', REDIS_PASSWORD: 'secret' }, 'Redis Cluster via a:1,b:2'],
    [{ REDIS_SENTINELS: 's:26379', REDIS_SENTINEL_NAME: 'mymaster', REDIS_SENTINEL_PASSWORD: 'secret' }, 'Redis Sentinel "mymaster" via s:26379'],
  ])('%j → %s, never a password', (env, text) => {
    expect(describeRedisConnection(redisConnectionFromEnv(env))).toBe(text);
  });
});
