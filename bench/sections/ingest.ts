/**
 * Section "ingest" of `npm run bench`: autocannon against our POST /icims/events and, in the same
 * run, against a bare Express 5 + express.json() endpoint and a bare node:http endpoint (what Node
 * itself answers here: the physical limit); plain and gzip bodies; interleaved rounds; medians. A
 * benchmark, never a test: numbers depend on the machine, so the target is a ratio measured in
 * the same run (issue 2 "Done when").
 *
 * Settings (env): BENCH_ROUNDS (default 5; quick 1), BENCH_DURATION_S (6; quick 3),
 * BENCH_WARMUP_S (2), BENCH_CONNECTIONS (50). The quick run leaves out ours-through-the-router.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, closeSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { basicAuth, eventJson, freePort, REPO_ROOT, sleep, startRedisServer, waitFor } from '@status-bridge/testing';
import { packageVersion, runHeader } from '../lib/report';
import { median } from '../lib/stats';
import type { BenchContext, Section } from '../lib/section';
import { killOnExit } from '../lib/child';

let ROUNDS = 5;
let DURATION_S = 6;
let WARMUP_S = 2;
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PREFIX = '{bench}';
const PASSWORD = 'bench-password-not-a-secret';
const AUTHORIZATION = basicAuth('icims-1234', PASSWORD);
// Enough distinct bodies that no run reuses one: every event is a distinct transition (its own
// systemId), so deduplication never collapses two requests into one job, which would flatter us.
let POOL = 80_000;

type Encoding = 'plain' | 'gzip';
type ServerKind = 'ours' | 'ours-express' | 'bare' | 'node';

interface Sample {
  round: number;
  server: ServerKind;
  encoding: Encoding;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  total2xx: number;
  serverCpuMicrosPerRequest: number;
  /** ours only: Redis CPU per 2xx answer. */
  redisCpuMicrosPerRequest?: number;
  /** 1-minute load average when the run ended: how busy the machine was besides us. */
  loadAverage: number;
  /** ours only: jobs found in Redis after the run, against 2xx answers (must be equal). */
  jobsInRedis?: number;
}

interface RunningServer {
  kind: ServerKind;
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

function cpuTicks(pid: number): number {
  // /proc/<pid>/stat fields 14 and 15: utime and stime in clock ticks (USER_HZ, 100 on Linux).
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Starts a server as its own process, logs to a file (as a log collector would read them), waits for /healthz-like readiness. */
async function startServer(kind: ServerKind, entry: string, env: Record<string, string>, logFile: string): Promise<RunningServer> {
  const port = await freePort();
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, entry)], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'production', ...env, PORT: String(port) },
    stdio: ['ignore', out, out],
  });
  killOnExit(child);
  closeSync(out);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`${kind} exited with ${child.exitCode}; see ${logFile}`);
      const text = readFileSync(logFile, 'utf8');
      return text.includes('"message":"ready"') && text.includes(`:${port}`);
    },
    { timeoutMs: 30_000, what: `${kind} server ready` },
  );
  return {
    kind,
    url,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000).then(() => child.kill('SIGKILL'))]);
    },
  };
}

function makeBodies(): Record<Encoding, Buffer[]> {
  const plain: Buffer[] = [];
  const gzip: Buffer[] = [];
  for (let i = 0; i < POOL; i++) {
    const systemId = String(1_000_000 + i);
    // Links naming the event's own ids: ingest refuses a link to another record (link-check.ts).
    const text = eventJson({ systemId });
    plain.push(Buffer.from(text));
    gzip.push(gzipSync(text));
  }
  return { plain, gzip };
}

