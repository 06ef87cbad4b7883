import { connect } from 'node:net';

/**
 * HTTP/1.1 over a raw socket, for tests that need bytes no HTTP client would send (invalid
 * headers, both Content-Length and Transfer-Encoding, a lying Content-Length) or timing no client
 * allows (a "slowloris" that trickles its headers or body). Nothing in between normalises or
 * buffers the request.
 */
export interface RawRequestParts {
  method?: string;
  path: string;
  /** Sent in this order, exactly; `host` is added first unless given. No Content-Length is added. */
  headers?: Array<[string, string]> | Record<string, string>;
  body?: Buffer | string;
}

export function buildHttpRequest(baseUrl: string, parts: RawRequestParts): Buffer {
  const { host } = new URL(baseUrl);
  const headers = Array.isArray(parts.headers) ? parts.headers : Object.entries(parts.headers ?? {});
  const all = headers.some(([name]) => name.toLowerCase() === 'host') ? headers : [['host', host] as [string, string], ...headers];
  const head = `${parts.method ?? 'POST'} ${parts.path} HTTP/1.1\r\n${all.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), parts.body === undefined ? Buffer.alloc(0) : Buffer.from(parts.body)]);
}

export interface RawExchangeOptions {
  /** Send bytes from this offset slowly: `chunkBytes` every `intervalMs` (before it, all at once). */
  trickle?: { from: number; chunkBytes?: number; intervalMs?: number };
  /** Stop waiting (and close) after this long. */
  giveUpMs: number;
}

export interface RawHttpOutcome {
  /** HTTP status of the answer, if one came. */
  status?: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The body as JSON, when it is JSON. */
  json?: any;
  /** The server closed (or reset) the connection. */
  closed: boolean;
  /** Nothing ended the exchange before `giveUpMs`: the server held the connection that long. */
  gaveUp: boolean;
  /** The connection could not be made at all. */
  refused?: boolean;
  /** The socket error that ended the exchange, if any (e.g. ECONNRESET). */
  error?: string;
  /** From connect to the end of the exchange. */
  ms: number;
  bytesSent: number;
}

function parseResponse(bytes: Buffer): Pick<RawHttpOutcome, 'status' | 'headers' | 'body' | 'json'> {
  const end = bytes.indexOf('\r\n\r\n');
  const head = (end < 0 ? bytes : bytes.subarray(0, end)).toString('latin1');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1];
  const headers: Record<string, string> = {};
  for (const line of head.split('\r\n').slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = end < 0 ? Buffer.alloc(0) : bytes.subarray(end + 4);
  const length = Number(headers['content-length']);
  if (Number.isInteger(length) && length < body.length) body = body.subarray(0, length);
  let json: unknown;
  try {
    json = body.length > 0 ? JSON.parse(body.toString('utf8')) : undefined;
  } catch {
    json = undefined;
  }
  return { status: status === undefined ? undefined : Number(status), headers, body, json };
}

/**
 * Sends `request` and collects the answer until the server closes the connection (send
 * `connection: close` to have it close after answering), or until `giveUpMs`.
 */
export function rawHttpExchange(baseUrl: string, request: Buffer, options: RawExchangeOptions): Promise<RawHttpOutcome> {
  const { hostname, port } = new URL(baseUrl);
  const from = options.trickle ? Math.min(options.trickle.from, request.length) : request.length;
  const chunkBytes = options.trickle?.chunkBytes ?? 1;
  const intervalMs = options.trickle?.intervalMs ?? 100;

  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname.replace(/^\[|\]$/g, ''));
    const started = performance.now();
    const received: Buffer[] = [];
    let bytesSent = 0;
    let connected = false;
    let settled = false;
    let ticker: NodeJS.Timeout | undefined;
    const finish = (outcome: { closed: boolean; gaveUp: boolean; refused?: boolean; error?: string }): void => {
      if (settled) return;
      settled = true;
      clearInterval(ticker);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ ...parseResponse(Buffer.concat(received)), bytesSent, ms: performance.now() - started, ...outcome });
    };
    const giveUp = setTimeout(() => finish({ closed: false, gaveUp: true }), options.giveUpMs);
    socket.on('connect', () => {
      connected = true;
      socket.write(request.subarray(0, from));
      bytesSent += from;
      let offset = from;
      if (offset >= request.length) return;
      ticker = setInterval(() => {
        if (offset >= request.length || socket.destroyed || !socket.writable) return clearInterval(ticker);
        const chunk = request.subarray(offset, offset + chunkBytes);
        offset += chunk.length;
        bytesSent += chunk.length;
        socket.write(chunk);
      }, intervalMs);
    });
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    // A reset (EPIPE/ECONNRESET while writing into a closed connection) ends the exchange too.
    socket.on('error', (error: NodeJS.ErrnoException) =>
      finish(connected ? { closed: true, gaveUp: false, error: error.code ?? error.message } : { closed: false, gaveUp: false, refused: true, error: error.code ?? error.message }),
    );
    socket.on('close', () => finish({ closed: true, gaveUp: false }));
  });
}

/** A client that sends its request slowly (a "slowloris"): the headers, or the body, trickle in. */
export interface TrickleOptions {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Which part trickles; the part before it is sent at once. */
  slow: 'headers' | 'body';
  chunkBytes?: number;
  intervalMs?: number;
  giveUpMs: number;
}

export function trickleRequest(baseUrl: string, options: TrickleOptions): Promise<RawHttpOutcome> {
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(options.body);
  const request = buildHttpRequest(baseUrl, { method: options.method, path: options.path, headers: { 'content-length': String(body.length), ...options.headers }, body });
  return rawHttpExchange(baseUrl, request, {
    trickle: { from: options.slow === 'headers' ? 0 : request.length - body.length, chunkBytes: options.chunkBytes, intervalMs: options.intervalMs },
    giveUpMs: options.giveUpMs,
  });
}
