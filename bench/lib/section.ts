import type { Figure } from './figures';
import type { Stack } from './stack';

/** What the orchestrator (bench/run.ts) hands every section. */
export interface BenchContext {
  /** `--quick`: reduced sizes and one round, a smoke run under about two minutes. */
  quick: boolean;
  /** Scratch directory of this bench run (logs, Redis data, profiles). */
  scratch: string;
  /** The shared pipeline stack (private Redis, sandboxes, ingest), started on first use. */
  stack(): Promise<Stack>;
  /** Figures a later section reuses when an earlier one measured them in the same run. */
  measured: { oursEventsPerSecond?: number };
  say(text: string): void;
  /** Records a headline figure of the running section (docs/benchmarks-figures.json, the summary block). */
  figure(figure: Figure): void;
}

export interface Section {
  id: string;
  title: string;
  /** Runs the section and returns its markdown block for docs/benchmarks.md. */
  run(ctx: BenchContext): Promise<string>;
}
