import os from 'node:os';
import { QUEUES } from '@status-bridge/partners';
import { sleep } from '@status-bridge/testing';
import { describeCallShape, readCallShape, type CallShape } from '../lib/call-shape';
import { drainRun, type DrainResult } from '../lib/drain';
import { postEvents } from '../lib/poster';
import { QueueWatch } from '../lib/queues';
import { memoryBreakdown, usedMemory, type MemoryBreakdown } from '../lib/redis-memory';
import { runHeader } from '../lib/report';
import type { BenchContext, Section } from '../lib/section';
import { PREFIX, type Stack } from '../lib/stack';
import { fmt, verdict } from '../lib/stats';
import { startWorkers } from '../lib/workers';

/**
 * Section "cost": what one event costs ours, from outside: CPU in ingest and in the worker,
 * Redis commands and round trips, partner calls; Redis memory per retained completed and failed
 * job with the default retention (packages/core/src/queues.ts); and Redis memory over a soak.
 *
 * Settings (env): BENCH_COST_EVENTS (5,000; quick 500), BENCH_FAILED_EVENTS (2,000; quick 300),
 * BENCH_SOAK_EVENTS (100,000; quick 2,000), BENCH_SOAK_SAMPLE_EVERY (5,000; quick 500),
 * BENCH_SOAK_PROCESSES (2).
 */
const RETAINED = (QUEUES.enrich.defaultJobOptions.removeOnComplete as { count: number }).count;
const MB = 1024 * 1024;
const BATCH = 100;
const BACKLOG_JOBS = 300;

interface SoakSample {
  posted: number;
  seconds: number;
  usedMemory: number;
  keys: number;
  completed: { enrich: number; stepstone: number; seek: number };
  unfinished: number;
}

export const costSection: Section = {
  id: 'cost',
  title: 'Cost per event',
  async run(ctx: BenchContext): Promise<string> {
    const startedAt = new Date();
    const loadAtStart = os.loadavg()[0];
    const events = Number(process.env.BENCH_COST_EVENTS ?? (ctx.quick ? 500 : 5_000));
    const failedEvents = Number(process.env.BENCH_FAILED_EVENTS ?? (ctx.quick ? 300 : 2_000));
    const soakEvents = Number(process.env.BENCH_SOAK_EVENTS ?? (ctx.quick ? 2_000 : 100_000));
    const sampleEvery = Number(process.env.BENCH_SOAK_SAMPLE_EVERY ?? (ctx.quick ? 500 : 5_000));
    const soakProcesses = Number(process.env.BENCH_SOAK_PROCESSES ?? 2);
    const stack = await ctx.stack();

    ctx.say(`cost: ${events} events drained by ours`);
    let shape: CallShape | undefined;
    let completedMemory: { delta: number; breakdown: MemoryBreakdown } | undefined;
    const drained = await drainRun(stack, 'ours', {
      events,
      processes: 1,
      concurrency: 10,
      inspect: async () => {
        shape = await readCallShape(stack);
        // Every job is completed and retained now (fewer than the retention count): memory per event.
        completedMemory = { delta: 0, breakdown: await memoryBreakdown(stack.admin) };
      },
    });
    completedMemory!.delta = drained.posting.redis.usedMemoryDelta + drained.redis.usedMemoryDelta;

    ctx.say(`cost: ${failedEvents} events that fail for good (iCIMS answers 404)`);
    const failed = await failedRun(stack, failedEvents);

    ctx.say(`cost: soak of ${soakEvents} events, memory every ${sampleEvery}`);
    const soak = await soakRun(stack, soakEvents, sampleEvery, soakProcesses, ctx);

    const redisVersion = /redis_version:(\S+)/.exec(await stack.admin.info('server'))?.[1];
    const n = drained.events;
    ctx.figure({ key: 'workerCpu', label: 'worker CPU per event', value: drained.workerCpuMs / n, unit: 'ms' });
    ctx.figure({ key: 'ingestCpu', label: 'ingest CPU per event', value: drained.posting.ingestCpuMs / n, unit: 'ms' });
    ctx.figure({ key: 'workerCommands', label: 'Redis commands per event (worker)', value: drained.redis.totalCalls / n, unit: 'count', digits: 1, target: { op: '<=', value: 115 } });
    ctx.figure({ key: 'workerRoundTrips', label: 'Redis round trips per event (worker)', value: drained.roundTrips / n, unit: 'count', digits: 1 });
    ctx.figure({ key: 'redisCpu', label: 'Redis CPU per event (worker\'s share)', value: drained.redisCpuMs / n, unit: 'ms' });
    ctx.figure({ key: 'bytesPerEvent', label: 'Redis memory per retained event (3 jobs)', value: completedMemory!.delta / n, unit: 'bytes' });
    return render({
      drained,
      shape,
      completedMemory: completedMemory!,
      failed,
      soak,
      soakProcesses,
      header: runHeader({ quick: ctx.quick, startedAt, loadAtStart, redisVersion }, 'bench/sections/cost.ts'),
    });
  },
};

