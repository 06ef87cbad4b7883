import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './net';
import { dataNodeArgs, nodeCommand, nodeInfo, spawnRedisNode, type RedisNodeProcess } from './redis-node';
import { waitFor } from './wait';

/**
 * A private Sentinel-managed Redis on loopback: one primary, `replicas` replicas, `sentinels`
 * sentinels (`redis-server --sentinel` with a generated config), quorum of a majority. Short
 * down-after-milliseconds keeps failovers quick.
 */
export interface RedisSentinelOptions {
  name?: string;
  /**
   * min-replicas-to-write of the data nodes (default 0, Redis's default). With 1, a primary whose
   * replica left (because the sentinels promoted it) refuses writes instead of taking writes the
   * failover then discards; but a promoted primary also refuses every write until it has a replica.
   */
  minReplicasToWrite?: number;
  replicas?: number;
  sentinels?: number;
  downAfterMs?: number;
  failoverTimeoutMs?: number;
}

export interface RedisSentinelHandle {
  /** The primary's name the sentinels monitor (REDIS_SENTINEL_NAME). */
  name: string;
  /** For REDIS_SENTINELS. */
  sentinelAddresses: string;
  dataNodes: RedisNodeProcess[];
  sentinels: RedisNodeProcess[];
  /** Port of the primary every live sentinel names (throws if they disagree). */
  primaryPort(): Promise<number>;
  /** `SENTINEL FAILOVER <name>`; waits until a replica is the primary for every sentinel and in fact. Returns its port. */
  failover(): Promise<number>;
  /** `kill -9` of the primary; waits until the sentinels promoted a replica. Returns its port, when the kill happened and when the sentinels agreed on the new primary (epoch ms). */
  killPrimary(): Promise<{ promoted: number; killedAt: number; promotedAt: number }>;
  /** Starts a killed data node again as a replica of the current primary; waits until it is in sync. */
  restartNode(port: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedisSentinel(options: RedisSentinelOptions = {}): Promise<RedisSentinelHandle> {
  const name = options.name ?? 'sb-primary';
  const replicaCount = options.replicas ?? 1;
  const sentinelCount = options.sentinels ?? 3;
  const quorum = Math.floor(sentinelCount / 2) + 1;
  const root = mkdtempSync(join(tmpdir(), 'sb-sentinel-'));
  const dataNodes: RedisNodeProcess[] = [];
  const sentinels: RedisNodeProcess[] = [];
  const all = (): RedisNodeProcess[] => [...dataNodes, ...sentinels];

  const liveSentinels = (): RedisNodeProcess[] => sentinels.filter((sentinel) => sentinel.alive);
  const primaryPort = async (): Promise<number> => {
    const answers = await Promise.all(
      liveSentinels().map(async (sentinel) => Number(((await nodeCommand(sentinel.port, 'SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string])[1])),
    );
    if (new Set(answers).size !== 1) throw new Error(`sentinels disagree on the primary: ${answers.join(', ')}`);
    return answers[0];
  };
  const describe = async (): Promise<string> =>
    (
      await Promise.all(
        all()
          .filter((node) => node.alive)
          .map(async (node) => `${node.port}: ${JSON.stringify(await nodeInfo(node.port, 'replication').catch((error: Error) => error.message))}`),
      )
    ).join('\n');
  /** The sentinels agree on a primary other than `previous`, which reports itself master. */
  const waitNewPrimary = async (previous: number, what: string): Promise<number> =>
    waitFor(
      async () => {
        const port = await primaryPort();
        if (port === previous) return undefined;
        return (await nodeInfo(port, 'replication')).role === 'master' ? port : undefined;
      },
      { timeoutMs: 45_000, intervalMs: 100, what },
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await describe()}\n${sentinels.map((sentinel) => sentinel.log()).join('\n')}`);
    });
  const waitInSync = async (port: number, what: string): Promise<void> => {
    await waitFor(
      async () => {
        const info = await nodeInfo(port, 'replication');
        return info.role === 'slave' && info.master_link_status === 'up';
      },
      { timeoutMs: 45_000, intervalMs: 100, what },
    );
  };

  try {
    const ports = await Promise.all(Array.from({ length: 1 + replicaCount + sentinelCount }, () => freePort()));
    const [primary, ...rest] = ports;
    const replicaPorts = rest.slice(0, replicaCount);
    const sentinelPorts = rest.slice(replicaCount);
    for (const port of [primary, ...replicaPorts]) {
      const dir = join(root, String(port));
      mkdirSync(dir);
      const args = [...dataNodeArgs(port, dir), '--min-replicas-to-write', String(options.minReplicasToWrite ?? 0), '--min-replicas-max-lag', '10'];
      if (port !== primary) args.push('--replicaof', '127.0.0.1', String(primary));
      dataNodes.push(await spawnRedisNode(port, dir, args, port === primary ? 'primary' : 'replica'));
    }
    for (const port of replicaPorts) await waitInSync(port, `replica ${port} in sync`);
    for (const port of sentinelPorts) {
      const dir = join(root, `sentinel-${port}`);
      mkdirSync(dir);
      // Sentinel rewrites its config file as it learns the topology, so each gets its own.
      const config = join(dir, 'sentinel.conf');
      writeFileSync(
        config,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir}`,
          `sentinel monitor ${name} 127.0.0.1 ${primary} ${quorum}`,
          `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1_000}`,
          `sentinel failover-timeout ${name} ${options.failoverTimeoutMs ?? 5_000}`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      sentinels.push(await spawnRedisNode(port, dir, [config, '--sentinel'], 'sentinel'));
    }
    // A failover needs every sentinel to know the replicas (from the primary's INFO) and the
    // other sentinels (from their hello messages), which takes a few seconds.
    await waitFor(
      async () => {
        for (const sentinel of sentinels) {
          const replicas = (await nodeCommand(sentinel.port, 'SENTINEL', 'REPLICAS', name)) as unknown[];
          const peers = (await nodeCommand(sentinel.port, 'SENTINEL', 'SENTINELS', name)) as unknown[];
          if (replicas.length < replicaCount || peers.length < sentinelCount - 1) return false;
        }
        return true;
      },
      { timeoutMs: 45_000, intervalMs: 200, what: 'every sentinel to know the replicas and the other sentinels' },
    );
  } catch (error) {
    await Promise.all(all().map((node) => node.kill()));
    rmSync(root, { recursive: true, force: true });
    throw error;
  }

  return {
    name,
    sentinelAddresses: sentinels.map((sentinel) => `127.0.0.1:${sentinel.port}`).join(','),
    dataNodes,
    sentinels,
    primaryPort,
    async failover() {
      const previous = await primaryPort();
      await nodeCommand(liveSentinels()[0].port, 'SENTINEL', 'FAILOVER', name);
      const promoted = await waitNewPrimary(previous, `a new primary after SENTINEL FAILOVER (was ${previous})`);
      // The old primary is demoted by the sentinels once they see it report the wrong role.
      await waitInSync(previous, `the old primary ${previous} to become a replica of ${promoted}`);
      return promoted;
    },
    async killPrimary() {
      const previous = await primaryPort();
      const node = dataNodes.find((entry) => entry.port === previous);
      if (!node) throw new Error(`no data node on port ${previous}`);
      await node.kill();
      const killedAt = Date.now();
      const promoted = await waitNewPrimary(previous, `the sentinels to promote a replica after primary ${previous} was killed`);
      return { promoted, killedAt, promotedAt: Date.now() };
    },
    async restartNode(port) {
      const node = dataNodes.find((entry) => entry.port === port);
      if (!node) throw new Error(`no data node on port ${port}`);
      // Started as a replica of the current primary, as an operator (or the sentinels, a few
      // seconds later) would configure it; its own AOF holds the stale history it will drop.
      await node.restart(['--replicaof', '127.0.0.1', String(await primaryPort())]);
      await waitInSync(port, `restarted node ${port} in sync`);
    },
    async stop() {
      await Promise.all(all().map((node) => node.kill()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