/** `reuse`: the baselines store nothing, so they may cycle through the pool; ours must not (deduplication). */
function cannon(url: string, encoding: Encoding, bodies: Buffer[], durationS: number, reuse: boolean): Promise<autocannon.Result> {
  let next = 0;
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: AUTHORIZATION };
  if (encoding === 'gzip') headers['content-encoding'] = 'gzip';
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${url}/icims/events`,
        method: 'POST',
        connections: CONNECTIONS,
        duration: durationS,
        headers,
        requests: [
          {
            setupRequest: (request) => {
              if (next >= bodies.length) {
                if (!reuse) throw new Error('body pool exhausted: raise POOL');
                next = 0;
              }
              request.body = bodies[next++];
              return request;
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

export const ingestSection: Section = {
  id: 'ingest',
  title: 'Ingest against the physical limit',
  run: (ctx) => runIngest(ctx),
};

async function runIngest(ctx: BenchContext): Promise<string> {
  ROUNDS = Number(process.env.BENCH_ROUNDS ?? (ctx.quick ? 1 : 5));
  DURATION_S = Number(process.env.BENCH_DURATION_S ?? (ctx.quick ? 3 : 6));
  WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 2);
  POOL = 14_000 * Math.max(DURATION_S, WARMUP_S);
  const startedAt = new Date();
  const loadAtStart = os.loadavg()[0];
  const scratch = mkdtempSync(join(os.tmpdir(), 'sb-bench-'));
  // A private Redis with AOF on (appendfsync everysec, the production setting), never the shared one.
  const redis = await startRedisServer({ appendonly: true, dir: join(scratch) });
  killOnExit(redis.process);
  const admin = new Redis(redis.url);
  const redisVersion = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? '?';
  const aof = ((await admin.config('GET', 'appendonly')) as string[])[1];
  const fsync = ((await admin.config('GET', 'appendfsync')) as string[])[1];

  const tenantsFile = join(scratch, 'tenants.json');
  writeFileSync(
    tenantsFile,
    JSON.stringify({ tenants: { '1234': { inbound: { basic: { username: 'icims-1234', passwordEnv: 'BENCH_INBOUND_PASSWORD' } }, statusMapping: {} } } }),
  );
  process.stdout.write(`preparing ${POOL} distinct events (plain and gzip)...\n`);
  const bodies = makeBodies();

  const oursEnv = { REDIS_URL: redis.url, QUEUE_PREFIX: PREFIX, CONFIG_FILE: tenantsFile, BENCH_INBOUND_PASSWORD: PASSWORD, LOG_LEVEL: 'info', HOST: '127.0.0.1' };
  const servers: Partial<Record<ServerKind, RunningServer>> = {
    ours: await startServer('ours', 'apps/ingest/src/main.ts', oursEnv, join(scratch, 'ours.log')),
    // The quick run leaves out the router comparison (a design record, not the target).
    ...(ctx.quick ? {} : { 'ours-express': await startServer('ours-express', 'bench/ingest/ours-express-routed.ts', oursEnv, join(scratch, 'ours-express.log')) }),
    bare: await startServer('bare', 'bench/ingest/bare-express.ts', {}, join(scratch, 'bare.log')),
    node: await startServer('node', 'bench/ingest/bare-node-http.ts', {}, join(scratch, 'node.log')),
  };
  // The comparison the target is about (ours vs bare, plain and gzip), ours routed through Express
  // (plain only), which shows what the direct dispatch of the hot route saves, and bare node:http
  // (plain only: it does not inflate), the most Node answers here.
  const scenarios: Array<[ServerKind, Encoding]> = [
    ['node', 'plain'],
    ['bare', 'plain'],
    ['ours', 'plain'],
    ['ours-express', 'plain'],
    ['bare', 'gzip'],
    ['ours', 'gzip'],
  ].filter(([kind]) => servers[kind as ServerKind]) as Array<[ServerKind, Encoding]>;

  const samples: Sample[] = [];
  try {
    for (const [kind, encoding] of scenarios) {
      process.stdout.write(`warm-up ${kind} ${encoding} ${WARMUP_S}s\n`);
      await cannon(servers[kind]!.url, encoding, bodies[encoding], WARMUP_S, kind === 'bare' || kind === 'node');
    }
    for (let round = 1; round <= ROUNDS; round++) {
      // Interleaved, and the order reverses every other round so no scenario always runs first.
      const order = round % 2 === 1 ? scenarios : [...scenarios].reverse();
      for (const [kind, encoding] of order) {
        const server = servers[kind]!;
        // Private bench Redis: start every run from an empty store, so job counts and dedup keys are this run's.
        await admin.flushdb();
        const cpuBefore = cpuTicks(server.child.pid!);
        const redisBefore = cpuTicks(redis.process.pid!);
        const result = await cannon(server.url, encoding, bodies[encoding], DURATION_S, kind === 'bare' || kind === 'node');
        const cpuAfter = cpuTicks(server.child.pid!);
        const redisAfter = cpuTicks(redis.process.pid!);
        const total2xx = result['2xx'];
        let jobsInRedis: number | undefined;
        if (kind === 'ours' || kind === 'ours-express') {
          await sleep(200);
          // Nothing consumes the queue during the bench, so every accepted job is still waiting.
          jobsInRedis = await admin.llen(`${PREFIX}:enrich:wait`);
        }
        const sample: Sample = {
          round,
          server: kind,
          encoding,
          requestsPerSecond: result.requests.average,
          p50: result.latency.p50,
          p99: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors,
          timeouts: result.timeouts,
          total2xx,
          serverCpuMicrosPerRequest: total2xx > 0 ? Math.round(((cpuAfter - cpuBefore) * 10_000) / total2xx) : 0,
          redisCpuMicrosPerRequest: (kind === 'ours' || kind === 'ours-express') && total2xx > 0 ? Math.round(((redisAfter - redisBefore) * 10_000) / total2xx) : undefined,
          loadAverage: os.loadavg()[0],
          jobsInRedis,
        };
        samples.push(sample);
        process.stdout.write(
          `round ${round} ${kind.padEnd(12)} ${encoding.padEnd(5)} ${Math.round(sample.requestsPerSecond)} req/s  p50 ${sample.p50} ms  p99 ${sample.p99} ms  cpu ${sample.serverCpuMicrosPerRequest} µs/req  non2xx ${sample.non2xx}${jobsInRedis !== undefined ? `  jobs ${jobsInRedis}/${total2xx}` : ''}\n`,
        );
      }
    }
  } finally {
    for (const server of Object.values(servers)) await server?.stop();
    admin.disconnect();
    await redis.stop();
  }

  rmSync(scratch, { recursive: true, force: true });
  return renderReport(samples, { redisVersion, aof, fsync, seconds: Math.round((Date.now() - startedAt.getTime()) / 1000), header: runHeader({ quick: ctx.quick, startedAt, loadAtStart, redisVersion }, 'bench/sections/ingest.ts') });
}

const METHOD = `### What is measured, and how to rerun

