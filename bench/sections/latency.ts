import os from 'node:os';
import { sleep } from '@status-bridge/testing';
import { drainRun } from '../lib/drain';
import { postEvents, type Posted } from '../lib/poster';
import { QueueWatch } from '../lib/queues';
import { runHeader } from '../lib/report';
import type { BenchContext, Section } from '../lib/section';
import type { Stack } from '../lib/stack';
import { fmt, percentile, verdict } from '../lib/stats';
import { startWorkers } from '../lib/workers';

/**
 * Section "latency": time from ingest's receipt of an event (EnrichJob.receivedAt) to the
 * partner's receipt of it (the sandboxes record arrival times), at half the measured maximum
 * throughput (posted at a steady pace through ingest), and for a burst posted as fast as
 * possible. One worker process of ours, default concurrency, partners answering at once.
 *
 * Settings (env): BENCH_LATENCY_SECONDS (120; quick 10) of paced posting, BENCH_BURST_EVENTS
 * (5,000; quick 500), BENCH_MAX_EVENTS (3,000; quick 1,000): the drain that measures the maximum
 * when the pipeline section did not run before in the same bench.
 */
interface Delivery {
  partner: 'StepStone' | 'SEEK';
  /** ms from ingest's receipt to the partner's. */
  delayMs: number;
  arrivedAt: number;
}

interface Scenario {
  name: string;
  events: number;
  ratePerSecond?: number;
  postedSeconds: number;
  posted: Posted[];
  deliveries: Delivery[];
  /** How far any BusinessDate (= receivedAt) lies outside its request's [sent, answered] span: checks the time basis (0: never). */
  basisSkewMs: number;
  loadAverage: number;
}

export const latencySection: Section = {
  id: 'latency',
  title: 'Time to partner',
  async run(ctx: BenchContext): Promise<string> {
    const startedAt = new Date();
    const loadAtStart = os.loadavg()[0];
    const seconds = Number(process.env.BENCH_LATENCY_SECONDS ?? (ctx.quick ? 10 : 120));
    const burst = Number(process.env.BENCH_BURST_EVENTS ?? (ctx.quick ? 500 : 5_000));
    const stack = await ctx.stack();
    let max = ctx.measured.oursEventsPerSecond;
    let maxSource = 'the pipeline section of this run (median)';
    if (!max) {
      const events = Number(process.env.BENCH_MAX_EVENTS ?? (ctx.quick ? 1_000 : 3_000));
      ctx.say(`latency: measuring the maximum with a drain of ${events} events`);
      max = (await drainRun(stack, 'ours', { events, processes: 1, concurrency: 10 })).eventsPerSecond;
      maxSource = `a drain of ${fmt(events)} pre-queued events in this section`;
    }
    const rate = max / 2;
    ctx.say(`latency: ${fmt(rate, 1)} events/s for ${seconds} s (half of ${fmt(max, 1)})`);
    const paced = await scenario(stack, `paced at half the maximum (${fmt(rate, 1)} events/s for ${seconds} s)`, Math.max(1, Math.round(rate * seconds)), rate);
    ctx.say(`latency: burst of ${burst} events`);
    const bursted = await scenario(stack, `burst of ${fmt(burst)} events, posted as fast as 50 connections allow`, burst);
    const redisVersion = /redis_version:(\S+)/.exec(await stack.admin.info('server'))?.[1];
    const delays = (s: Scenario, partner: Delivery['partner']) => s.deliveries.filter((d) => d.partner === partner).map((d) => d.delayMs / 1000);
    ctx.figure({ key: 'maxRate', label: 'maximum drain rate the paced run is half of (ours)', value: max, unit: 'perSecond', digits: 1 });
    ctx.figure({ key: 'seekP99', label: 'SEEK p99 from ingest to partner, half load', value: percentile(delays(paced, 'SEEK'), 99), unit: 's', target: { op: '<=', value: 60 } });
    ctx.figure({ key: 'stepstoneP99', label: 'StepStone p99 from ingest to partner, half load', value: percentile(delays(paced, 'StepStone'), 99), unit: 's' });
    const lastArrived = Math.max(...bursted.deliveries.map((d) => d.arrivedAt));
    ctx.figure({ key: `burstClear-${burst}`, label: `burst of ${fmt(burst)}: first sent to last delivered`, value: (lastArrived - Math.min(...bursted.posted.map((p) => p.sentAt))) / 1000, unit: 's', digits: 1 });
    return render([paced, bursted], { max, maxSource, header: runHeader({ quick: ctx.quick, startedAt, loadAtStart, redisVersion }, 'bench/sections/latency.ts') });
  },
};

