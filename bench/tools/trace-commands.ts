/**
 * `npx tsx bench/tools/trace-commands.ts [events]`: which Redis commands one event costs, and on
 * which keys. Drains `events` (default 200) events through one worker process of ours against the
 * bench stack while a MONITOR connection records every command the workers send (Lua scripts'
 * inner commands included, as Redis reports them), then prints commands per event grouped by
 * command and key pattern (ids folded). A diagnostic, not a section: MONITOR slows Redis, so its
 * figures are counts, never rates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { sleep } from '@status-bridge/testing';
import { queueBacklog } from '../lib/drain';
import { QueueWatch } from '../lib/queues';
import { Stack } from '../lib/stack';
import { startWorkers } from '../lib/workers';

function keyPattern(key: string | undefined): string {
  if (!key) return '';
  return key
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/[0-9a-f]{16,}/gi, '<hex>')
    .replace(/\d+/g, '<n>');
}

async function main(): Promise<void> {
  const events = Number(process.argv[2] ?? 200);
  const scratch = mkdtempSync(join(os.tmpdir(), 'sb-trace-'));
  const stack = await Stack.start(scratch);
  try {
    const watch = new QueueWatch(stack.admin);
    await queueBacklog(stack, watch, events);
    const workers = await startWorkers(stack, 'ours', { processes: 1, concurrency: 10 });
    const monitor = new Redis(stack.redis.url);
    const counts = new Map<string, number>();
    let scriptDepth = 0;
    const mon = await monitor.monitor();
    mon.on('monitor', (_time: string, args: string[], source: string) => {
      // "lua" is Redis's source for a script's inner commands; the admin connection is the harness's own.
      const [command, ...rest] = args;
      const name = command.toLowerCase();
      let key = rest[0];
      if (name === 'evalsha' || name === 'eval') key = `${rest[2] ?? ''} (${rest[1]} keys)`;
      if (source !== 'lua' && ['zcard', 'info', 'monitor', 'llen'].includes(name)) return;
      void scriptDepth;
      const label = `${source === 'lua' ? '  (lua) ' : ''}${name} ${keyPattern(key)}`;
      counts.set(label, (counts.get(label) ?? 0) + 1);
    });
    await watch.resumeEnrich();
    for (;;) {
      const { completed, failed } = await watch.finished();
      if (completed.seek + completed.stepstone + completed.enrich + failed.seek + failed.stepstone + failed.enrich >= 3 * events) break;
      await sleep(200);
    }
    await sleep(500);
    mon.disconnect();
    monitor.disconnect();
    await workers.stop();
    const rows = [...counts].map(([label, count]) => ({ label, perEvent: count / events })).sort((a, b) => b.perEvent - a.perEvent);
    const top = rows.filter((row) => !row.label.startsWith('  (lua)'));
    const lua = rows.filter((row) => row.label.startsWith('  (lua)'));
    const sum = (list: typeof rows) => list.reduce((total, row) => total + row.perEvent, 0);
    process.stdout.write(`sent by clients: ${sum(top).toFixed(1)} commands/event; run inside scripts: ${sum(lua).toFixed(1)}/event\n`);
    for (const row of top) if (row.perEvent >= 0.01) process.stdout.write(`${row.perEvent.toFixed(2).padStart(7)}  ${row.label}\n`);
    process.stdout.write('inside scripts:\n');
    for (const row of lua) if (row.perEvent >= 0.01) process.stdout.write(`${row.perEvent.toFixed(2).padStart(7)}  ${row.label}\n`);
  } finally {
    await stack.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
