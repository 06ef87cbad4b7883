import { spawn, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

export interface ServiceHandle {
  process: ChildProcess;
  /** The JSON object of the process's "ready" log line (carries `url` for HTTP services). */
  ready: Record<string, unknown>;
  /** Base URL from the ready line, if the process serves HTTP. */
  url: string;
  /** Every stdout/stderr line so far (for assertions such as "no PII in logs"). */
  lines: string[];
  /** Parsed JSON log lines so far. */
  logs(): Array<Record<string, unknown>>;
  /** Sends a signal and waits for exit; resolves with the exit code (or null when killed). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
  exited: Promise<number | null>;
}

/**
 * Starts one of our processes the way operators do (env-only configuration), directly under
 * node with tsx's loader so signals reach the service itself, and waits for its
 * `{"message":"ready"}` log line.
 */
export async function spawnService(
  entry: string,
  env: Record<string, string | undefined>,
  options: { timeoutMs?: number; args?: string[] } = {},
): Promise<ServiceHandle> {
  const { timeoutMs = 20_000 } = options;
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, entry), ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const ready = await new Promise<Record<string, unknown>>((resolveReady, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${entry} did not log "ready" within ${timeoutMs} ms. Output:\n${lines.join('\n')}`));
    }, timeoutMs);
    const onLine = (line: string): void => {
      lines.push(line);
      if (line.startsWith('{')) {
        try {
          const parsed = JSON.parse(line) as Record<string, unknown>;
          if (parsed.message === 'ready') {
            clearTimeout(timer);
            resolveReady(parsed);
          }
        } catch {
          /* not JSON: keep as text */
        }
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    createInterface({ input: child.stderr! }).on('line', onLine);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${entry} exited with ${code} before ready. Output:\n${lines.join('\n')}`));
    });
  });
  return {
    process: child,
    ready,
    url: typeof ready.url === 'string' ? ready.url : '',
    lines,
    logs: () =>
      lines.flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    exited,
    async stop(signal: NodeJS.Signals = 'SIGTERM', timeout = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
