import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from './logger';
import { DEFAULT_REDIS_URL, type RedisConnectionConfig } from './redis-config';
import { watchRedisConnection } from './redis-log';

/**
 * Redis connections. Which kind a caller needs matters for the guarantees:
 *
 * - `producer`: used by the ingest API to enqueue. No offline queue and one retry per command,
 *   so a call made while Redis is down fails at once (we answer 503) instead of waiting in memory
 *   for a reconnect: nothing is acknowledged that is not stored.
 * - `worker`: BullMQ workers block on Redis and must wait out outages, so commands are retried
 *   forever (`maxRetriesPerRequest: null`, which BullMQ requires for workers).
 * - `client`: our own keys (token caches, correlation records, counters) from workers.
 *
 * Each role behaves the same in every mode (single, Sentinel, Cluster; see redis-config.ts).
 * BullMQ does not close connections passed to it, so whoever creates one closes it at shutdown.
 */
export type RedisRole = 'producer' | 'worker' | 'client';

/** A connection in any mode: BullMQ takes both as `connection`, and their commands are the same. */
export type RedisConnection = Redis | Cluster;

// BullMQ's own reconnect curve: 1 s .. 20 s, forever.
const retryStrategy = (times: number): number => Math.max(Math.min(Math.exp(times), 20_000), 1_000);

/** Per-node options of each role (a Cluster passes them to every node connection). */
const NODE_OPTIONS: Record<RedisRole, RedisOptions> = {
  producer: { enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 1_000 },
  worker: { maxRetriesPerRequest: null, enableReadyCheck: false },
  client: { maxRetriesPerRequest: 3, connectTimeout: 5_000 },
};

/**
 * Cluster-level options of each role. A command that meets a closed node connection or CLUSTERDOWN
 * is retried every `retryDelayOn…` ms, `maxRedirections` times in all; a failover (master killed →
 * replica promoted) takes about cluster-node-timeout + 1 s. The producer gives up within about
 * 0.6 s (ingest's ENQUEUE_TIMEOUT_MS answers 503 anyway; retrying longer would only store events
 * we already answered 503 for, which deduplication then absorbs); workers ride out a failover of up to ~25 s so that a
 * job's completion is not lost to it (a lost completion would mean a repeated delivery); `client`
 * commands (our own keys, inside a job) fail after a few seconds and the job retries.
 */
const CLUSTER_OPTIONS: Record<RedisRole, ClusterOptions> = {
  producer: { enableOfflineQueue: false, slotsRefreshTimeout: 1_000, retryDelayOnFailover: 100, retryDelayOnClusterDown: 100, maxRedirections: 6 },
  worker: { enableOfflineQueue: true, slotsRefreshTimeout: 2_000, retryDelayOnFailover: 250, retryDelayOnClusterDown: 250, maxRedirections: 100 },
  client: { enableOfflineQueue: true, slotsRefreshTimeout: 2_000, retryDelayOnFailover: 200, retryDelayOnClusterDown: 200, maxRedirections: 32 },
};

function tlsOptions(config: RedisConnectionConfig): RedisOptions['tls'] {
  return config.tls ? { ...(config.tls.ca ? { ca: config.tls.ca } : {}), ...(config.tls.servername ? { servername: config.tls.servername } : {}) } : undefined;
}

/** Options every node connection of `config` gets, whatever the role. */
function nodeBase(config: RedisConnectionConfig, name?: string): RedisOptions {
  return {
    connectionName: name ? `status-bridge:${name}` : undefined,
    keepAlive: 30_000,
    ...(config.username ? { username: config.username } : {}),
    ...(config.password ? { password: config.password } : {}),
    ...(config.tls ? { tls: tlsOptions(config) } : {}),
  };
}

/** Builds a connection with the given per-node and cluster-level options. */
function connect(config: RedisConnectionConfig, node: RedisOptions, cluster: ClusterOptions): RedisConnection {
  if (config.mode === 'cluster') {
    const { retryStrategy: clusterRetryStrategy, ...perNode } = node;
    return new Cluster(config.nodes, {
      clusterRetryStrategy: clusterRetryStrategy === undefined ? retryStrategy : clusterRetryStrategy,
      ...cluster,
      // With TLS, keep host names as given: certificates name hosts, not the IPs a lookup gives.
      ...(config.tls ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
      redisOptions: perNode as ClusterOptions['redisOptions'],
    });
  }
  if (config.mode === 'sentinel') {
    return new Redis({
      sentinels: config.sentinels,
      name: config.name,
      role: 'master',
      ...(config.sentinelUsername ? { sentinelUsername: config.sentinelUsername } : {}),
      ...(config.sentinelPassword ? { sentinelPassword: config.sentinelPassword } : {}),
      ...(config.tls ? { enableTLSForSentinelMode: true, sentinelTLS: tlsOptions(config) } : {}),
      // Sentinel publishes +switch-master: reconnect to the new primary at once, not at the next error.
      failoverDetector: true,
      sentinelCommandTimeout: 2_000,
      // A demoted primary answers writes with READONLY, and one whose replica left (promoted, with
      // min-replicas-to-write 1) with NOREPLICAS: reconnect (the sentinels name the current
      // primary; at most once a second, retryStrategy) and send the command again: it was not executed.
      reconnectOnError: (error) => (/^(READONLY|NOREPLICAS)/.test(error.message) ? 2 : false),
      retryStrategy,
      ...node,
    });
  }
  return new Redis(config.url, {
    retryStrategy,
    // A managed endpoint that moved to a new primary answers READONLY until we reconnect; the
    // command fails (the caller retries) rather than being re-sent to an endpoint that may be wrong.
    reconnectOnError: (error) => error.message.startsWith('READONLY'),
    ...node,
  });
}

/**
 * With a `logger`, the connection's outages are logged as state changes (lost / still unreachable
 * / restored, see redis-log.ts); without one its errors are only kept from being printed.
 */
export function createRedis(config: RedisConnectionConfig, role: RedisRole, name?: string, logger?: Logger): RedisConnection {
  const redis = connect(config, { ...nodeBase(config, name), lazyConnect: false, ...NODE_OPTIONS[role] }, CLUSTER_OPTIONS[role]);
  // Without a listener ioredis prints every error event with its stack through console.error.
  if (logger) watchRedisConnection(redis, logger, name ?? role);
  else redis.on('error', () => undefined);
  return redis;
}

/** Closes a connection politely, falling back to a hard disconnect if Redis does not answer. */
export async function closeRedis(redis: RedisConnection, timeoutMs = 1_000): Promise<void> {
  if (redis.status === 'end') return;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([redis.quit(), new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('quit timed out')), timeoutMs)))]);
  } catch {
    /* disconnected below */
  } finally {
    clearTimeout(timer);
    // Also after a successful QUIT: a Sentinel connection's failover detector keeps its own
    // connections to the sentinels, which only disconnect() closes.
    redis.disconnect();
  }
}

