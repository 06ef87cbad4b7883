import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataNodeArgs, freePort, spawnRedisNode, waitFor, type RedisNodeProcess } from '@status-bridge/testing';
import { closeRedis, createRedis, redisAnswers, redisConnectionFromEnv, redisReachable, type RedisEnv } from '../src';

/**
 * Managed-Redis settings against a real TLS redis-server: our own CA (REDIS_TLS_CA_FILE), a
 * certificate for a host name reached by IP (REDIS_TLS_SERVERNAME), and an ACL user
 * (REDIS_USERNAME/REDIS_PASSWORD). Each setting is needed: without it the connection is refused.
 */
const dir = mkdtempSync(join(tmpdir(), 'sb-redis-tls-'));
const SERVERNAME = 'redis.sb-test.internal';
let server: RedisNodeProcess;
let tlsPort: number;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(async () => {
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=status-bridge test CA');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', `/CN=${SERVERNAME}`);
  writeFileSync(join(dir, 'san.ext'), `subjectAltName=DNS:${SERVERNAME}\n`);
  openssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '1', '-extfile', 'san.ext');
  const [port, tls] = await Promise.all([freePort(), freePort()]);
  tlsPort = tls;
  server = await spawnRedisNode(
    port,
    dir,
    [
      ...dataNodeArgs(port, dir),
      '--tls-port', String(tls),
      '--tls-cert-file', join(dir, 'server.pem'),
      '--tls-key-file', join(dir, 'server.key'),
      '--tls-ca-cert-file', join(dir, 'ca.pem'),
      '--tls-auth-clients', 'no',
      '--user', 'status-bridge', 'on', '>app-secret-1', '~*', '&*', '+@all',
    ],
    'TLS redis-server',
  );
}, 30_000);

afterAll(async () => {
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const managed = (overrides: RedisEnv = {}): RedisEnv => ({
  REDIS_URL: `rediss://127.0.0.1:${tlsPort}`,
  REDIS_TLS_CA_FILE: join(dir, 'ca.pem'),
  REDIS_TLS_SERVERNAME: SERVERNAME,
  REDIS_USERNAME: 'status-bridge',
  REDIS_PASSWORD: 'app-secret-1',
  ...overrides,
});

it('connects with TLS, our CA, the server name and the ACL user, in every role', async () => {
  const config = redisConnectionFromEnv(managed());
  expect(await redisReachable(config)).toBe(true);
  for (const role of ['producer', 'worker', 'client'] as const) {
    const redis = createRedis(config, role, `tls-${role}`);
    try {
      // The producer has no offline queue: a command before the connection is ready fails at once.
      await waitFor(() => redisAnswers(redis), { timeoutMs: 5_000, what: `${role} connection ready` });
      await redis.set(`{sbt-tls}:${role}`, role);
      expect(await redis.get(`{sbt-tls}:${role}`)).toBe(role);
      expect(await redis.call('ACL', 'WHOAMI')).toBe('status-bridge');
    } finally {
      await closeRedis(redis);
    }
  }
});

it.each<[string, (port: number) => RedisEnv]>([
  ['without the CA file (the system CAs do not know ours)', () => ({ REDIS_TLS_CA_FILE: undefined })],
  ['without the server name (the certificate does not name 127.0.0.1)', () => ({ REDIS_TLS_SERVERNAME: undefined })],
  ['with a wrong password', () => ({ REDIS_PASSWORD: 'wrong' })],
  ['without TLS on the TLS port', (port) => ({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_TLS_CA_FILE: undefined, REDIS_TLS_SERVERNAME: undefined })],
])('is refused %s', async (_case, overrides) => {
  expect(await redisReachable(redisConnectionFromEnv(managed(overrides(tlsPort))), 1_500)).toBe(false);
});