/** Memory per retained failed job: events whose enrichment fails at once (a permanent iCIMS 404). */
async function failedRun(stack: Stack, events: number): Promise<{ events: number; delta: number; breakdown: MemoryBreakdown }> {
  await stack.reset();
  const watch = new QueueWatch(stack.admin);
  const workers = await startWorkers(stack, 'ours', { processes: 1, concurrency: 10 });
  try {
    const before = await usedMemory(stack.admin);
    await postEvents(stack.ingestUrl, stack.eventBodies(stack.takeMissingApplicants(events)), { concurrency: 20 });
    for (;;) {
      const { failed, completed } = await watch.finished();
      if (completed.enrich > 0) throw new Error('an event meant to fail was enriched');
      if (failed.enrich >= events) break;
      await sleep(200);
    }
    return { events, delta: (await usedMemory(stack.admin)) - before, breakdown: await memoryBreakdown(stack.admin) };
  } finally {
    await workers.stop();
  }
}

/**
 * Redis memory while events keep coming: posted through ingest in batches, closed loop (a new
 * batch only while at most BACKLOG_JOBS jobs are unfinished, so the curve shows retention, not a
 * growing backlog), sampled every `sampleEvery` events. The sandboxes' logs are cleared at each
 * sample so a long soak does not fill the partners' process.
 */
async function soakRun(stack: Stack, events: number, sampleEvery: number, processes: number, ctx: BenchContext): Promise<{ samples: SoakSample[]; breakdown: MemoryBreakdown }> {
  await stack.reset();
  const watch = new QueueWatch(stack.admin);
  const workers = await startWorkers(stack, 'ours', { processes, concurrency: 10 });
  const started = Date.now();
  const samples: SoakSample[] = [];
  const sample = async (posted: number, unfinished: number): Promise<void> => {
    const { completed } = await watch.finished();
    samples.push({ posted, seconds: (Date.now() - started) / 1000, usedMemory: await usedMemory(stack.admin), keys: await stack.admin.dbsize(), completed, unfinished });
    await stack.reset(false);
  };
  try {
    await sample(0, 0);
    let posted = 0;
    while (posted < events) {
      const unfinished = await watch.unfinished();
      if (unfinished > BACKLOG_JOBS) {
        await sleep(100);
        continue;
      }
      const batch = Math.min(BATCH, events - posted, sampleEvery - (posted % sampleEvery));
      await postEvents(stack.ingestUrl, stack.eventBodies(stack.takeApplicants(batch)), { concurrency: 20 });
      posted += batch;
      if (posted % sampleEvery === 0 || posted === events) {
        await sample(posted, unfinished);
        ctx.say(`  soak ${posted}/${events}: ${fmt(samples.at(-1)!.usedMemory / MB, 1)} MB`);
      }
    }
    while ((await watch.unfinished()) > 0) await sleep(200);
    await sample(posted, 0);
    return { samples, breakdown: await memoryBreakdown(stack.admin) };
  } finally {
    await workers.stop();
  }
}

