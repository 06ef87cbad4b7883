import type { IncomingMessage } from 'node:http';
import { gunzipSync, inflateRawSync, inflateSync } from 'node:zlib';

/**
 * Reading the event body ourselves instead of through body-parser: the hot route needs only
 * "bytes up to a limit, inflated if asked", and body-parser/type-is/iconv cost about a third of
 * Express's time per request (a CPU profile of Express 5 + express.json() taken while building
 * this service; docs/benchmarks.md has the end-to-end figures).
 */
export type ContentEncoding = 'identity' | 'gzip' | 'deflate';

/** The body's content coding, or undefined for one we do not support (→ 415, RFC 7694). */
export function contentEncodingOf(header: string | undefined): ContentEncoding | undefined {
  if (header === undefined) return 'identity';
  const value = header.trim().toLowerCase();
  if (value === '' || value === 'identity') return 'identity';
  if (value === 'gzip' || value === 'x-gzip') return 'gzip';
  if (value === 'deflate') return 'deflate';
  return undefined;
}

/** True for `application/json`, with or without parameters such as `; charset=utf-8`. */
export function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false;
  const semicolon = header.indexOf(';');
  return (semicolon < 0 ? header : header.slice(0, semicolon)).trim().toLowerCase() === 'application/json';
}

export type RawBody = { ok: true; bytes: Buffer } | { ok: false; reason: 'too-large' | 'aborted' };

/** Collects the request body, stopping at `limit` bytes (the rest is discarded, not buffered). */
export function readRawBody(req: IncomingMessage, limit: number): Promise<RawBody> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (result: RawBody): void => {
      if (settled) return;
      settled = true;
      req.removeListener('data', onData);
      req.removeListener('end', onEnd);
      req.removeListener('error', onAbort);
      req.removeListener('close', onClose);
      // Keep reading so Node can answer on this connection; the bytes are thrown away.
      if (!result.ok && result.reason === 'too-large') req.resume();
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > limit) finish({ ok: false, reason: 'too-large' });
      else chunks.push(chunk);
    };
    const onEnd = (): void => finish({ ok: true, bytes: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, received) });
    const onAbort = (): void => finish({ ok: false, reason: 'aborted' });
    const onClose = (): void => {
      if (!req.complete) onAbort();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onAbort);
    req.on('close', onClose);
  });
}

export type InflatedBody = { ok: true; bytes: Buffer } | { ok: false; reason: 'too-large' | 'corrupt' };

/**
 * Inflates a gzip or deflate body, refusing to produce more than `limit` bytes: a small gzip
 * bomb is stopped by zlib's maxOutputLength instead of filling memory. Synchronous on purpose:
 * the input is at most `limit` bytes and the output is capped, so the work is small and bounded,
 * and it skips the stream machinery (about 40 µs per request in perf-baseline.md).
 */
export function inflateBody(bytes: Buffer, encoding: ContentEncoding, limit: number): InflatedBody {
  if (encoding === 'identity') return { ok: true, bytes };
  const options = { maxOutputLength: limit };
  try {
    return { ok: true, bytes: encoding === 'gzip' ? gunzipSync(bytes, options) : inflateSync(bytes, options) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { ok: false, reason: 'too-large' };
    if (encoding === 'deflate') {
      // Some clients send raw DEFLATE for "deflate" instead of the zlib format RFC 9110 names.
      try {
        return { ok: true, bytes: inflateRawSync(bytes, options) };
      } catch (rawError) {
        if ((rawError as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return { ok: false, reason: 'too-large' };
      }
    }
    return { ok: false, reason: 'corrupt' };
  }
}
