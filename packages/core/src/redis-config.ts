import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';

/**
 * Where Redis is and how to reach it, from the environment. Three modes, exactly one per
 * deployment, the same for every process (ingest, workers, dashboard, CLI):
 *
 * - `single`: one Redis at `REDIS_URL` (the default, redis://127.0.0.1:6379);
 * - `sentinel`: a primary/replica set managed by Redis Sentinel (`REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`);
 * - `cluster`: Redis Cluster, reached through seed nodes (`REDIS_CLUSTER_NODES`).
 *
 * Credentials (`REDIS_USERNAME`/`REDIS_PASSWORD` or in the URL) and TLS (`rediss://` or
 * `REDIS_TLS=true`, `REDIS_TLS_CA_FILE`, `REDIS_TLS_SERVERNAME`) apply to every mode. Everything is
 * checked once at start (loadEnv calls `redisConnectionFromEnv`), and each error names the variable.
 */
export interface RedisEnv {
  REDIS_URL?: string;
  REDIS_CLUSTER_NODES?: string;
  REDIS_SENTINELS?: string;
  REDIS_SENTINEL_NAME?: string;
  REDIS_USERNAME?: string;
  REDIS_PASSWORD?: string;
  REDIS_SENTINEL_USERNAME?: string;
  REDIS_SENTINEL_PASSWORD?: string;
  REDIS_TLS?: boolean;
  REDIS_TLS_CA_FILE?: string;
  REDIS_TLS_SERVERNAME?: string;
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export const redisEnvProperties = {
  REDIS_URL: {
    type: 'string',
    pattern: '^rediss?://',
    // No schema default: a REDIS_URL set next to REDIS_CLUSTER_NODES or REDIS_SENTINELS is an error,
    // so "unset" must stay visible; redisConnectionFromEnv applies the default.
    description: `single Redis URL (default ${DEFAULT_REDIS_URL}); rediss:// for TLS; may carry user:password; leave unset with REDIS_CLUSTER_NODES or REDIS_SENTINELS`,
  },
  REDIS_CLUSTER_NODES: {
    type: 'string',
    description: 'Redis Cluster seed nodes, a comma list of host:port (e.g. 10.0.0.1:6379,10.0.0.2:6379); switches every process to Cluster mode',
  },
  REDIS_SENTINELS: {
    type: 'string',
    description: 'Redis Sentinel addresses, a comma list of host:port (e.g. 10.0.0.1:26379,10.0.0.2:26379); switches every process to Sentinel mode',
  },
  REDIS_SENTINEL_NAME: { type: 'string', minLength: 1, description: 'name of the primary the sentinels monitor (sentinel monitor <name> …)' },
  REDIS_USERNAME: { type: 'string', minLength: 1, description: 'Redis ACL user of the data nodes (default: the "default" user)' },
  REDIS_PASSWORD: { type: 'string', minLength: 1, description: 'password of the data nodes (requirepass or the ACL user\'s)' },
  REDIS_SENTINEL_USERNAME: { type: 'string', minLength: 1, description: 'ACL user of the sentinels themselves, if they require one' },
  REDIS_SENTINEL_PASSWORD: { type: 'string', minLength: 1, description: 'password of the sentinels themselves (their requirepass), if they require one' },
  REDIS_TLS: {
    type: 'boolean',
    default: false,
    description: 'true: TLS to every Redis node (and sentinel); a rediss:// REDIS_URL turns it on as well',
  },
  REDIS_TLS_CA_FILE: {
    type: 'string',
    minLength: 1,
    description: 'PEM file of the CA that signed the Redis servers\' certificates (default: the system\'s trusted CAs)',
  },
  REDIS_TLS_SERVERNAME: {
    type: 'string',
    minLength: 1,
    description: 'name to expect in the Redis servers\' certificates (and send as SNI), when nodes are reached by IP',
  },
} as const;

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** TLS settings; present means TLS is on. */
export interface RedisTlsConfig {
  /** CA certificates read from REDIS_TLS_CA_FILE. */
  ca?: string;
  servername?: string;
}

interface RedisAuth {
  username?: string;
  password?: string;
  tls?: RedisTlsConfig;
}

export type RedisConnectionConfig =
  | (RedisAuth & { mode: 'single'; url: string })
  | (RedisAuth & { mode: 'cluster'; nodes: RedisNodeAddress[] })
  | (RedisAuth & { mode: 'sentinel'; sentinels: RedisNodeAddress[]; name: string; sentinelUsername?: string; sentinelPassword?: string });

/** Parses "host:port,host:port" ("[::1]:7000" for IPv6); errors name the variable and the entry. */
export function parseNodeList(variable: string, value: string): RedisNodeAddress[] {
  const entries = value.split(',').map((entry) => entry.trim());
  return entries.map((entry) => {
    const match = /^(\[[0-9A-Fa-f:.]+\]|[^\s:[\]]+):(\d{1,5})$/.exec(entry);
    const port = match ? Number(match[2]) : 0;
    if (!match || port < 1 || port > 65535) {
      throw new ConfigError(`${variable}: "${entry}" is not host:port (expected a comma list such as 10.0.0.1:6379,10.0.0.2:6379)`);
    }
    return { host: match[1].replace(/^\[|\]$/g, ''), port };
  });
}

function readCaFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`REDIS_TLS_CA_FILE: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`REDIS_TLS_CA_FILE: ${path} holds no PEM certificate`);
  return text;
}

function tlsFrom(env: RedisEnv, urlIsTls: boolean): RedisTlsConfig | undefined {
  const on = env.REDIS_TLS === true || urlIsTls;
  if (!on) {
    for (const variable of ['REDIS_TLS_CA_FILE', 'REDIS_TLS_SERVERNAME'] as const) {
      if (env[variable]) throw new ConfigError(`${variable} is set but TLS is off: use a rediss:// REDIS_URL or set REDIS_TLS=true`);
    }
    return undefined;
  }
  return {
    ...(env.REDIS_TLS_CA_FILE ? { ca: readCaFile(env.REDIS_TLS_CA_FILE) } : {}),
    ...(env.REDIS_TLS_SERVERNAME ? { servername: env.REDIS_TLS_SERVERNAME } : {}),
  };
}

