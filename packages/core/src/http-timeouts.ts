import http from 'node:http';
import { ConfigError } from './env';

/**
 * How long an HTTP server waits for a client to send its request. Node's defaults (5 min for the
 * request, 1 min for the headers, checked every 30 s) let a client that trickles its body hold a
 * connection and a request slot for minutes; a fault run measured 327 s before the 408. Both our
 * HTTP processes (ingest, dashboard) set all three from env variables named `<PREFIX>_…`.
 *
 * Node checks the two timeouts only every `connectionsCheckingInterval`, so a slow client is cut
 * off between `timeout` and `timeout + interval` after its request began (answered 408 when nothing
 * was written yet, then the connection is closed). Only receiving the request is bounded: once the
 * body is complete, the time we take to answer is not (ingest bounds that with ENQUEUE_TIMEOUT_MS).
 */
export interface HttpServerTimeouts {
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  connectionsCheckingIntervalMs: number;
}

export function httpTimeoutEnvNames(prefix: string): { request: string; headers: string; interval: string } {
  return { request: `${prefix}_REQUEST_TIMEOUT_MS`, headers: `${prefix}_HEADERS_TIMEOUT_MS`, interval: `${prefix}_CONNECTIONS_CHECKING_INTERVAL_MS` };
}

/** The three env properties for one server, e.g. INGEST_REQUEST_TIMEOUT_MS, with this server's defaults. */
export function httpTimeoutEnvProperties(prefix: string, defaults: HttpServerTimeouts): Record<string, unknown> {
  const names = httpTimeoutEnvNames(prefix);
  return {
    [names.request]: {
      type: 'integer',
      minimum: 1000,
      maximum: 600_000,
      default: defaults.requestTimeoutMs,
      description: `longest time a client may take to send one whole request, headers and body (default ${defaults.requestTimeoutMs}); a slower client is answered 408 and its connection closed`,
    },
    [names.headers]: {
      type: 'integer',
      minimum: 1000,
      maximum: 600_000,
      default: defaults.headersTimeoutMs,
      description: `longest time a client may take to send the request headers (default ${defaults.headersTimeoutMs}); at most ${names.request}`,
    },
    [names.interval]: {
      type: 'integer',
      minimum: 100,
      maximum: 30_000,
      default: defaults.connectionsCheckingIntervalMs,
      description: `how often the two timeouts above are checked (default ${defaults.connectionsCheckingIntervalMs}); a slow client is cut off within its timeout plus this interval`,
    },
  };
}

/** Reads the three values of a loaded env and checks that the headers fit in the request timeout. */
export function httpTimeoutsFromEnv(env: object, prefix: string): HttpServerTimeouts {
  const names = httpTimeoutEnvNames(prefix);
  const values = env as Record<string, unknown>;
  const timeouts = {
    requestTimeoutMs: Number(values[names.request]),
    headersTimeoutMs: Number(values[names.headers]),
    connectionsCheckingIntervalMs: Number(values[names.interval]),
  };
  // Node refuses headersTimeout > requestTimeout (ERR_OUT_OF_RANGE at server creation): say it at start, by name.
  if (timeouts.headersTimeoutMs > timeouts.requestTimeoutMs) {
    throw new ConfigError(`Invalid configuration:\n  - ${names.headers} (${timeouts.headersTimeoutMs}) must not be greater than ${names.request} (${timeouts.requestTimeoutMs})`);
  }
  return timeouts;
}

/** An http.Server with these timeouts (connectionsCheckingInterval can only be set at creation). */
export function createHttpServer(listener: http.RequestListener, timeouts: HttpServerTimeouts): http.Server {
  return http.createServer(
    { requestTimeout: timeouts.requestTimeoutMs, headersTimeout: timeouts.headersTimeoutMs, connectionsCheckingInterval: timeouts.connectionsCheckingIntervalMs },
    listener,
  );
}
