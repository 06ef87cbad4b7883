import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './net';
import { dataNodeArgs, nodeCommand, nodeInfo, spawnRedisNode, type RedisNodeProcess } from './redis-node';
import { waitFor } from './wait';

const run = promisify(execFile);

/**
 * A private Redis Cluster on loopback for the cluster suite: `masters` masters with
 * `replicasPerMaster` replicas each, every node its own redis-server process and directory (AOF
 * on), created with `redis-cli --cluster create`. A small cluster-node-timeout keeps failovers
 * quick (a killed master's replica takes over in about node-timeout + 1 s).
 */
export interface RedisClusterOptions {
  masters?: number;
  replicasPerMaster?: number;
  nodeTimeoutMs?: number;
}

/** One node as CLUSTER NODES describes it. */
export interface ClusterNodeView {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** The master's id, for a replica. */
  masterId?: string;
  /** Flagged fail or pfail by the node that answered. */
  failing: boolean;
  /** Slot ranges served (masters). */
  slots: Array<[number, number]>;
}

export interface Failover {
  promoted: number;
  killedAt: number;
  promotedAt: number;
}

export interface RedisClusterHandle {
  nodes: RedisNodeProcess[];
  /** For REDIS_CLUSTER_NODES: every node (a client needs any one that answers). */
  seedNodes: string;
  /** The cluster as a live node sees it (the first live node, or `viaPort`). */
  topology(viaPort?: number): Promise<ClusterNodeView[]>;
  slotOf(key: string): Promise<number>;
  /** Port of the master serving `slot` (as the first live node sees it). */
  masterOfSlot(slot: number): Promise<number>;
  masterOfKey(key: string): Promise<number>;
  /** Ports of the replicas of the master on `masterPort`. */
  replicasOf(masterPort: number): Promise<number[]>;
  /** `CLUSTER FAILOVER` on a replica (a manual, lossless failover); waits until every live node agrees it is master. */
  failover(replicaPort: number): Promise<void>;
  /**
   * `kill -9` of a master; waits until one of its replicas is master for every live node and the
   * cluster is ok. Returns the promoted port, when the kill happened and when the replica first
   * reported itself master (epoch ms).
   */
  killMaster(masterPort: number): Promise<Failover>;
  /** Starts a killed node again (same directory: nodes.conf, AOF); waits until it is a replica in sync and the cluster is ok. */
  restartNode(port: number): Promise<void>;
  /** Waits until every live node reports cluster_state:ok and agrees on the masters. */
  waitHealthy(what?: string): Promise<void>;
  stop(): Promise<void>;
}

