import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

/**
 * One HTTP request on Node's own client, for the partner calls every event makes. Measured with
 * bench/tools/http-client-cost.ts on this machine: an axios instance (created once, keep-alive
 * agents) cost about 325 µs of CPU per request against 83 µs for node:http on the same agent;
 * axios merges and normalises its whole config, builds its interceptor chain and wraps the
 * request in its own adapter on every call. Five partner calls per event made that the largest
 * cost of the worker after Redis (docs/benchmarks.md, pipeline profile).
 *
 * What the callers relied on from axios, kept here: no redirect is ever followed (a redirect
 * could carry credentials to another host; node:http does not follow them); every status is an
 * answer, not an error (the partner classifiers decide); failures carry axios's codes, so the
 * classifiers read them as before: `ECONNABORTED` when `timeoutMs` passed (here it bounds the
 * whole request, not only socket idleness), `ERR_CANCELED` when the caller's signal aborted,
 * otherwise Node's own code (ECONNREFUSED, ECONNRESET, …). The error never carries the request
 * headers (they hold credentials). Answers are read as text, at most `maxBodyBytes`.
 */
export interface HttpRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
  signal?: AbortSignal;
  agents: { http: http.Agent; https: https.Agent };
  /** Longest answer accepted (default 10 MiB): a partner cannot fill our memory. */
  maxBodyBytes?: number;
}

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

export class HttpRequestError extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
    this.name = 'HttpRequestError';
  }
}

export function httpRequest(request: HttpRequest): Promise<HttpAnswer> {
  return new Promise<HttpAnswer>((resolve, reject) => {
    const url = new URL(request.url);
    const secure = url.protocol === 'https:';
    const headers: Record<string, string | number> = { ...request.headers };
    if (request.body !== undefined) headers['Content-Length'] = Buffer.byteLength(request.body);
    let settled = false;
    const finish = (error: HttpRequestError | undefined, answer?: HttpAnswer): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(answer!);
    };
    const req = (secure ? https : http).request(url, { method: request.method, headers, agent: secure ? request.agents.https : request.agents.http }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const limit = request.maxBodyBytes ?? 10 * 2 ** 20;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          req.destroy();
          finish(new HttpRequestError(`answer larger than ${limit} bytes`, 'ERR_BAD_RESPONSE'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (error: NodeJS.ErrnoException) => finish(new HttpRequestError(error.message, error.code ?? 'ERR_NETWORK')));
      res.on('aborted', () => finish(new HttpRequestError('the answer was cut off', 'ECONNRESET')));
    });
    const fail = (message: string, code: string): void => {
      finish(new HttpRequestError(message, code));
      req.destroy();
    };
    const timer = setTimeout(() => fail(`timeout of ${request.timeoutMs}ms exceeded`, 'ECONNABORTED'), request.timeoutMs);
    const onAbort = (): void => fail('canceled', 'ERR_CANCELED');
    if (request.signal?.aborted) {
      onAbort();
      return;
    }
    request.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (error: NodeJS.ErrnoException) => finish(new HttpRequestError(error.message, error.code ?? 'ERR_NETWORK')));
    req.end(request.body);
  });
}

/** The body as JSON when it is JSON, else the text (what axios's default response parsing gave). */
export function jsonOrText(body: string): unknown {
  if (body === '') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}
