import { existsSync } from 'node:fs';
import { closeRedis, createRedis, redisAnswers, redisConnectionFromEnv, redisReachable, waitForReplicas, type RedisConnection } from '@status-bridge/core';
import { mastersHoldingKeys, nodeCommand, startRedisCluster, startRedisSentinel, waitFor, type RedisClusterHandle, type RedisSentinelHandle } from '@status-bridge/testing';

/**
 * The test topologies (a 3-master/3-replica Cluster, a Sentinel-managed primary/replica) and our
 * connection roles on them: what the end-to-end scenarios (cluster.test.ts, sentinel.test.ts)
 * build on. Real redis-server processes on loopback.
 */
const PREFIX = '{sbt-topology}';

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result?: T; error?: Error }> {
  const started = Date.now();
  try {
    return { ms: Date.now() - started, result: await work() };
  } catch (error) {
    return { ms: Date.now() - started, error: error as Error };
  }
}

describe('Redis Cluster', () => {
  let cluster: RedisClusterHandle;
  const connections: RedisConnection[] = [];
  const open = (role: 'producer' | 'worker' | 'client'): RedisConnection => {
    const connection = createRedis(redisConnectionFromEnv({ REDIS_CLUSTER_NODES: cluster.seedNodes }), role, `topology-${role}`);
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(connections.map((connection) => closeRedis(connection)));
    await cluster?.stop();
  });

  test('three masters with one replica each serve all slots; every role reads and writes through a Cluster connection', async () => {
    const view = await cluster.topology();
    const masters = view.filter((node) => node.role === 'master');
    expect(masters).toHaveLength(3);
    for (const master of masters) expect(await cluster.replicasOf(master.port)).toHaveLength(1);

    expect(await redisReachable(redisConnectionFromEnv({ REDIS_CLUSTER_NODES: cluster.seedNodes }))).toBe(true);
    for (const role of ['producer', 'worker', 'client'] as const) {
      const connection = open(role);
      expect(connection.isCluster).toBe(true);
      await waitFor(() => redisAnswers(connection), { timeoutMs: 10_000, what: `${role} connection ready` });
      await connection.set(`${PREFIX}:${role}`, role);
      expect(await connection.get(`${PREFIX}:${role}`)).toBe(role);
    }
    // One hash tag: one slot, one master.
    const holding = await mastersHoldingKeys(cluster, PREFIX);
    expect(holding).toEqual([{ port: await cluster.masterOfKey(`${PREFIX}:x`), keys: 3 }]);
  });

  test('CLUSTER FAILOVER on the replica moves the slot without losing a key; connections follow', async () => {
    const client = open('client');
    const before = await cluster.masterOfKey(PREFIX);
    const [replica] = await cluster.replicasOf(before);
    await cluster.failover(replica);
    expect(await cluster.masterOfKey(PREFIX)).toBe(replica);
    expect(await client.get(`${PREFIX}:client`)).toBe('client');
    await client.set(`${PREFIX}:after-failover`, '1');
    expect(await nodeCommand(replica, 'GET', `${PREFIX}:after-failover`)).toBe('1');
  });

  test('kill -9 of the master: the producer fails fast while the slot is down, the replica is promoted with the data, the node rejoins as replica', async () => {
    const producer = open('producer');
    const worker = open('worker');
    await waitFor(() => redisAnswers(producer), { timeoutMs: 10_000, what: 'producer ready' });
    const master = await cluster.masterOfKey(PREFIX);
    await producer.set(`${PREFIX}:before-kill`, 'kept');
    // The write reached the replica before the kill (WAIT 1), so the promotion cannot lose it.
    expect(await waitForReplicas(producer, `${PREFIX}:before-kill`, 1, 2_000)).toBe(1);

    const killing = cluster.killMaster(master);
    // While the slot has no master: the producer does not queue commands in memory; each one
    // settles within about a second, failed (or done, if the promotion came first). Ingest's
    // ENQUEUE_TIMEOUT_MS bounds the HTTP answer anyway.
    await waitFor(async () => !(await redisAnswers(producer, 500)), { timeoutMs: 15_000, what: 'the cluster to report the slot down' });
    const attempts = [];
    for (let i = 0; i < 3; i++) attempts.push(await timed(() => producer.set(`${PREFIX}:during-${i}`, 'x')));
    expect(attempts.some((attempt) => attempt.error)).toBe(true);
    for (const attempt of attempts) expect(attempt.ms).toBeLessThan(2_500);
    // A worker command waits the failover out instead of failing.
    const workerWrite = worker.set(`${PREFIX}:worker-during`, 'waited');

    const { promoted } = await killing;
    expect(promoted).not.toBe(master);
    await expect(workerWrite).resolves.toBe('OK');
    expect(await worker.get(`${PREFIX}:before-kill`)).toBe('kept');
    await waitFor(() => redisAnswers(producer), { timeoutMs: 15_000, what: 'the producer to see the cluster ok again' });
    await waitFor(async () => (await producer.set(`${PREFIX}:after`, 'y').catch(() => undefined)) === 'OK', { timeoutMs: 15_000, what: 'the producer to write again' });

    await cluster.restartNode(master);
    expect(await cluster.replicasOf(promoted)).toEqual([master]);
  });

  test('stop() ends every node and removes the directories', async () => {
    const dirs = cluster.nodes.map((node) => node.dir);
    await cluster.stop();
    expect(cluster.nodes.every((node) => !node.alive)).toBe(true);
    expect(dirs.some((dir) => existsSync(dir))).toBe(false);
  });
});