function render(info: {
  drained: DrainResult;
  shape?: CallShape;
  completedMemory: { delta: number; breakdown: MemoryBreakdown };
  failed: { events: number; delta: number; breakdown: MemoryBreakdown };
  soak: { samples: SoakSample[]; breakdown: MemoryBreakdown };
  soakProcesses: number;
  header: string;
}): string {
  const { drained } = info;
  const n = drained.events;
  const ingest = drained.posting;
  const partnerCalls = info.shape
    ? (info.shape.icimsGets.applicantworkflows + info.shape.icimsGets.people + info.shape.icimsGets.jobs + info.shape.stepstonePosts + Object.values(info.shape.seekOperations).reduce((a, b) => a + b, 0)) / n
    : NaN;
  const lines: string[] = ['## Cost per event', '', info.header, ''];
  lines.push(`${fmt(n)} events posted through ingest (50 connections) while the enrichment queue was paused, then drained by one worker process of ours (concurrency 10), partners answering at once.`, '');
  lines.push('| per event | ingest | worker | total |');
  lines.push('|---|---:|---:|---:|');
  lines.push(`| CPU ms | ${fmt(ingest.ingestCpuMs / n, 2)} | ${fmt(drained.workerCpuMs / n, 2)} | ${fmt((ingest.ingestCpuMs + drained.workerCpuMs) / n, 2)} |`);
  lines.push(`| Redis commands (scripts' inner commands included) | ${fmt(ingest.redis.totalCalls / n, 1)} | ${fmt(drained.redis.totalCalls / n, 1)} | ${fmt((ingest.redis.totalCalls + drained.redis.totalCalls) / n, 1)} |`);
  lines.push(`| Redis round trips | ${fmt(ingest.roundTrips / n, 1)} | ${fmt(drained.roundTrips / n, 1)} | ${fmt((ingest.roundTrips + drained.roundTrips) / n, 1)} |`);
  lines.push(`| Redis CPU ms | ${fmt(ingest.redis.cpuMs / n, 2)} | ${fmt(drained.redisCpuMs / n, 2)} | ${fmt((ingest.redis.cpuMs + drained.redisCpuMs) / n, 2)} |`);
  lines.push(`| partner HTTP calls | 0 | ${fmt(partnerCalls, 2)} | ${fmt(partnerCalls, 2)} |`);
  lines.push('');
  if (info.shape) lines.push(`Partner calls per event: ${describeCallShape(info.shape, n)}.`, '');
  lines.push(
    '**Round trips** are counted on the client\'s side, in the ingest and worker processes themselves, by a preload (`bench/lib/redis-round-trips.cjs`, `node --require`): a command sent on its own is one round trip, a pipeline or a MULTI…EXEC block is one (ioredis writes each in one socket write; the preload counts those writes). **Commands** are Redis\'s `INFO commandstats` calls, which include the commands Lua scripts run, so one EVALSHA round trip can be a dozen commands.',
    '',
  );

  const memoryTable = (breakdown: MemoryBreakdown, per: number, what: string): string[] => {
    const rows = [...breakdown.categories].sort((a, b) => b[1].bytes - a[1].bytes);
    return [
      `| key group | keys | bytes per ${what} |`,
      '|---|---:|---:|',
      ...rows.map(([category, entry]) => `| ${category} | ${fmt(entry.keys)} | ${fmt(entry.bytes / per)} |`),
      `| **all keys (MEMORY USAGE)** | ${fmt(rows.reduce((sum, [, entry]) => sum + entry.keys, 0))} | **${fmt(breakdown.totalBytes / per)}** |`,
    ];
  };
  lines.push('### Redis memory per retained job', '');
  lines.push(
    `With the default retention (completed jobs kept ${fmt((QUEUES.enrich.defaultJobOptions.removeOnComplete as { age: number }).age / 86_400)} days or the last ${fmt(RETAINED)} per queue, failed jobs ${fmt((QUEUES.enrich.defaultJobOptions.removeOnFail as { age: number }).age / 86_400)} days or ${fmt((QUEUES.enrich.defaultJobOptions.removeOnFail as { count: number }).count)}), ` +
      `every event leaves an enrichment job and two delivery jobs behind. After the ${fmt(n)} events above: \`used_memory\` grew by **${fmt(info.completedMemory.delta / n)} bytes per event** ` +
      `(${fmt(info.completedMemory.delta / n / 3)} per retained job on average). By key group (\`MEMORY USAGE\`, every key, all elements):`,
    '',
    ...memoryTable(info.completedMemory.breakdown, n, 'event'),
    '',
    `A failed job (${fmt(info.failed.events)} events whose enrichment fails for good on an iCIMS 404, attempt 1: failed reason and stack trace are kept): \`used_memory\` grew by **${fmt(info.failed.delta / info.failed.events)} bytes per failed job**.`,
    '',
    ...memoryTable(info.failed.breakdown, info.failed.events, 'failed event'),
    '',
  );

  const soak = info.soak.samples;
  const last = soak.at(-1)!;
  lines.push('### Redis memory during a soak', '');
  lines.push(
    `${fmt(last.posted)} events through ingest and ${info.soakProcesses} worker processes of ours with the default retention, closed loop (a batch of ${BATCH} posted only while at most ${BACKLOG_JOBS} jobs were unfinished), ${fmt(last.seconds)} s. \`used_memory\` and keys after every ${fmt(soak[1]?.posted ?? 0)} events (the last row once everything was delivered):`,
    '',
    '| events posted | used_memory MB | keys | completed jobs kept (enrich / stepstone / seek) | unfinished jobs | elapsed s |',
    '|---:|---:|---:|---|---:|---:|',
    ...soak.map((s) => `| ${fmt(s.posted)} | ${fmt(s.usedMemory / MB, 1)} | ${fmt(s.keys)} | ${fmt(s.completed.enrich)} / ${fmt(s.completed.stepstone)} / ${fmt(s.completed.seek)} | ${fmt(s.unfinished)} | ${fmt(s.seconds)} |`),
    '',
  );
  // Up to RETAINED events every completed job is kept, so memory must grow; past it the oldest are trimmed.
  const growing = soak.filter((s) => s.posted <= RETAINED);
  const slope = growing.length >= 2 ? (growing.at(-1)!.usedMemory - growing[0].usedMemory) / (growing.at(-1)!.posted - growing[0].posted) : NaN;
  const plateau = soak[0].usedMemory + slope * RETAINED;
  const settled = soak.filter((s) => s.posted >= RETAINED * 1.1);
  if (settled.length >= 2) {
    const low = Math.min(...settled.map((s) => s.usedMemory));
    const high = Math.max(...settled.map((s) => s.usedMemory));
    const flat = (high - low) / high < 0.05;
    const after = (settled.at(-1)!.usedMemory - settled[0].usedMemory) / (settled.at(-1)!.posted - settled[0].posted);
    lines.push(
      `Warm-up lasts until the retention count is reached (${fmt(RETAINED)} completed jobs per queue, about ${fmt(RETAINED)} events): memory grows by about ${fmt(slope)} bytes per event until then. ` +
        `After it (${fmt(settled[0].posted)} events on) memory stayed between ${fmt(low / MB, 1)} and ${fmt(high / MB, 1)} MB (${after >= 0 ? '+' : ''}${fmt(after)} bytes per further event): ${verdict(flat)} flat (within 5%). ` +
        'Keys that no job count trims (our own records with long or no expiry) keep growing; the table below shows them.',
      '',
    );
  } else {
    lines.push(
      `Not checkable in this run: the retention keeps the last ${fmt(RETAINED)} completed jobs per queue, so memory grows (about ${fmt(slope)} bytes per event here) until about ${fmt(RETAINED)} events and can only level off after that; ` +
        `this soak posted ${fmt(last.posted)}. Projected plateau with the default retention: about **${fmt(plateau / MB)} MB** (first sample + ${fmt(slope)} bytes × ${fmt(RETAINED)}), plus whatever our own keys without a count bound add (table below). A full run (100,000 events) checks it.`,
      '',
    );
  }
  lines.push(
    'Memory by key group at the end of the soak (everything delivered; `MEMORY USAGE`):',
    '',
    '| key group | keys | MB | bytes per event posted |',
    '|---|---:|---:|---:|',
    ...[...info.soak.breakdown.categories]
      .sort((a, b) => b[1].bytes - a[1].bytes)
      .filter(([, entry]) => entry.bytes >= 1024)
      .map(([category, entry]) => `| ${category} | ${fmt(entry.keys)} | ${fmt(entry.bytes / MB, 1)} | ${fmt(entry.bytes / last.posted)} |`),
    '',
  );
  lines.push(
    '### How to rerun',
    '',
    `- \`npm run bench -- --only cost\`. Settings: \`BENCH_COST_EVENTS\`, \`BENCH_FAILED_EVENTS\`, \`BENCH_SOAK_EVENTS\` (100,000; quick 2,000, so that \`--quick\` stays near two minutes: at about 100 events/s a 10,000-event soak alone takes close to two), \`BENCH_SOAK_SAMPLE_EVERY\`, \`BENCH_SOAK_PROCESSES\`.`,
    `- Memory figures are Redis's own (\`INFO memory\` \`used_memory\`, \`MEMORY USAGE\`), on the private Redis emptied before each part; keys live under \`${PREFIX}\`.`,
    '',
  );
  return lines.join('\n');
}
