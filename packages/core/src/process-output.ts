import { format, types } from 'node:util';
import type { Logger } from './logger';

/**
 * The safety net that keeps a service's output one JSON object per line (docs/operations.md),
 * whatever a library does: `console.*` calls (ioredis's "Unhandled error event", BullMQ's
 * warnings), Node's process warnings, uncaught exceptions and unhandled rejections all become
 * log lines of the service's logger. Sources we own log properly at their origin; this catches
 * the rest. A stack trace goes into one field (`stack`), never across lines.
 *
 * Not caught: direct writes to process.stdout/stderr by a library, and Node's own fatal errors
 * (out of memory, a native crash), which end the process before any JavaScript runs.
 */
export type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';

const LEVEL_OF: Record<ConsoleMethod, 'info' | 'warn' | 'error' | 'debug'> = {
  log: 'info',
  info: 'info',
  warn: 'warn',
  error: 'error',
  debug: 'debug',
  trace: 'debug',
};

export interface LogEntry {
  message: string;
  meta: Record<string, unknown>;
}

/** The fields of an error worth a log line: message, code, one-field stack. */
/** An Error, also one from another realm (vm contexts, jest sandboxes). */
export function isError(value: unknown): value is Error {
  return value instanceof Error || types.isNativeError(value);
}

export function errorFields(error: unknown): Record<string, unknown> {
  if (!isError(error)) return { error: format('%s', error) };
  const code = (error as { code?: unknown }).code;
  return { error: error.message, ...(code !== undefined ? { code } : {}), ...(error.stack ? { stack: error.stack } : {}) };
}

/**
 * Pure: one log entry from a console call's arguments. Errors give `error`/`code`/`stack`; text
 * gives the message; text over several lines (a stack printed as a string) keeps its first line
 * as the message and the rest in `detail`.
 */
export function consoleEntry(args: readonly unknown[]): LogEntry {
  const firstError = args.find(isError);
  const others = args.filter((arg) => !isError(arg));
  const text = others.length > 0 ? format(...others) : firstError ? firstError.message : '';
  const newline = text.indexOf('\n');
  const message = newline === -1 ? text : text.slice(0, newline);
  const meta: Record<string, unknown> = { source: 'console' };
  if (newline !== -1) meta.detail = text.slice(newline + 1);
  if (firstError) Object.assign(meta, errorFields(firstError));
  return { message, meta };
}

let target: Logger | undefined;
let installed = false;
let writing = false;

/** Logs through the current target, never recursively (a failing transport must not loop). */
function emit(level: 'info' | 'warn' | 'error' | 'debug', message: string, meta: Record<string, unknown>): void {
  if (writing || !target) return;
  writing = true;
  try {
    target.log(level, message, meta);
  } catch {
    /* nothing sensible left to report to */
  } finally {
    writing = false;
  }
}

/**
 * Routes console output, process warnings, uncaught exceptions (logged, then exit 1) and unhandled
 * rejections (logged; the process goes on) to `logger`. Called again with another logger (the
 * service's own, once its configuration is read), it switches the target; hooks install once.
 */
export function routeProcessOutput(logger: Logger, options: { exit?: (code: number) => void } = {}): void {
  target = logger;
  if (installed) return;
  installed = true;
  const exit = options.exit ?? ((code: number) => process.exit(code));

  for (const method of Object.keys(LEVEL_OF) as ConsoleMethod[]) {
    console[method] = (...args: unknown[]): void => {
      const { message, meta } = consoleEntry(args);
      if (method === 'trace') meta.stack ??= new Error(message).stack;
      emit(LEVEL_OF[method], message, meta);
    };
  }

  // Node prints warnings from its own 'warning' listener; ours replaces it.
  process.removeAllListeners('warning');
  process.on('warning', (warning: Error & { code?: string; detail?: string }) => {
    emit('warn', warning.message, {
      source: 'process-warning',
      warning: warning.name,
      ...(warning.code ? { code: warning.code } : {}),
      ...(warning.detail ? { detail: warning.detail } : {}),
    });
  });

  process.on('uncaughtException', (error) => {
    emit('error', 'uncaught exception; exiting', { source: 'uncaughtException', ...errorFields(error) });
    exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    emit('error', 'unhandled promise rejection', { source: 'unhandledRejection', ...errorFields(reason) });
  });
}
