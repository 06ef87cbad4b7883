import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@status-bridge/testing';

/** A V8 CPU profile as `node --cpu-prof` writes it (times in µs of the monotonic clock). */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  /** Sampled time not idle, ms. */
  busyMs: number;
  /**
   * Time by owner, ms, largest first: self time of a package's or our module's own functions plus
   * the Node core and native code they called (a socket write made by axios counts for axios).
   * GC and code no package or module of ours called (timers, the event loop) keep their own names.
   */
  owners: Array<{ group: string; ms: number }>;
  /** Self time only, by where the code lives. */
  self: Array<{ group: string; ms: number }>;
  /** Heaviest functions by self time. */
  functions: Array<{ name: string; ms: number }>;
}

/**
 * Where a frame's code lives: an npm package (node_modules/<name>), our workspace module
 * (apps/worker, packages/icims …), Node's own JavaScript (node:…), or V8's pseudo-frames and
 * native code (no URL).
 */
export function groupOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(program)') return '(program)';
    return 'native';
  }
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + '/node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  if (url.startsWith('node:')) return 'node core';
  const path = url.replace(/^file:\/\//, '');
  if (path.startsWith(REPO_ROOT)) {
    const [top, name] = path.slice(REPO_ROOT.length + 1).split('/');
    return top === 'bench' ? BENCH_PRELOAD : `ours: ${top}/${name}`;
  }
  return 'other';
}

/** The bench's round-trip counter wraps ioredis's socket writes: transparent, their time is ioredis's. */
const BENCH_PRELOAD = 'bench preload';
const OWNERLESS = new Set(['node core', 'native', '(program)', 'other', BENCH_PRELOAD]);

/** Summarises the samples taken between `window.from` and `window.to` (µs, monotonic), or all. */
export function summarizeProfile(profile: CpuProfile, window?: { from: number; to: number }): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const ownerOf = (id: number): string => {
    const own = groupOf(nodes.get(id)!.callFrame.url, nodes.get(id)!.callFrame.functionName);
    if (!OWNERLESS.has(own)) return own;
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const group = groupOf(nodes.get(at)!.callFrame.url, nodes.get(at)!.callFrame.functionName);
      if (!OWNERLESS.has(group)) return group;
    }
    return own;
  };
  const owners = new Map<string, number>();
  const self = new Map<string, number>();
  const functions = new Map<string, number>();
  let busyMs = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.from || at > window.to)) return;
    // A sample stands for the time until the next one (the last one: none).
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const frame = nodes.get(id)!.callFrame;
    const group = groupOf(frame.url, frame.functionName);
    if (group === 'idle' || ms === 0) return;
    busyMs += ms;
    self.set(group, (self.get(group) ?? 0) + ms);
    const owner = ownerOf(id);
    owners.set(owner, (owners.get(owner) ?? 0) + ms);
    const where = frame.url ? ` ${frame.url.replace(/^.*\/node_modules\//, '').replace(`file://${REPO_ROOT}/`, '')}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where}`;
    functions.set(name, (functions.get(name) ?? 0) + ms);
  });
  const sorted = (map: Map<string, number>) => [...map].map(([group, ms]) => ({ group, ms })).sort((a, b) => b.ms - a.ms);
  return {
    busyMs,
    owners: sorted(owners),
    self: sorted(self),
    functions: [...functions].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms).slice(0, 15),
  };
}

/** Summarises the (single) profile written into `dir`. */
export function summarizeProfileDir(dir: string, window?: { from: number; to: number }): ProfileSummary {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  return summarizeProfile(JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile, window);
}