async function scenario(stack: Stack, name: string, events: number, ratePerSecond?: number): Promise<Scenario> {
  await stack.reset();
  const watch = new QueueWatch(stack.admin);
  const workers = await startWorkers(stack, 'ours', { processes: 1, concurrency: 10 });
  try {
    const applicants = stack.takeApplicants(events);
    const started = Date.now();
    const posted = await postEvents(stack.ingestUrl, stack.eventBodies(applicants), { concurrency: 50, ratePerSecond });
    const postedSeconds = (Date.now() - started) / 1000;
    let last = Date.now();
    let lastDone = -1;
    for (;;) {
      const { completed, failed } = await watch.finished();
      const done = completed.stepstone + completed.seek + failed.stepstone + failed.seek;
      if (done >= 2 * events) break;
      if (done !== lastDone) [lastDone, last] = [done, Date.now()];
      else if (Date.now() - last > 60_000) throw new Error(`latency: deliveries stalled at ${done}/${2 * events}`);
      await sleep(200);
    }
    const received = (await stack.control('stepstone', '/_sandbox/received')) as { received: Array<{ at: number; body: { AtsiApplicationId: string; BusinessDate: string } }> };
    const operations = (await stack.control('seek', '/_sandbox/operations')) as {
      operations: Array<{ at: number; operation: string; outcome: string; variables: { input?: { candidateProcessHistoryItem?: { actionDate?: string } } } }>;
    };
    // BusinessDate and actionDate are the event's occurredAt, which is ingest's receivedAt for these
    // events (the workflow shows the event's own status, so no re-send cap applies).
    const deliveries: Delivery[] = [
      ...received.received.map((r) => ({ partner: 'StepStone' as const, delayMs: r.at - Date.parse(r.body.BusinessDate), arrivedAt: r.at })),
      ...operations.operations
        .filter((o) => o.operation === 'createCandidateProcessHistoryItem' && o.outcome === 'success')
        .map((o) => ({ partner: 'SEEK' as const, delayMs: o.at - Date.parse(o.variables.input!.candidateProcessHistoryItem!.actionDate!), arrivedAt: o.at })),
    ];
    // Check that basis: each StepStone message names its applicant (AtsiApplicationId ends in the index).
    const first = applicants[0];
    let basisSkewMs = 0;
    for (const r of received.received) {
      const index = parseInt(r.body.AtsiApplicationId.slice(-12), 16) - first;
      const sent = posted[index];
      const at = Date.parse(r.body.BusinessDate);
      if (sent) basisSkewMs = Math.max(basisSkewMs, sent.sentAt - at, at - (sent.sentAt + sent.latencyMs));
    }
    return { name, events, ratePerSecond, postedSeconds, posted, deliveries, basisSkewMs, loadAverage: os.loadavg()[0] };
  } finally {
    await workers.stop();
  }
}

function render(scenarios: Scenario[], info: { max: number; maxSource: string; header: string }): string {
  const lines: string[] = ['## Time to partner', '', info.header, ''];
  lines.push(
    `From ingest's receipt of an event (\`EnrichJob.receivedAt\`) to the partner's receipt (the sandbox's arrival time), one worker process of ours (concurrency 10), partners answering at once. ` +
      `Maximum throughput ${fmt(info.max, 1)} events/s, from ${info.maxSource}.`,
    '',
  );
  lines.push('| scenario | partner | deliveries | p50 s | p99 s | max s | target | |');
  lines.push('|---|---|---:|---:|---:|---:|---|---|');
  for (const s of scenarios) {
    for (const partner of ['StepStone', 'SEEK'] as const) {
      const delays = s.deliveries.filter((d) => d.partner === partner).map((d) => d.delayMs / 1000);
      const p99 = percentile(delays, 99);
      const paced = s.ratePerSecond !== undefined;
      const target = paced && partner === 'SEEK' ? `p99 < 60 s | ${verdict(p99 < 60)}` : ' | ';
      lines.push(`| ${s.name} | ${partner} | ${fmt(delays.length)} | ${fmt(percentile(delays, 50), 2)} | ${fmt(p99, 2)} | ${fmt(Math.max(...delays), 2)} | ${target} |`);
    }
  }
  lines.push('');
  const burst = scenarios.find((s) => s.ratePerSecond === undefined);
  if (burst) {
    const firstSent = Math.min(...burst.posted.map((p) => p.sentAt));
    const lastArrived = Math.max(...burst.deliveries.map((d) => d.arrivedAt));
    const ingest = burst.posted.map((p) => p.latencyMs);
    lines.push(
      `Burst: ${fmt(burst.events)} events were accepted by ingest in ${fmt(burst.postedSeconds, 1)} s (${fmt(burst.events / burst.postedSeconds)} events/s; ingest answer p50 ${fmt(percentile(ingest, 50))} ms, **p99 ${fmt(percentile(ingest, 99))} ms**, max ${fmt(Math.max(...ingest))} ms, measured by the poster over 50 keep-alive connections while the worker ran); ` +
        `**the last one reached its partner ${fmt((lastArrived - firstSent) / 1000, 1)} s after the first was sent** (${fmt(burst.events / ((lastArrived - firstSent) / 1000), 1)} events/s end to end).`,
      '',
    );
  }
  lines.push('| scenario | events posted | posting s | ingest p99 ms | load | receivedAt outside its request, ms (0: time basis holds) |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const s of scenarios) {
    lines.push(`| ${s.name} | ${fmt(s.events)} | ${fmt(s.postedSeconds, 1)} | ${fmt(percentile(s.posted.map((p) => p.latencyMs), 99))} | ${fmt(s.loadAverage, 1)} | ${fmt(s.basisSkewMs)} |`);
  }
  lines.push(
    '',
    '### What is measured, and how to rerun',
    '',
    '- Events are posted through ingest while the worker runs: paced (request i sent at start + i / rate, up to 50 in flight) at half the maximum drain rate, or all at once for the burst. Every event is a new generated applicant, so every event is delivered to both partners.',
    "- The delay is the sandbox's arrival time of the StepStone status (`/_sandbox/received`) or of SEEK's `createCandidateProcessHistoryItem` (`/_sandbox/operations`) minus the `BusinessDate` / `actionDate` it carries. Both are the event's `occurredAt`, which for these events is ingest's `receivedAt` (the workflow already shows the event's status, so no re-send cap moves it); the last column checks that against the poster's send times. All clocks are this machine's.",
    '- Target (SEEK asks that changes show up within 60 s): SEEK p99 under 60 s at half load. The burst has no target; it shows how long a backlog of that size takes to clear.',
    '- Rerun alone: `npm run bench -- --only latency` (measures the maximum itself when the pipeline section did not run first). Settings: `BENCH_LATENCY_SECONDS`, `BENCH_BURST_EVENTS`, `BENCH_MAX_EVENTS`.',
    '',
  );
  return lines.join('\n');
}