describe('Redis Sentinel', () => {
  let sentinel: RedisSentinelHandle;
  const connections: RedisConnection[] = [];
  const open = (role: 'producer' | 'worker' | 'client'): RedisConnection => {
    const connection = createRedis(
      redisConnectionFromEnv({ REDIS_SENTINELS: sentinel.sentinelAddresses, REDIS_SENTINEL_NAME: sentinel.name }),
      role,
      `topology-${role}`,
    );
    connections.push(connection);
    return connection;
  };

  beforeAll(async () => {
    sentinel = await startRedisSentinel();
  }, 90_000);

  afterAll(async () => {
    await Promise.all(connections.map((connection) => closeRedis(connection)));
    await sentinel?.stop();
  });

  test('connections find the primary through the sentinels; SENTINEL FAILOVER moves them to the new primary', async () => {
    const config = redisConnectionFromEnv({ REDIS_SENTINELS: sentinel.sentinelAddresses, REDIS_SENTINEL_NAME: sentinel.name });
    expect(await redisReachable(config)).toBe(true);
    const client = open('client');
    await client.set(`${PREFIX}:s`, 'before');
    const first = await sentinel.primaryPort();
    const promoted = await sentinel.failover();
    expect(promoted).not.toBe(first);
    // The client reconnects to whatever the sentinels name; the write lands on the new primary.
    await waitFor(async () => (await client.set(`${PREFIX}:s2`, 'after').catch(() => undefined)) === 'OK', { timeoutMs: 20_000, what: 'a write after the failover' });
    expect(await nodeCommand(promoted, 'GET', `${PREFIX}:s2`)).toBe('after');
    expect(await client.get(`${PREFIX}:s`)).toBe('before');
  });

  test('kill -9 of the primary: the producer fails fast, a worker command waits for the promotion; the old primary rejoins as replica', async () => {
    const producer = open('producer');
    const worker = open('worker');
    await waitFor(() => redisAnswers(producer), { timeoutMs: 10_000, what: 'producer ready' });
    const killed = sentinel.killPrimary();
    await waitFor(async () => !(await redisAnswers(producer, 500)), { timeoutMs: 10_000, what: 'the producer to notice the primary is gone' });
    const attempt = await timed(() => producer.set(`${PREFIX}:during`, 'x'));
    expect(attempt.error).toBeDefined();
    expect(attempt.ms).toBeLessThan(2_000);
    const workerWrite = worker.set(`${PREFIX}:worker-during`, 'waited');
    const { promoted } = await killed;
    await expect(workerWrite).resolves.toBe('OK');
    expect(await nodeCommand(promoted, 'GET', `${PREFIX}:worker-during`)).toBe('waited');
    const old = sentinel.dataNodes.find((node) => !node.alive)!;
    await sentinel.restartNode(old.port);
    expect(await nodeCommand(old.port, 'GET', `${PREFIX}:worker-during`)).toBe('waited');
  });
});
