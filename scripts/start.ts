/**
 * `npm start`: runs the whole system on this machine.
 *
 * - Redis: uses REDIS_CLUSTER_NODES or REDIS_SENTINELS when set (they must answer), else REDIS_URL
 *   (default redis://127.0.0.1:6379). If nothing answers at REDIS_URL and a
 *   `redis-server` binary is installed, starts one with its data under .data/redis (AOF on,
 *   noeviction) and says so; otherwise exits with a message telling how to get Redis.
 * - Quick start: when no partner URL is configured (ICIMS_API_BASE_URL and every partner sandbox's
 *   `liveEnv`, e.g. its status or GraphQL URL, all unset), also starts the iCIMS sandbox and every
 *   registered partner's sandbox on loopback (packages/sandbox/src/main.ts), points the services at
 *   them (the runner's `workerEnv`) and fills in development secrets for config/tenants.example.json
 *   (every secret it names, in the partner's format where its sandbox has `quickStartSecret`, plus
 *   each partner sandbox's `quickStartEnv`).
 * - Starts ingest, worker and dashboard as child processes (env-only configuration, exactly as
 *   docker-compose and the tests start them), prints their addresses, and stops them all on Ctrl-C.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join, resolve } from 'node:path';
import { ConfigError, describeRedisConnection, loadEnv, redisConnectionFromEnv, redisEnvProperties, redisReachable, type RedisConnectionConfig, type RedisEnv } from '@status-bridge/core';
import { PARTNERS, sandboxPortVariable } from '@status-bridge/partners';

const root = resolve(__dirname, '..');
const env: Record<string, string | undefined> = { ...process.env };
const say = (text: string): void => void process.stdout.write(`[start] ${text}\n`);

/** Development-only values for the quick start; never used when the variable is set. */
const QUICK_START_DEFAULTS: Record<string, string> = {
  NODE_ENV: 'development',
  CONFIG_FILE: 'config/tenants.example.json',
  INBOUND_DEFAULT_PASSWORD: 'dev-default-inbound-password',
  TENANT_1234_INBOUND_PASSWORD: 'dev-inbound-password',
  TENANT_1234_INBOUND_CLIENT_SECRET: 'dev-inbound-client-secret',
  TENANT_1234_ICIMS_CLIENT_SECRET: 'dev-icims-client-secret',
  INGEST_TOKEN_SECRET: 'dev-only-ingest-token-secret-change-me-0123456789',
  DASHBOARD_USER: 'admin',
  DASHBOARD_PASSWORD: 'dev-dashboard-password',
  DASHBOARD_ALLOW_RETRY: 'true',
  DASHBOARD_ENVIRONMENT_LABEL: 'local quick start',
  SANDBOX_HOST: '127.0.0.1',
  SANDBOX_ICIMS_PORT: '4010',
};

/**
 * Development values of the partners, from the registry: each sandbox's port and `quickStartEnv`,
 * and a made-up value for every secret an enabled partner section of the example tenants file names.
 */
function partnerQuickStartDefaults(): Record<string, string> {
  const defaults: Record<string, string> = {};
  const example = JSON.parse(readFileSync(join(root, 'config/tenants.example.json'), 'utf8')) as { tenants: Record<string, Record<string, unknown>> };
  for (const partner of PARTNERS) {
    if (partner.sandbox) {
      defaults[sandboxPortVariable(partner.key)] = String(partner.sandbox.defaultPort);
      Object.assign(defaults, partner.sandbox.quickStartEnv);
    }
    for (const tenant of Object.values(example.tenants)) {
      const section = tenant[partner.key] as ({ enabled?: boolean } & Record<string, unknown>) | undefined;
      if (!section || section.enabled === false) continue;
      for (const secret of partner.tenant.secrets(section as never)) {
        defaults[secret.env] = partner.sandbox?.quickStartSecret?.(secret.env) ?? `dev-${secret.env.toLowerCase().replace(/_/g, '-')}`;
      }
    }
  }
  return defaults;
}

/** Variables that point at real partners: set any of them and `npm start` runs without sandboxes. */
const LIVE_ENV = ['ICIMS_API_BASE_URL', ...PARTNERS.flatMap((partner) => partner.sandbox?.liveEnv ?? [])];


