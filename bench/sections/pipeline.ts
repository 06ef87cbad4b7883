import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describeCallShape, readCallShape, type CallShape } from '../lib/call-shape';
import { summarizeProfileDir, type ProfileSummary } from '../lib/cpu-profile';
import { drainRun, type DrainResult } from '../lib/drain';
import { runHeader } from '../lib/report';
import type { BenchContext, Section } from '../lib/section';
import { fmt, median, pct, times, verdict } from '../lib/stats';
import { VARIANT_LABEL, type Variant } from '../lib/workers';

/**
 * Section "pipeline": N pre-queued events drained by one worker process of ours, against, in the
 * same rounds on the same private Redis and sandboxes, (a) a no-op BullMQ pipeline of the same
 * shape and (b) a minimal hand-written one making the same HTTP calls. Interleaved rounds,
 * medians; plus one CPU profile of ours.
 *
 * Settings (env): BENCH_PIPELINE_EVENTS (20,000; quick 2,000), BENCH_PIPELINE_ROUNDS (3; quick 1),
 * BENCH_PROFILE_EVENTS (5,000; quick 500; 0: no profile).
 */
const VARIANTS: Variant[] = ['ours', 'noop', 'minimal'];
const CONCURRENCY = 10; // the worker's default WORKER_CONCURRENCY_* per queue

type Run = DrainResult & { round: number };

export const pipelineSection: Section = {
  id: 'pipeline',
  title: 'Pipeline against the engine',
  async run(ctx: BenchContext): Promise<string> {
    const startedAt = new Date();
    const loadAtStart = os.loadavg()[0];
    const events = Number(process.env.BENCH_PIPELINE_EVENTS ?? (ctx.quick ? 2_000 : 20_000));
    const rounds = Number(process.env.BENCH_PIPELINE_ROUNDS ?? (ctx.quick ? 1 : 3));
    const profileEvents = Math.min(events, Number(process.env.BENCH_PROFILE_EVENTS ?? (ctx.quick ? 500 : 5_000)));
    const stack = await ctx.stack();
    const runs: Run[] = [];
    const shapes: Partial<Record<Variant, CallShape>> = {};
    for (let round = 1; round <= rounds; round++) {
      for (const variant of VARIANTS) {
        ctx.say(`pipeline round ${round}/${rounds}: ${variant}, ${events} events`);
        const result = await drainRun(stack, variant, {
          events,
          processes: 1,
          concurrency: CONCURRENCY,
          // The first run of each variant also records what the partners received, to check (b) matches ours.
          inspect: round === 1 && variant !== 'noop' ? async () => void (shapes[variant] = await readCallShape(stack)) : undefined,
        });
        runs.push({ ...result, round });
        ctx.say(`  ${fmt(result.eventsPerSecond)} events/s, worker CPU ${fmt(result.workerCpuMs / events, 2)} ms/event, Redis ${fmt(result.redis.totalCalls / events, 1)} commands/event, load ${fmt(result.loadAverage, 1)}`);
      }
    }
    let profile: ProfileSummary | undefined;
    if (profileEvents > 0) {
      ctx.say(`pipeline: CPU profile of ours, ${profileEvents} events`);
      const dir = mkdtempSync(join(ctx.scratch, 'profile-'));
      const profiled = await drainRun(stack, 'ours', { events: profileEvents, processes: 1, concurrency: CONCURRENCY, cpuProfileDir: dir });
      // Only the drain: start-up (tsx compiling our TypeScript) is not what a busy worker spends.
      profile = summarizeProfileDir(dir, profiled.monotonicUs);
    }
    ctx.measured.oursEventsPerSecond = median(runs.filter((run) => run.variant === 'ours').map((run) => run.eventsPerSecond));
    recordFigures(ctx, runs);
    const redisVersion = /redis_version:(\S+)/.exec(await stack.admin.info('server'))?.[1];
    return render(runs, { events, rounds, shapes, profile, profileEvents, header: runHeader({ quick: ctx.quick, startedAt, loadAtStart, redisVersion }, 'bench/sections/pipeline.ts') });
  },
};

const perEvent = {
  rate: (run: Run) => run.eventsPerSecond,
  cpu: (run: Run) => run.workerCpuMs / run.events,
  commands: (run: Run) => run.redis.totalCalls / run.events,
  roundTrips: (run: Run) => run.roundTrips / run.events,
  redisCpu: (run: Run) => run.redisCpuMs / run.events,
  sandboxCpu: (run: Run) => run.sandboxCpuMs / run.events,
};

