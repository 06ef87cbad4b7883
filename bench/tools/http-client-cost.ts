/**
 * `npx tsx bench/tools/http-client-cost.ts [requests]`: what one partner call costs the calling
 * process in CPU, by HTTP client, against a local keep-alive JSON server in a child process (so
 * the server's CPU is not counted). Clients, each with concurrency 10 and a keep-alive agent:
 *   node:http  http.request on a keep-alive Agent (what bench (b) uses);
 *   axios      one axios instance created once, configured as our iCIMS client (keep-alive agents,
 *              no redirects, validateStatus, a per-request Authorization header and params);
 *   fetch      Node's built-in fetch (undici).
 * Interleaved rounds, CPU from process.cpuUsage; µs per request, medians. A diagnostic for
 * docs/benchmarks.md (pipeline section, "HTTP client cost"), not a section of its own.
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import axios from 'axios';

const N = Number(process.argv[2] ?? 3000);
const ROUNDS = 3;
const CONCURRENCY = 10;

async function server(): Promise<{ url: string; stop(): void }> {
  const child = fork(__filename, ['--serve'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const port = await new Promise<number>((resolve) => child.once('message', (message) => resolve(Number(message))));
  return { url: `http://127.0.0.1:${port}/customers/1234/applicantworkflows/1`, stop: () => child.kill() };
}

function serve(): void {
  const body = JSON.stringify({ status: { id: 'C1', value: 'x' }, updatedDate: '2026-12-01 10:00 AM', source: 'web', field1: 'a'.repeat(200) });
  const srv = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body));
  });
  srv.keepAliveTimeout = 60_000;
  srv.listen(0, '127.0.0.1', () => process.send!((srv.address() as { port: number }).port));
}

async function run(call: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const cpu = process.cpuUsage();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next++ < N) await call();
  }));
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / N;
}

async function main(): Promise<void> {
  const { url, stop } = await server();
  const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  const instance = axios.create({ timeout: 10_000, httpAgent: agent, maxRedirects: 0, proxy: false, validateStatus: () => true, headers: { Accept: 'application/json', 'User-Agent': 'status-bridge/bench' } });
  const clients: Record<string, () => Promise<unknown>> = {
    'node:http': () =>
      new Promise((resolve, reject) => {
        const req = http.request(`${url}?fields=status,updateddate,source`, { agent, headers: { accept: 'application/json', authorization: 'Bearer t' } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        });
        req.on('error', reject);
        req.end();
      }),
    axios: () => instance.get(url, { params: { fields: 'status,updateddate,source' }, headers: { Authorization: 'Bearer t' } }),
    fetch: async () => (await fetch(`${url}?fields=status,updateddate,source`, { headers: { accept: 'application/json', authorization: 'Bearer t' } })).json(),
  };
  for (const call of Object.values(clients)) await run(call); // warm-up
  const results: Record<string, number[]> = Object.fromEntries(Object.keys(clients).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round++) for (const [name, call] of Object.entries(clients)) results[name].push(await run(call));
  stop();
  agent.destroy();
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const base = median(results['node:http']);
  for (const [name, values] of Object.entries(results)) {
    process.stdout.write(`${name.padEnd(10)} ${median(values).toFixed(0).padStart(5)} µs CPU per request (${(median(values) / base).toFixed(2)}× node:http; rounds ${values.map((v) => v.toFixed(0)).join(', ')})\n`);
  }
}

if (process.argv.includes('--serve')) serve();
else main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