async function ensureRedis(redis: RedisConnectionConfig): Promise<ChildProcess | undefined> {
  if (await redisReachable(redis)) {
    say(`Redis answers: ${describeRedisConnection(redis)}`);
    return undefined;
  }
  if (redis.mode !== 'single') {
    process.stderr.write(`[start] No answer from ${describeRedisConnection(redis)} (or its cluster state is not ok).\n`);
    process.exit(1);
  }
  const url = redis.url;
  const parsed = new URL(url);
  const local = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(parsed.hostname);
  const hasBinary = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!local || !hasBinary) {
    process.stderr.write(
      `[start] No Redis answers at ${url}${local ? ' and no redis-server binary is installed' : ''}.\n` +
        '        Get one of:\n' +
        '          Debian/Ubuntu: sudo apt-get install redis-server\n' +
        '          macOS:         brew install redis\n' +
        '          Docker:        docker compose up -d redis\n' +
        '        or set REDIS_URL to a Redis you have (Redis 7+, maxmemory-policy noeviction, AOF on).\n',
    );
    process.exit(1);
  }
  const dir = join(root, '.data', 'redis');
  mkdirSync(dir, { recursive: true });
  const port = parsed.port || '6379';
  say(`no Redis at ${url}: starting redis-server on 127.0.0.1:${port} with data in .data/redis (AOF on)`);
  const child = spawn(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', port, '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction'],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  for (let i = 0; i < 50; i++) {
    if (await redisReachable(redis)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  process.stderr.write('[start] redis-server did not come up; see its output above.\n');
  child.kill();
  process.exit(1);
}

interface Running {
  name: string;
  child: ChildProcess;
  ready: Promise<Record<string, unknown>>;
}

function startProcess(name: string, entry: string, extraEnv: Record<string, string>): Running {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, entry)], {
    cwd: root,
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Own process group: a Ctrl-C in the terminal reaches only this launcher, which then stops each
    // child once. (Children that got SIGINT from the terminal and again from us would take the
    // second signal as "exit now" and skip their graceful shutdown.)
    detached: true,
  });
  const ready = new Promise<Record<string, unknown>>((resolveReady, reject) => {
    const onLine = (line: string): void => {
      process.stdout.write(`[${name}] ${line}\n`);
      if (line.includes('"message":"ready"')) {
        try {
          resolveReady(JSON.parse(line) as Record<string, unknown>);
        } catch {
          /* keep waiting */
        }
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    child.once('exit', (code) => reject(new Error(`${name} exited with code ${code}`)));
  });
  ready.catch(() => undefined);
  return { name, child, ready };
}

async function main(): Promise<void> {
  const quickStart = LIVE_ENV.every((name) => !env[name]);
  if (quickStart) {
    for (const [key, value] of Object.entries({ ...QUICK_START_DEFAULTS, ...partnerQuickStartDefaults() })) if (!env[key]) env[key] = value;
    say(`no partner URLs configured (${LIVE_ENV.join(', ')}): quick start with the iCIMS sandbox, the partners' sandboxes and development secrets`);
  } else if (!env.CONFIG_FILE) {
    process.stderr.write('[start] CONFIG_FILE is not set: point it at your tenants file (see docs/configuration.md).\n');
    process.exit(1);
  }
  if (!env.REDIS_CLUSTER_NODES && !env.REDIS_SENTINELS) env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  let redis: RedisConnectionConfig;
  try {
    redis = redisConnectionFromEnv(loadEnv<RedisEnv>({ type: 'object', properties: redisEnvProperties }, env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`[start] ${error.message}\n`);
    process.exit(78);
  }
  const redisServer = await ensureRedis(redis);

  const running: Running[] = [];
  let sandboxUrls: Record<string, unknown> = {};
  if (quickStart) {
    if (!existsSync(join(root, 'packages/sandbox/src/main.ts'))) throw new Error('packages/sandbox/src/main.ts is missing');
    const sandbox = startProcess('sandbox', 'packages/sandbox/src/main.ts', {});
    running.push(sandbox);
    sandboxUrls = await sandbox.ready;
    // "NAME=value" per variable: iCIMS's API and token URL, each partner sandbox's workerEnv.
    for (const pair of sandboxUrls.workerEnv as string[]) {
      const at = pair.indexOf('=');
      env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  const ingest = startProcess('ingest', 'apps/ingest/src/main.ts', { PORT: env.PORT ?? '3000', HOST: env.HOST ?? '127.0.0.1' });
  const worker = startProcess('worker', 'apps/worker/src/main.ts', { METRICS_PORT: env.METRICS_PORT ?? '9464', METRICS_HOST: env.METRICS_HOST ?? '127.0.0.1' });
  const dashboard = startProcess('dashboard', 'apps/dashboard/src/main.ts', { DASHBOARD_HOST: env.DASHBOARD_HOST ?? '127.0.0.1' });
  running.push(ingest, worker, dashboard);

  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    if (stopping) process.exit(code);
    stopping = true;
    say('stopping…');
    await Promise.all(
      running.map(
        ({ child }) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      ),
    );
    if (redisServer) {
      say('stopping the redis-server started for this run (data kept in .data/redis)');
      redisServer.kill('SIGTERM');
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));
  for (const item of running) {
    item.child.once('exit', (code) => {
      if (!stopping) {
        process.stderr.write(`[start] ${item.name} exited unexpectedly (code ${code}); stopping the rest.\n`);
        void stopAll(1);
      }
    });
  }

  try {
    const [ingestReady, workerReady, dashboardReady] = await Promise.all([ingest.ready, worker.ready, dashboard.ready]);
    const lines = [
      '',
      'status-bridge is running:',
      `  ingest     ${String(ingestReady.url)}/icims/events   (iCIMS posts here)`,
      `  dashboard  ${String(dashboardReady.url)}/admin/queues${quickStart ? `   (user ${env.DASHBOARD_USER}, password ${env.DASHBOARD_PASSWORD})` : ''}`,
      `  worker     ${String(workerReady.url)}/metrics`,
      `  redis      ${describeRedisConnection(redis)}${redisServer ? ' (started by npm start)' : ''}`,
    ];
    if (quickStart) {
      lines.push(
        `  sandboxes  ${[`iCIMS ${String(sandboxUrls.icims)}`, ...PARTNERS.filter((partner) => partner.sandbox).map((partner) => `${partner.title} ${String(sandboxUrls[partner.key])}`)].join(', ')}`,
        '',
        'Try it: in another terminal run `npm run demo`. Ctrl-C stops everything.',
      );
    }
    process.stdout.write(`${lines.join('\n')}\n\n`);
  } catch (error) {
    process.stderr.write(`[start] ${(error as Error).message}\n`);
    await stopAll(1);
  }
}

main().catch((error: Error) => {
  process.stderr.write(`[start] ${error.message}\n`);
  process.exit(1);
});
