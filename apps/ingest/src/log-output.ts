import { Writable } from 'node:stream';
import winston from 'winston';
import type { Logger } from '@status-bridge/core';

/** How long a log line may wait to be written with others, and how much may wait. */
export const LOG_FLUSH_INTERVAL_MS = 25;
export const LOG_FLUSH_BYTES = 64 * 1024;

/**
 * Log lines leave the process in batches: one write per 25 ms (or per 64 KiB) instead of one per
 * line. Writes to stdout are synchronous when it is a file or a pipe (Node docs, "A note on
 * process I/O"); a CPU profile of the ingest under load showed the per-line write taking about
 * 15% of its busy time, and a 250-byte write costs about as much as a 5 KB one here
 * (docs/benchmarks.md). Lines and their order are unchanged; at exit the pending lines are
 * flushed, so a clean shutdown loses none (a kill -9 may lose the last 25 ms of lines).
 */
export class BatchedStdout extends Writable {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {
    super();
    process.on('exit', () => this.flush());
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= LOG_FLUSH_BYTES) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), LOG_FLUSH_INTERVAL_MS).unref();
    callback();
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    // process.stdout handles a full pipe itself, and is synchronous for files and pipes on Linux,
    // so the flush at exit is written before the process ends.
    this.out.write(batch);
  }
}

/** Sends a core logger's lines (same format and redaction) through one batched stdout stream. */
export function useBatchedStdout(logger: Logger, out?: NodeJS.WritableStream): Logger {
  logger.clear();
  logger.add(new winston.transports.Stream({ stream: new BatchedStdout(out) }));
  return logger;
}