/** The section's headline figures (the summary block): the same medians and same-round ratios as the table. */
function recordFigures(ctx: BenchContext, runs: Run[]): void {
  const of = (variant: Variant) => runs.filter((run) => run.variant === variant);
  const med = (variant: Variant, measure: (run: Run) => number) => median(of(variant).map(measure));
  const ratio = (measure: (run: Run) => number) => median(of('ours').map((run) => measure(run) / measure(runs.find((other) => other.variant === 'minimal' && other.round === run.round)!)));
  ctx.figure({ key: 'share', label: 'ours events/s as a share of (b) minimal', value: ratio(perEvent.rate), unit: 'pct', target: { op: '>=', value: 0.7 } });
  ctx.figure({ key: 'cpuRatio', label: 'worker CPU per event, ours ÷ (b)', value: ratio(perEvent.cpu), unit: 'times', target: { op: '<=', value: 1.5 } });
  ctx.figure({ key: 'commands', label: 'Redis commands per event (ours)', value: med('ours', perEvent.commands), unit: 'count', digits: 1, target: { op: '<=', value: 115 } });
  ctx.figure({ key: 'roundTrips', label: 'Redis round trips per event (ours)', value: med('ours', perEvent.roundTrips), unit: 'count', digits: 1 });
  ctx.figure({ key: 'oursCpu', label: 'worker CPU per event (ours)', value: med('ours', perEvent.cpu), unit: 'ms' });
  ctx.figure({ key: 'minimalCpu', label: 'worker CPU per event ((b) minimal)', value: med('minimal', perEvent.cpu), unit: 'ms' });
  ctx.figure({ key: 'oursRate', label: 'events/s drained (ours)', value: med('ours', perEvent.rate), unit: 'perSecond', digits: 0 });
  ctx.figure({ key: 'minimalRate', label: 'events/s drained ((b) minimal)', value: med('minimal', perEvent.rate), unit: 'perSecond', digits: 0 });
}

