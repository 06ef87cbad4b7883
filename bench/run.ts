/**
 * `npm run bench`: runs the benchmark sections in order, each writing its own block of
 * docs/benchmarks.md as soon as it is done (so a run cut short keeps what it measured).
 *
 *   npm run bench                          every section, full sizes (about an hour on 2 cores)
 *   npm run bench -- --quick               reduced sizes, one round: a smoke run
 *   npm run bench -- --only pipeline,cost  some sections (ids below)
 *   npm run bench -- --save-before         also keep this run's figures as the baseline
 *                                          (docs/benchmarks-before.json; BENCH_BEFORE_FILE)
 *
 * Benchmarks, never tests: figures depend on the machine and its load, so each section compares
 * ours with baselines measured side by side in the same run. BENCH_OUT=- prints instead of writing.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@status-bridge/testing';
import { readFigures, renderSummary, saveFigures, type Figure } from './lib/figures';
import { writeBlock } from './lib/report';
import type { BenchContext, Section } from './lib/section';
import { Stack } from './lib/stack';
import { costSection } from './sections/cost';
import { ingestSection } from './sections/ingest';
import { latencySection } from './sections/latency';
import { pipelineSection } from './sections/pipeline';
import { scalingSection } from './sections/scaling';

const SECTIONS: Section[] = [ingestSection, pipelineSection, scalingSection, costSection, latencySection];

function parseArgs(argv: string[]): { quick: boolean; only?: string[]; keep: boolean; saveBefore: boolean } {
  const quick = argv.includes('--quick');
  const saveBefore = argv.includes('--save-before');
  const keep = argv.includes('--keep-scratch');
  const at = argv.indexOf('--only');
  const only = at >= 0 ? (argv[at + 1] ?? '').split(',').filter(Boolean) : undefined;
  const unknown = (only ?? []).filter((id) => !SECTIONS.some((section) => section.id === id));
  if (at >= 0 && (!only?.length || unknown.length > 0)) {
    throw new Error(`--only takes section ids: ${SECTIONS.map((section) => section.id).join(', ')}${unknown.length ? ` (unknown: ${unknown.join(', ')})` : ''}`);
  }
  return { quick, only, keep, saveBefore };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const out = process.env.BENCH_OUT ?? join(REPO_ROOT, 'docs', 'benchmarks.md');
  const docs = join(REPO_ROOT, 'docs');
  const figuresFile = process.env.BENCH_FIGURES_FILE ?? join(docs, 'benchmarks-figures.json');
  const beforeFile = process.env.BENCH_BEFORE_FILE ?? join(docs, 'benchmarks-before.json');
  const code = gitDescribe();
  let figures: Figure[] = [];
  const scratch = mkdtempSync(join(os.tmpdir(), 'sb-bench-'));
  const started = Date.now();
  const say = (text: string) => process.stdout.write(`[bench ${Math.round((Date.now() - started) / 1000)}s] ${text}\n`);
  let stack: Promise<Stack> | undefined;
  const ctx: BenchContext = {
    quick: options.quick,
    scratch,
    stack: () => (stack ??= Stack.start(scratch)),
    measured: {},
    say,
    figure: (figure) => void figures.push(figure),
  };
  say(`${options.quick ? 'quick run' : 'full run'}; 1-minute load ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} CPUs; scratch ${scratch}`);
  const failed: string[] = [];
  try {
    for (const section of SECTIONS.filter((candidate) => !options.only || options.only.includes(candidate.id))) {
      const sectionStarted = Date.now();
      figures = [];
      say(`section ${section.id}: ${section.title}`);
      try {
        const markdown = await section.run(ctx);
        if (out === '-') process.stdout.write(`${markdown}\n`);
        else writeBlock(out, section.id, SECTIONS.map((candidate) => candidate.id), markdown);
        if (out !== '-') {
          saveFigures(figuresFile, section.id, figures, { quick: options.quick, code });
          if (options.saveBefore) saveFigures(beforeFile, section.id, figures, { quick: options.quick, code });
          writeBlock(out, 'summary', ['summary'], renderSummary(readFigures(beforeFile), readFigures(figuresFile), SECTIONS.map((candidate) => candidate.id)));
        }
        say(`section ${section.id} done in ${Math.round((Date.now() - sectionStarted) / 1000)} s${out === '-' ? '' : `; wrote ${out}`}`);
      } catch (error) {
        // One failed section must not cost a long run the others; its block stays as it was.
        failed.push(section.id);
        say(`section ${section.id} FAILED (its block is left as it was): ${(error as Error).stack ?? String(error)}`);
      }
    }
  } finally {
    await stack?.then((running) => running.stop(), () => undefined);
    if (!options.keep) rmSync(scratch, { recursive: true, force: true });
  }
  say(`all done in ${Math.round((Date.now() - started) / 1000)} s${failed.length ? `; FAILED: ${failed.join(', ')}` : ''}`);
  if (failed.length) process.exitCode = 1;
}

/** The code measured: `git describe` of the checkout, "-dirty" when it has uncommitted changes. */
function gitDescribe(): string | undefined {
  // BENCH_CODE names the code when the checkout is not a git work tree (e.g. an exported copy).
  if (process.env.BENCH_CODE) return process.env.BENCH_CODE;
  try {
    return execFileSync('git', ['describe', '--always', '--dirty'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

main().catch((error: Error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error.message}\n`);
  process.exit(1);
});