/**
 * Key for our own (non-queue) data, under the hash-tagged QUEUE_PREFIX (partition 0's tag). Not
 * partitioned on purpose (partitions.ts): one key per tenant or partner record whatever partition
 * an event came through, and the same key across a change of QUEUE_PARTITIONS.
 */
export function ownKey(prefix: string, ...parts: string[]): string {
  return [prefix, 'sb', ...parts].join(':');
}

/**
 * Redis WAIT: how many replicas have acknowledged every write this connection made before the
 * call (waiting at most `timeoutMs`). On a Cluster WAIT names no key and would go to a random
 * node, so it rides in a pipeline behind a read of `routingKey`: the pipeline goes to the master of
 * that key's slot, over the same node connection that carried the writes being confirmed.
 */
export async function waitForReplicas(redis: RedisConnection, routingKey: string, replicas: number, timeoutMs: number): Promise<number> {
  if (!redis.isCluster) return redis.wait(replicas, timeoutMs);
  const results = await redis.pipeline().exists(routingKey).wait(replicas, timeoutMs).exec();
  // The read failing (MOVED after a failover, a node going away) means the pipeline reached a
  // node that is not the key's master: its WAIT answer is about another node's replicas.
  const [routingError] = results?.[0] ?? [new Error('no answer to EXISTS')];
  if (routingError) throw routingError;
  const [error, acknowledged] = results?.[1] ?? [new Error('no answer to WAIT'), 0];
  if (error) throw error;
  return Number(acknowledged);
}

/**
 * Whether Redis answers within `timeoutMs` (readiness probes must not hang with the connection).
 * Single/Sentinel: PING. Cluster: a node answers CLUSTER INFO with `cluster_state:ok`, i.e. every
 * slot has a reachable master (while a dead master's slots await failover, the state is `fail`).
 */
export async function redisAnswers(redis: RedisConnection, timeoutMs = 1_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const answer = redis.isCluster
      ? redis.cluster('INFO').then((info) => /^cluster_state:ok\s*$/m.test(String(info)))
      : redis.ping().then((reply) => reply === 'PONG');
    return await Promise.race([answer, timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Whether the Redis that `config` names answers right now: one connection attempt, no retries (start-up checks). */
export async function redisReachable(config: RedisConnectionConfig, timeoutMs = 1_000): Promise<boolean> {
  const probe = connect(
    config,
    { ...nodeBase(config, 'probe'), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, sentinelRetryStrategy: () => null, connectTimeout: timeoutMs },
    { lazyConnect: true, enableOfflineQueue: true, slotsRefreshTimeout: timeoutMs },
  );
  probe.on('error', () => undefined);
  try {
    let timer: NodeJS.Timeout | undefined;
    const connected = Promise.race([
      probe.connect().then(() => true),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs * 2);
      }),
    ]).finally(() => clearTimeout(timer));
    return (await connected) && (await redisAnswers(probe, timeoutMs));
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** Whether a Redis answers at `url` right now (see redisReachable). */
export function redisUrlAnswers(url: string = DEFAULT_REDIS_URL, timeoutMs = 1_000): Promise<boolean> {
  return redisReachable({ mode: 'single', url }, timeoutMs);
}

/**
 * A connection for one-off start-up probes (the Redis safety check): lazy, one attempt, no
 * retries, bounded; the caller connects and disconnects it. Same mode, TLS and credentials as the
 * services' connections.
 */
export function createProbe(config: RedisConnectionConfig, timeoutMs: number): RedisConnection {
  const probe = connect(
    config,
    { ...nodeBase(config, 'probe'), lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: timeoutMs, commandTimeout: timeoutMs },
    { lazyConnect: true, enableOfflineQueue: true, slotsRefreshTimeout: timeoutMs, maxRedirections: 2 },
  );
  probe.on('error', () => undefined);
  return probe;
}