/**
 * The connection settings the environment describes. Throws a ConfigError naming the variable when
 * the modes are mixed, a node is malformed, a sentinel name is missing, or the CA file is unreadable.
 */
export function redisConnectionFromEnv(env: RedisEnv): RedisConnectionConfig {
  const cluster = env.REDIS_CLUSTER_NODES;
  const sentinels = env.REDIS_SENTINELS;
  if (cluster && sentinels) throw new ConfigError('REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set: choose one Redis mode');
  const modeVariable = cluster ? 'REDIS_CLUSTER_NODES' : sentinels ? 'REDIS_SENTINELS' : undefined;
  if (modeVariable && env.REDIS_URL) {
    throw new ConfigError(`REDIS_URL is set together with ${modeVariable}: unset REDIS_URL (it names a single Redis; credentials go in REDIS_USERNAME/REDIS_PASSWORD)`);
  }
  if (!sentinels) {
    for (const variable of ['REDIS_SENTINEL_NAME', 'REDIS_SENTINEL_USERNAME', 'REDIS_SENTINEL_PASSWORD'] as const) {
      if (env[variable]) throw new ConfigError(`${variable} is set but REDIS_SENTINELS is not: set the sentinels' addresses, or unset ${variable}`);
    }
  }
  const auth = { username: env.REDIS_USERNAME, password: env.REDIS_PASSWORD };

  if (cluster) return { mode: 'cluster', nodes: parseNodeList('REDIS_CLUSTER_NODES', cluster), ...auth, tls: tlsFrom(env, false) };
  if (sentinels) {
    if (!env.REDIS_SENTINEL_NAME) throw new ConfigError('REDIS_SENTINEL_NAME is not set — needed with REDIS_SENTINELS: the name of the primary the sentinels monitor');
    return {
      mode: 'sentinel',
      sentinels: parseNodeList('REDIS_SENTINELS', sentinels),
      name: env.REDIS_SENTINEL_NAME,
      sentinelUsername: env.REDIS_SENTINEL_USERNAME,
      sentinelPassword: env.REDIS_SENTINEL_PASSWORD,
      ...auth,
      tls: tlsFrom(env, false),
    };
  }

  const url = env.REDIS_URL ?? DEFAULT_REDIS_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('REDIS_URL is not a valid URL (e.g. redis://127.0.0.1:6379 or rediss://user:password@redis.example.com:6380)');
  }
  // One place for each credential, so it is clear which one is used.
  if (parsed.password && env.REDIS_PASSWORD) throw new ConfigError('REDIS_PASSWORD is set and REDIS_URL carries a password too: keep one');
  if (parsed.username && env.REDIS_USERNAME) throw new ConfigError('REDIS_USERNAME is set and REDIS_URL carries a user name too: keep one');
  return { mode: 'single', url, ...auth, tls: tlsFrom(env, parsed.protocol === 'rediss:') };
}

/** For logs and messages: where, never the credentials. */
export function describeRedisConnection(config: RedisConnectionConfig): string {
  const list = (nodes: RedisNodeAddress[]): string => nodes.map((node) => `${node.host}:${node.port}`).join(',');
  const tls = config.tls ? ' (TLS)' : '';
  if (config.mode === 'cluster') return `Redis Cluster via ${list(config.nodes)}${tls}`;
  if (config.mode === 'sentinel') return `Redis Sentinel "${config.name}" via ${list(config.sentinels)}${tls}`;
  const url = new URL(config.url);
  url.username = '';
  url.password = '';
  return `${url.toString().replace(/\/$/, '')}${tls}`;
}
