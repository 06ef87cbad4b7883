import { startChild, type Child } from './child';
import { roundTripPreload } from './round-trips';
import type { Stack } from './stack';

/**
 * The three pipelines of the same shape (one enrichment job fanning out to a StepStone and a SEEK
 * delivery), each run as real worker processes:
 *   ours    apps/worker/src/main.ts, configured by env only, as operators run it;
 *   minimal bench/pipeline/minimal-worker.ts: hand-written BullMQ + node:http, the same HTTP calls;
 *   noop    the same file in no-op mode: the BullMQ shape with no calls at all (the engine's ceiling).
 */
export type Variant = 'ours' | 'minimal' | 'noop';

export const VARIANT_LABEL: Record<Variant, string> = {
  ours: 'ours (apps/worker)',
  minimal: '(b) minimal BullMQ + node:http',
  noop: '(a) no-op BullMQ',
};

export interface WorkerOptions {
  processes: number;
  /** Jobs in parallel per queue per process. */
  concurrency: number;
  /** Write a V8 CPU profile of each process into this directory on exit. */
  cpuProfileDir?: string;
}

export interface Workers {
  children: Child[];
  pids: number[];
  stop(): Promise<void>;
}

let started = 0;

export async function startWorkers(stack: Stack, variant: Variant, options: WorkerOptions): Promise<Workers> {
  const preload = roundTripPreload(stack.roundTripsDir);
  const nodeArgs = [...preload.nodeArgs, ...(options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [])];
  const run = ++started;
  const children = await Promise.all(
    Array.from({ length: options.processes }, (_, i) => {
      const name = `${variant}-${run}-${i + 1}`;
      if (variant === 'ours') {
        const concurrency = String(options.concurrency);
        return startChild(name, 'apps/worker/src/main.ts', {
          logDir: stack.scratch,
          nodeArgs,
          env: { ...stack.env, ...preload.env, WORKER_CONCURRENCY_ENRICH: concurrency, WORKER_CONCURRENCY_STEPSTONE: concurrency, WORKER_CONCURRENCY_SEEK: concurrency, METRICS_PORT: '0', METRICS_HOST: '127.0.0.1' },
        });
      }
      return startChild(name, 'bench/pipeline/minimal-worker.ts', { logDir: stack.scratch, nodeArgs, env: { ...stack.env, ...preload.env, BENCH_MODE: variant, BENCH_CONCURRENCY: String(options.concurrency) } });
    }),
  );
  return {
    children,
    pids: children.map((child) => child.pid),
    stop: async () => void (await Promise.all(children.map((child) => child.stop()))),
  };
}