- **ours**: the real ingest process (\`apps/ingest/src/main.ts\`, \`LOG_LEVEL=info\`, logs written to a file as a
  collector would read them): Basic authentication against tenant 1234 (SHA-256 digests, constant-time compare), the
  raw body read by our reader, gunzip when \`Content-Encoding: gzip\`, \`JSON.parse\`, the compiled ajv schema, BullMQ
  \`queue.add\` with deduplication awaited until Redis confirms, one structured log line and the Prometheus series per
  request. The body is the seed event (\`../shared/seeds/icims-status-flow-update.txt\`), plain (~700 bytes) or gzipped.
- **bare**: \`bench/ingest/bare-express.ts\`, Express 5 with \`express.json()\` (which also inflates gzip) answering
  \`{"ok":true}\`; default settings.
- **node:http**: \`bench/ingest/bare-node-http.ts\`, a bare \`node:http\` server that reads the body and answers
  \`{"ok":true}\`, nothing else: what Node itself can answer on this machine (plain bodies only; it does not inflate).
  The "share of node:http" column reads ours as a fraction of that physical limit.
- **Every request carries a distinct transition** (its own \`systemId\`): the same event repeated would be collapsed by
  deduplication into one job, and a collapsed add is cheaper than a real one, which would flatter us. The last column
  of "Every run" checks it.
- Redis is a private \`redis-server\` started by the bench with AOF on (\`appendfsync everysec\`), the production
  setting; nothing consumes the queue during the run.
- The target is a ratio measured in the same run (issue 2): ours ≥ 80% of bare's throughput, p99 ≤ 1.5× bare's.
  Closed-loop latency at saturation mostly reflects queueing (p50 ≈ connections / throughput), so read p99 together
  with throughput. Server CPU per request (from \`/proc/<pid>/stat\`) is the steadier number on a busy machine.
- **Design choices the numbers led to**: (1) \`POST /icims/events\` is dispatched by the http server before Express
  (\`apps/ingest/src/server.ts\`); the "Why" table above measures the alternative in the same run. (2) No body-parser on
  the hot route: the body is read and inflated by \`apps/ingest/src/body.ts\` (zlib only when asked, with an output
  cap). (3) Response bodies are built once at start; no ETag. (4) Log lines are written in batches
  (\`apps/ingest/src/log-output.ts\`): a CPU profile under load showed per-line synchronous stdout writes as the largest
  single cost after the Redis and HTTP socket writes; with batching the log writes took about 16 ms of CPU for 10,000
  lines.
- Rerun this section alone: \`npm run bench -- --only ingest\` (needs \`redis-server\` on the PATH; about 5 minutes;
  \`--quick\`: one round of 2 s). Settings: \`BENCH_ROUNDS\` (5), \`BENCH_DURATION_S\` (6), \`BENCH_WARMUP_S\` (2),
  \`BENCH_CONNECTIONS\` (50).
`;

function renderReport(samples: Sample[], info: { redisVersion: string; aof: string; fsync: string; seconds: number; header: string }): string {
  const pick = (server: ServerKind, encoding: Encoding) => samples.filter((s) => s.server === server && s.encoding === encoding);
  const fmt = (value: number, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
  const lines: string[] = [];
  lines.push('## Ingest: `POST /icims/events` against bare Express 5 + `express.json()` and bare `node:http`', '');
  lines.push(info.header, '');
  lines.push(
    `${ROUNDS} interleaved round${ROUNDS > 1 ? 's' : ''}; ` +
      `each cell is the median over the rounds. autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per run after a ${WARMUP_S} s warm-up per scenario; ` +
      'servers run in separate child processes (`NODE_ENV=production`), on the same machine as autocannon and Redis.',
    '',
  );
  lines.push('| scenario | ours req/s | bare req/s | ratio ours/bare (target ≥ 80%) | ours p50 ms | bare p50 ms | ours p99 ms | bare p99 ms | p99 ours/bare (target ≤ 1.5×) | ours CPU µs/req | bare CPU µs/req | node:http req/s | ours as share of node:http | node:http CPU µs/req |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  const verdicts: string[] = [];
  for (const encoding of ['plain', 'gzip'] as Encoding[]) {
    const o = pick('ours', encoding);
    const b = pick('bare', encoding);
    const ratios = o.map((sample) => sample.requestsPerSecond / (b.find((other) => other.round === sample.round)?.requestsPerSecond ?? NaN));
    const p99Ratios = o.map((sample) => sample.p99 / (b.find((other) => other.round === sample.round)?.p99 ?? NaN));
    const oRps = median(o.map((s) => s.requestsPerSecond));
    const bRps = median(b.map((s) => s.requestsPerSecond));
    const oP99 = median(o.map((s) => s.p99));
    const bP99 = median(b.map((s) => s.p99));
    const ratio = oRps / bRps;
    const p99Ratio = oP99 / bP99;
    // node:http answers plain bodies only; its share is per round too.
    const n = pick('node', encoding);
    const nodeCells =
      n.length === 0
        ? '– | – | –'
        : `${fmt(median(n.map((s) => s.requestsPerSecond)))} | **${fmt((oRps / median(n.map((s) => s.requestsPerSecond))) * 100)}%** (rounds: ${o.map((sample) => `${fmt((sample.requestsPerSecond / (n.find((other) => other.round === sample.round)?.requestsPerSecond ?? NaN)) * 100)}%`).join(', ')}) | ${fmt(median(n.map((s) => s.serverCpuMicrosPerRequest)))}`;
    lines.push(
      `| ${encoding === 'gzip' ? 'seed event, gzip (Content-Encoding: gzip)' : 'seed event, plain JSON'} | ${fmt(oRps)} | ${fmt(bRps)} | **${fmt(ratio * 100)}%** (rounds: ${ratios.map((r) => `${fmt(r * 100)}%`).join(', ')}) | ${fmt(median(o.map((s) => s.p50)))} | ${fmt(median(b.map((s) => s.p50)))} | ${fmt(oP99)} | ${fmt(bP99)} | **${fmt(p99Ratio, 2)}×** (rounds: ${p99Ratios.map((r) => `${fmt(r, 2)}×`).join(', ')}) | ${fmt(median(o.map((s) => s.serverCpuMicrosPerRequest)))} | ${fmt(median(b.map((s) => s.serverCpuMicrosPerRequest)))} | ${nodeCells} |`,
    );
    verdicts.push(`${encoding}: throughput ${fmt(ratio * 100)}% of bare (${ratio >= 0.8 ? 'meets' : 'MISSES'} ≥ 80%), p99 ${fmt(p99Ratio, 2)}× bare (${p99Ratio <= 1.5 ? 'meets' : 'MISSES'} ≤ 1.5×)`);
  }
  lines.push('', `Verdict: ${verdicts.join('; ')}.`, '');
  const cpu = (server: ServerKind, encoding: Encoding) => fmt(median(pick(server, encoding).map((s) => s.serverCpuMicrosPerRequest)));
  const redisCpu = median(samples.filter((s) => s.server === 'ours').map((s) => s.redisCpuMicrosPerRequest ?? 0));
  const loads = samples.map((s) => s.loadAverage);
  lines.push(
    `Steadier on a busy machine than req/s: server CPU per answered request, ours ${cpu('ours', 'plain')} µs (plain) / ${cpu('ours', 'gzip')} µs (gzip) ` +
      `against bare ${cpu('bare', 'plain')} / ${cpu('bare', 'gzip')} µs; Redis adds about ${fmt(redisCpu)} µs per stored event (bare uses no Redis). ` +
      `Per-round ratios swing because the 1-minute load average stayed between ${fmt(Math.min(...loads), 1)} and ${fmt(Math.max(...loads), 1)} on ${os.cpus().length} CPUs during the runs.`,
    '',
  );
  const routed = pick('ours-express', 'plain');
  const direct = pick('ours', 'plain');
  const bareRuns = pick('bare', 'plain');
  if (routed.length > 0) {
    const cpuDirect = median(direct.map((s) => s.serverCpuMicrosPerRequest));
    const cpuRouted = median(routed.map((s) => s.serverCpuMicrosPerRequest));
    const rpsRouted = median(routed.map((s) => s.requestsPerSecond));
    lines.push('### Why `POST /icims/events` skips the Express router', '');
    lines.push(
      'The same ingest process with the hot route dispatched through Express\'s router instead of directly by the http server ' +
        '(bench/ingest/ours-express-routed.ts; everything else identical), plain bodies, same rounds:',
      '',
    );
    lines.push('| variant | req/s | ratio to bare | p99 ms | server CPU µs/req |');
    lines.push('|---|---:|---:|---:|---:|');
    lines.push(`| ours, direct dispatch (shipped) | ${fmt(median(direct.map((s) => s.requestsPerSecond)))} | ${fmt((median(direct.map((s) => s.requestsPerSecond)) / median(bareRuns.map((s) => s.requestsPerSecond))) * 100)}% | ${fmt(median(direct.map((s) => s.p99)))} | ${fmt(cpuDirect)} |`);
    lines.push(`| ours, through Express's router | ${fmt(rpsRouted)} | ${fmt((rpsRouted / median(bareRuns.map((s) => s.requestsPerSecond))) * 100)}% | ${fmt(median(routed.map((s) => s.p99)))} | ${fmt(cpuRouted)} |`);
    lines.push(`| bare Express + express.json() | ${fmt(median(bareRuns.map((s) => s.requestsPerSecond)))} | 100% | ${fmt(median(bareRuns.map((s) => s.p99)))} | ${fmt(median(bareRuns.map((s) => s.serverCpuMicrosPerRequest)))} |`);
    const nodeRuns = pick('node', 'plain');
    if (nodeRuns.length > 0) lines.push(`| bare node:http (reads the body, answers) | ${fmt(median(nodeRuns.map((s) => s.requestsPerSecond)))} | ${fmt((median(nodeRuns.map((s) => s.requestsPerSecond)) / median(bareRuns.map((s) => s.requestsPerSecond))) * 100)}% | ${fmt(median(nodeRuns.map((s) => s.p99)))} | ${fmt(median(nodeRuns.map((s) => s.serverCpuMicrosPerRequest)))} |`);
    lines.push('', `Express's router costs the hot route about ${fmt(cpuRouted - cpuDirect)} µs of CPU per request here (median of the per-variant medians).`, '');
  }
  lines.push('### Every run', '');
  lines.push('| round | server | body | req/s | p50 ms | p99 ms | server CPU µs/req | Redis CPU µs/req | load avg | non-2xx | errors | timeouts | 2xx | enrich jobs in Redis |');
  lines.push('|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const s of samples) {
    lines.push(
      `| ${s.round} | ${s.server} | ${s.encoding} | ${fmt(s.requestsPerSecond)} | ${s.p50} | ${s.p99} | ${s.serverCpuMicrosPerRequest} | ${s.redisCpuMicrosPerRequest ?? '–'} | ${fmt(s.loadAverage, 1)} | ${s.non2xx} | ${s.errors} | ${s.timeouts} | ${s.total2xx} | ${s.jobsInRedis ?? '–'} |`,
    );
  }
  lines.push('', '"enrich jobs in Redis" may exceed "2xx" by up to the number of connections: requests still in flight when autocannon stopped were stored but not counted. Fewer jobs than 2xx would mean deduplication collapsed events.');
  lines.push('', '### Machine and versions', '');
  lines.push(`- Node.js ${process.version}; express ${packageVersion('express')}, bullmq ${packageVersion('bullmq')}, ioredis ${packageVersion('ioredis')}, ajv ${packageVersion('ajv')}, autocannon ${packageVersion('autocannon')}`);
  lines.push(`- Redis ${info.redisVersion}, a private redis-server started by the bench: **AOF ${info.aof === 'yes' ? 'on' : 'off'}** (appendfsync ${info.fsync}), maxmemory-policy noeviction; emptied (FLUSHDB on that private server) before every run`);
  lines.push(`- This section took ${info.seconds} s; other work on the machine competes with autocannon, the servers and Redis (see the per-run load column).`);
  lines.push('', METHOD);
  return `${lines.join('\n')}\n`;
}

