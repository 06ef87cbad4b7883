import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, sleep, waitFor } from '@status-bridge/testing';

/**
 * One of the processes a benchmark drives (ours, a baseline, the sandboxes): started as operators
 * start it (`node --import tsx <entry>`, configuration from env only), its output appended to a
 * log file as a collector would read it (pipes into this process would cost us CPU and memory
 * over a long soak), ready once it logs `{"message":"ready"}`.
 */
export interface Child {
  name: string;
  process: ChildProcess;
  pid: number;
  /** The parsed "ready" line. */
  ready: Record<string, unknown>;
  logFile: string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

const alive = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of alive) child.kill('SIGKILL');
});

/** Kills `child` when the bench exits, however it exits (a crash must not leave servers behind). */
export function killOnExit(child: ChildProcess): void {
  alive.add(child);
  child.once('exit', () => alive.delete(child));
}

export interface ChildOptions {
  env: Record<string, string>;
  /** Directory of the log file (`<name>.log`). */
  logDir: string;
  /** Extra node flags before the entry (e.g. --cpu-prof). */
  nodeArgs?: string[];
  args?: string[];
  timeoutMs?: number;
}

export async function startChild(name: string, entry: string, options: ChildOptions): Promise<Child> {
  const logFile = join(options.logDir, `${name}.log`);
  const out = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', join(REPO_ROOT, entry), ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'info', ...options.env },
    stdio: ['ignore', out, out],
  });
  closeSync(out);
  killOnExit(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let offset = 0;
  const ready = await waitFor(
    () => {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}); see ${logFile}`);
      const text = readFileSync(logFile, 'utf8');
      for (const line of text.slice(offset).split('\n')) {
        if (!line.includes('"message":"ready"')) continue;
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          /* a partial line: read again */
        }
      }
      offset = Math.max(0, text.lastIndexOf('\n'));
      return undefined;
    },
    { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 100, what: `${name} ready (log: ${logFile})` },
  ).catch((error: Error) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    name,
    process: child,
    pid: child.pid!,
    ready,
    logFile,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(graceMs).then(() => child.kill('SIGKILL'))]);
      await exited;
    },
  };
}