function parseClusterNodes(text: string): ClusterNodeView[] {
  return text
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id, address, flags, masterId, , , , , ...slotFields] = line.trim().split(' ');
      const flagSet = new Set(flags.split(','));
      const slots = slotFields
        .filter((field) => !field.startsWith('['))
        .map((field): [number, number] => {
          const [from, to] = field.split('-').map(Number);
          return [from, to ?? from];
        });
      return {
        id,
        port: Number(address.split('@')[0].split(':').pop()),
        role: flagSet.has('master') ? 'master' : 'replica',
        masterId: masterId === '-' ? undefined : masterId,
        failing: flagSet.has('fail') || flagSet.has('fail?'),
        slots,
      } satisfies ClusterNodeView;
    });
}

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 1;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2_000;
  const count = masters * (1 + replicasPerMaster);
  const root = mkdtempSync(join(tmpdir(), 'sb-cluster-'));
  const nodes: RedisNodeProcess[] = [];

  const live = (): RedisNodeProcess[] => nodes.filter((node) => node.alive);
  const topology = async (viaPort?: number): Promise<ClusterNodeView[]> => {
    const port = viaPort ?? live()[0]?.port;
    if (port === undefined) throw new Error('no live cluster node');
    return parseClusterNodes(String(await nodeCommand(port, 'CLUSTER', 'NODES')));
  };
  const describe = async (): Promise<string> => {
    const views = await Promise.all(
      live().map(async (node) => `${node.port}: ${(await nodeCommand(node.port, 'CLUSTER', 'NODES').catch((error: Error) => error.message)) as string}`),
    );
    return views.join('\n');
  };
  /** Every live node: state ok, and the same set of (non-failing) masters holding all slots. */
  const healthy = async (): Promise<boolean> => {
    const nodeViews = await Promise.all(
      live().map(async (node) => {
        const info = String(await nodeCommand(node.port, 'CLUSTER', 'INFO'));
        const view = await topology(node.port);
        const masterPorts = view.filter((entry) => entry.role === 'master' && entry.slots.length > 0 && !entry.failing).map((entry) => entry.port).sort();
        return { ok: /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info), masters: masterPorts.join(',') };
      }),
    );
    return nodeViews.every((view) => view.ok && view.masters === nodeViews[0].masters && view.masters.split(',').length === masters);
  };
  const waitHealthy = async (what = 'the cluster to be healthy'): Promise<void> => {
    try {
      await waitFor(healthy, { timeoutMs: 45_000, intervalMs: 200, what });
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${await describe().catch(() => '')}`);
    }
  };
  const masterOfSlot = async (slot: number): Promise<number> => {
    const master = (await topology()).find((entry) => entry.role === 'master' && !entry.failing && entry.slots.some(([from, to]) => slot >= from && slot <= to));
    if (!master) throw new Error(`no live master serves slot ${slot}`);
    return master.port;
  };
  const slotOf = async (key: string): Promise<number> => Number(await nodeCommand(live()[0].port, 'CLUSTER', 'KEYSLOT', key));
  const replicasOf = async (masterPort: number): Promise<number[]> => {
    const view = await topology();
    const master = view.find((entry) => entry.port === masterPort);
    return view.filter((entry) => entry.role === 'replica' && entry.masterId === master?.id).map((entry) => entry.port);
  };
  /** Waits until every live node sees `port` as a master (and `demoted`, if alive, as its replica) and the cluster is healthy. */
  const waitMaster = async (port: number, what: string, demoted?: number): Promise<void> => {
    await waitFor(
      async () => {
        for (const node of live()) {
          const view = await topology(node.port);
          const self = view.find((entry) => entry.port === port);
          if (self?.role !== 'master' || self.failing || self.slots.length === 0) return false;
          const old = view.find((entry) => entry.port === demoted);
          if (demoted !== undefined && live().some((entry) => entry.port === demoted) && (old?.role !== 'replica' || old.masterId !== self.id)) return false;
        }
        return healthy();
      },
      { timeoutMs: 45_000, intervalMs: 200, what },
    ).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${await describe().catch(() => '')}`);
    });
  };

  try {
    const ports = await Promise.all(Array.from({ length: count * 2 }, () => freePort()));
    // Bus ports are given explicitly (Redis's default port + 10000 may be taken or exceed 65535).
    for (let index = 0; index < count; index++) {
      const port = ports[index];
      const dir = join(root, String(port));
      mkdirSync(dir);
      const args = [
        ...dataNodeArgs(port, dir),
        '--cluster-enabled', 'yes',
        '--cluster-port', String(ports[count + index]),
        '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', String(nodeTimeoutMs),
      ];
      nodes.push(await spawnRedisNode(port, dir, args, 'cluster node'));
    }
    await run(
      'redis-cli',
      ['--cluster', 'create', ...nodes.map((node) => `127.0.0.1:${node.port}`), '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'],
      { timeout: 60_000 },
    );
    await waitHealthy('the new cluster to be ok on every node');
    // Replicas in sync, so that a failover right away has something to promote.
    await waitFor(
      async () => {
        const replicas = (await topology()).filter((entry) => entry.role === 'replica');
        if (replicas.length !== masters * replicasPerMaster) return false;
        const links = await Promise.all(replicas.map(async (replica) => (await nodeInfo(replica.port, 'replication')).master_link_status));
        return links.every((link) => link === 'up');
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'every replica in sync with its master' },
    );
  } catch (error) {
    await Promise.all(nodes.map((node) => node.kill()));
    rmSync(root, { recursive: true, force: true });
    throw error;
  }

  return {
    nodes,
    seedNodes: nodes.map((node) => `127.0.0.1:${node.port}`).join(','),
    topology,
    slotOf,
    masterOfSlot,
    masterOfKey: async (key) => masterOfSlot(await slotOf(key)),
    replicasOf,
    async failover(replicaPort) {
      const view = await topology();
      const masterId = view.find((entry) => entry.port === replicaPort)?.masterId;
      const oldMaster = view.find((entry) => entry.id === masterId)?.port;
      // Redis aborts a manual failover silently when the replica has not caught up with the paused
      // master within 5 s (CLUSTER_MF_TIMEOUT), which a loaded machine can cause: ask again until the
      // replica has taken over (a failover already done makes the command a no-op error).
      const deadline = Date.now() + 60_000;
      for (;;) {
        await nodeCommand(replicaPort, 'CLUSTER', 'FAILOVER').catch(() => undefined);
        const tookOver = await waitFor(async () => (await topology(replicaPort)).find((entry) => entry.port === replicaPort)?.role === 'master', { timeoutMs: 7_000, intervalMs: 100, what: 'takeover' }).then(
          () => true,
          () => false,
        );
        if (tookOver || Date.now() > deadline) break;
      }
      await waitMaster(replicaPort, `replica ${replicaPort} to take over from ${oldMaster} after CLUSTER FAILOVER`, oldMaster);
    },
    async killMaster(masterPort) {
      const replicas = await replicasOf(masterPort);
      if (replicas.length === 0) throw new Error(`master ${masterPort} has no replica to promote`);
      const node = nodes.find((entry) => entry.port === masterPort);
      if (!node) throw new Error(`no node on port ${masterPort}`);
      await node.kill();
      const killedAt = Date.now();
      const promoted = await waitFor(
        async () => {
          for (const port of replicas) {
            const self = (await topology(port)).find((entry) => entry.port === port);
            if (self?.role === 'master' && self.slots.length > 0) return port;
          }
          return undefined;
        },
        { timeoutMs: 45_000, intervalMs: 100, what: `a replica of killed master ${masterPort} (${replicas.join(', ')}) to be promoted` },
      );
      const promotedAt = Date.now();
      await waitMaster(promoted, `every live node to accept ${promoted} as master`);
      return { promoted, killedAt, promotedAt };
    },
    async restartNode(port) {
      const node = nodes.find((entry) => entry.port === port);
      if (!node) throw new Error(`no node on port ${port}`);
      await node.restart();
      await waitFor(
        async () => {
          const info = await nodeInfo(port, 'replication');
          return info.role === 'slave' && info.master_link_status === 'up' && (await healthy());
        },
        { timeoutMs: 45_000, intervalMs: 200, what: `restarted node ${port} to rejoin as a replica in sync` },
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${node.log()}`);
      });
    },
    waitHealthy,
    async stop() {
      await Promise.all(nodes.map((node) => node.kill()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Which live masters hold keys under `prefix` (or any of several prefixes: every partition's of
 * QUEUE_PARTITIONS), with how many. With one hash-tagged QUEUE_PREFIX every key sits on one
 * master; partitioned queues spread over several.
 */
export async function mastersHoldingKeys(cluster: RedisClusterHandle, prefix: string | readonly string[]): Promise<Array<{ port: number; keys: number }>> {
  const prefixes = typeof prefix === 'string' ? [prefix] : prefix;
  const masters = (await cluster.topology()).filter((entry) => entry.role === 'master' && !entry.failing && entry.slots.length > 0);
  const counts = await Promise.all(
    masters.map(async (master) => {
      let keys = 0;
      for (const pattern of prefixes) {
        let cursor = '0';
        do {
          const [next, batch] = (await nodeCommand(master.port, 'SCAN', cursor, 'MATCH', `${pattern}*`, 'COUNT', 1000)) as [string, string[]];
          cursor = next;
          keys += batch.length;
        } while (cursor !== '0');
      }
      return { port: master.port, keys };
    }),
  );
  return counts.filter((entry) => entry.keys > 0);
}