function render(runs: Run[], info: { events: number; rounds: number; shapes: Partial<Record<Variant, CallShape>>; profile?: ProfileSummary; profileEvents: number; header: string }): string {
  const of = (variant: Variant) => runs.filter((run) => run.variant === variant);
  const med = (variant: Variant, measure: (run: Run) => number) => median(of(variant).map(measure));
  /** ours ÷ other, per round (same-round ratios are the figures that count on a noisy machine). */
  const roundRatios = (other: Variant, measure: (run: Run) => number) =>
    of('ours').map((run) => measure(run) / measure(runs.find((candidate) => candidate.variant === other && candidate.round === run.round)!));
  const ratioCell = (other: Variant, measure: (run: Run) => number, show: (ratio: number) => string) => {
    const ratios = roundRatios(other, measure);
    return `**${show(median(ratios))}**${ratios.length > 1 ? ` (rounds: ${ratios.map(show).join(', ')})` : ''}`;
  };

  const rateShare = median(roundRatios('minimal', perEvent.rate));
  const cpuRatio = median(roundRatios('minimal', perEvent.cpu));
  const commands = med('ours', perEvent.commands);
  const lines: string[] = [];
  lines.push('## Pipeline: ingest → enrichment → StepStone + SEEK, against the BullMQ engine', '', info.header, '');
  lines.push(
    `${fmt(info.events)} events pre-queued, then drained by one worker process (concurrency ${CONCURRENCY} per queue) against the sandboxes answering at once; ` +
      `${info.rounds} interleaved round${info.rounds > 1 ? 's' : ''} (ours, (a), (b), ours, …), medians; ratios are taken within each round, then the median.`,
    '',
  );
  lines.push('| per event | ours | (a) no-op BullMQ | (b) minimal BullMQ + node:http | ours vs (b) | target | |');
  lines.push('|---|---:|---:|---:|---:|---|---|');
  lines.push(
    `| events/s drained | ${fmt(med('ours', perEvent.rate))} | ${fmt(med('noop', perEvent.rate))} | ${fmt(med('minimal', perEvent.rate))} | ${ratioCell('minimal', perEvent.rate, pct)} of (b) | ≥ 70% of (b) | ${verdict(rateShare >= 0.7)} |`,
  );
  lines.push(`| worker CPU ms | ${fmt(med('ours', perEvent.cpu), 2)} | ${fmt(med('noop', perEvent.cpu), 2)} | ${fmt(med('minimal', perEvent.cpu), 2)} | ${ratioCell('minimal', perEvent.cpu, (r) => times(r))} (b)'s | ≤ 1.5× (b)'s | ${verdict(cpuRatio <= 1.5)} |`);
  lines.push(
    `| Redis commands | ${fmt(commands, 1)} | ${fmt(med('noop', perEvent.commands), 1)} | ${fmt(med('minimal', perEvent.commands), 1)} | +${fmt(commands - med('minimal', perEvent.commands), 1)} | ≤ 115 | ${verdict(commands <= 115)} |`,
  );
  lines.push(`| Redis round trips | ${fmt(med('ours', perEvent.roundTrips), 1)} | ${fmt(med('noop', perEvent.roundTrips), 1)} | ${fmt(med('minimal', perEvent.roundTrips), 1)} | ${ratioCell('minimal', perEvent.roundTrips, (r) => times(r, 1))} | | |`);
  lines.push(`| Redis CPU ms | ${fmt(med('ours', perEvent.redisCpu), 2)} | ${fmt(med('noop', perEvent.redisCpu), 2)} | ${fmt(med('minimal', perEvent.redisCpu), 2)} | ${ratioCell('minimal', perEvent.redisCpu, (r) => times(r))} | | |`);
  lines.push(`| sandboxes' CPU ms (the partners' side) | ${fmt(med('ours', perEvent.sandboxCpu), 2)} | – | ${fmt(med('minimal', perEvent.sandboxCpu), 2)} | ${ratioCell('minimal', perEvent.sandboxCpu, (r) => times(r))} | | |`);
  lines.push('');
  lines.push(
    `Against the engine: ours drains ${ratioCell('noop', perEvent.rate, pct)} of the no-op pipeline's rate, (b) ${pct(median(of('minimal').map((run) => run.eventsPerSecond / runs.find((c) => c.variant === 'noop' && c.round === run.round)!.eventsPerSecond)))}. ` +
      `The no-op pipeline is the most BullMQ and Redis allow here for this shape: every job still takes its own round trips, lock and events-stream entries.`,
    '',
  );

  // Where ours spends more Redis commands than (b).
  const names = new Set(runs.flatMap((run) => [...run.redis.calls.keys()]));
  const callsPerEvent = (variant: Variant, name: string) => median(of(variant).map((run) => (run.redis.calls.get(name) ?? 0) / run.events));
  const rows = [...names].map((name) => ({ name, ours: callsPerEvent('ours', name), minimal: callsPerEvent('minimal', name), noop: callsPerEvent('noop', name) }));
  rows.sort((a, b) => Math.abs(b.ours - b.minimal) - Math.abs(a.ours - a.minimal) || b.ours - a.ours);
  const extras = rows.filter((row) => row.ours - row.minimal >= 0.05);
  lines.push('### Redis commands per event, by command', '');
  lines.push(
    `Top extra commands of ours against (b): ${extras
      .slice(0, 8)
      .map((row) => `\`${row.name.toUpperCase()}\` +${fmt(row.ours - row.minimal, 2)}`)
      .join(', ')}. Counts include the commands Lua scripts run (BullMQ's EVALSHA bodies), as Redis counts them.`,
    '',
  );
  lines.push('| command | ours | (b) minimal | (a) no-op | ours − (b) |');
  lines.push('|---|---:|---:|---:|---:|');
  for (const row of rows.filter((row) => row.ours >= 0.01 || row.minimal >= 0.01)) {
    lines.push(`| ${row.name} | ${fmt(row.ours, 2)} | ${fmt(row.minimal, 2)} | ${fmt(row.noop, 2)} | ${row.ours - row.minimal >= 0 ? '+' : ''}${fmt(row.ours - row.minimal, 2)} |`);
  }
  lines.push('');

  if (info.profile) lines.push(...renderProfile(info.profile, info.profileEvents));

  lines.push('### Every run', '');
  lines.push('| round | pipeline | events | drain s | events/s | worker CPU ms/event | Redis commands/event | round trips/event | Redis CPU ms/event | sandbox CPU ms/event | ingest CPU ms/event (posting) | load | completed (enrich/stepstone/seek) | failed |');
  lines.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|');
  for (const run of runs) {
    lines.push(
      `| ${run.round} | ${run.variant} | ${run.events} | ${fmt(run.seconds, 1)} | ${fmt(run.eventsPerSecond)} | ${fmt(perEvent.cpu(run), 2)} | ${fmt(perEvent.commands(run), 1)} | ${fmt(perEvent.roundTrips(run), 1)} | ${fmt(perEvent.redisCpu(run), 2)} | ${fmt(perEvent.sandboxCpu(run), 2)} | ${fmt(run.posting.ingestCpuMs / run.events, 2)} | ${fmt(run.loadAverage, 1)} | ${run.completed.enrich}/${run.completed.stepstone}/${run.completed.seek} | ${run.failed.enrich + run.failed.stepstone + run.failed.seek} |`,
    );
  }
  lines.push('');
  lines.push('### What is measured, and how to rerun', '');
  lines.push(
    '- **Events** are posted through the real ingest process (`apps/ingest/src/main.ts`) while the `enrich` queue is paused, then the workers start, report ready, and the queue is resumed: the drain is timed from the resume until every enrichment and both deliveries of every event have completed. Through ingest rather than `queue.addBulk`, so every pipeline drains exactly the jobs production holds (our producer\'s job ids, deduplication and options), not a hand-made copy that could drift; worker start-up stays out of the time.',
    '- **Every event is a new applicant**: the iCIMS sandbox serves generated records (`POST /_sandbox/generated`, packages/sandbox/src/icims/fixtures.ts): a distinct workflow, person and candidate email per event, 50 shared jobs (so the job cache sees repeats, as at a customer). Status 9782 maps to StepStone INTERVIEW and SEEK Interview (config/tenants.example.json, daily iCIMS budget raised so it never paces).',
    `- **Calls per event**, read off the sandboxes' logs: ours ${info.shapes.ours ? describeCallShape(info.shapes.ours, info.events) : '(not recorded)'}. (b): ${info.shapes.minimal ? describeCallShape(info.shapes.minimal, info.events) : '(not recorded)'}.`,
    '- **(a) no-op** (`bench/pipeline/minimal-worker.ts`, `BENCH_MODE=noop`): one `enrich` job adds its two delivery jobs in one `FlowProducer.addBulk`, every processor returns at once (its delivery jobs carry only the workflow id); same queues, job ids and retention (`packages/core/src/queues.ts`) as ours. **(b) minimal** (same file, `BENCH_MODE=minimal`): the same calls by `node:http` with keep-alive agents, tokens fetched once per process and kept in memory, the job record kept in memory per process; no locks, budgets, gates, metrics or logs; its delivery jobs carry only what the calls need; BullMQ Worker defaults (no limiter). Both run as one child process with concurrency 10 per queue, like ours.',
    '- **ours** is `apps/worker/src/main.ts` started as operators start it (env only, `NODE_ENV=production`, `LOG_LEVEL=info`, logs appended to a file as a collector would read them), all three queues in one process.',
    '- **CPU** per process from `/proc/<pid>/stat` (utime + stime) over the drain; the sandboxes run in their own child process, so the partners\' CPU is apart from ours. **Redis commands**: `INFO commandstats` deltas over the drain (commands run inside Lua scripts count, as Redis counts them); **round trips** are counted on the client\'s side by a preload in every worker process (`bench/lib/redis-round-trips.cjs`): each command sent on its own is one, each pipeline or MULTI…EXEC block one (ioredis writes each in one socket write, and the preload counts those writes). The harness\'s own progress polls are taken off the command counts; its one `resume` script is not (the same in every run).',
    '- The private Redis (`startRedisServer`, AOF everysec, noeviction) is emptied with FLUSHALL before every run; it is never the shared 6379.',
    '- Rerun alone: `npm run bench -- --only pipeline` (`--quick`: 2,000 events, one round). Settings: `BENCH_PIPELINE_EVENTS`, `BENCH_PIPELINE_ROUNDS`, `BENCH_PROFILE_EVENTS`.',
    '',
  );
  return lines.join('\n');
}

function renderProfile(profile: ProfileSummary, events: number): string[] {
  const share = (ms: number) => pct(ms / profile.busyMs);
  const ours = profile.owners.filter((owner) => owner.group.startsWith('ours: ')).reduce((sum, owner) => sum + owner.ms, 0);
  return [
    '### Profile of ours',
    '',
    `One extra run of ${fmt(events)} events with \`node --cpu-prof\` on the worker (not counted above), cut to the drain (start-up excluded). ` +
      `Of the ${fmt(profile.busyMs / 1000, 1)} s the worker was busy, by owner (a package's or module's own code plus the Node core and native code it called, e.g. socket writes): ` +
      `${profile.owners.slice(0, 12).map((owner) => `${owner.group} ${share(owner.ms)}`).join(', ')}; our own code (apps/, packages/) ${share(ours)} in all.`,
    '',
    `Self time only: ${profile.self.slice(0, 8).map((group) => `${group.group} ${share(group.ms)}`).join(', ')}. ` +
      `Heaviest functions: ${profile.functions.slice(0, 8).map((fn) => `\`${fn.name}\` ${share(fn.ms)}`).join(', ')}.`,
    '',
  ];
}
