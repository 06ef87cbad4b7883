import { connect } from 'node:net';

/**
 * A client that sends its request slowly (a "slowloris"), over a raw socket so that nothing in
 * between buffers or completes it: the headers, or the body, trickle in `chunkBytes` every
 * `intervalMs`. Resolves when the server answers and/or closes the connection, or at `giveUpMs`
 * (then `gaveUp` is true: the server held the connection at least that long).
 */
export interface TrickleOptions {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Which part trickles; the other is sent at once. */
  slow: 'headers' | 'body';
  chunkBytes?: number;
  intervalMs?: number;
  giveUpMs: number;
}

export interface TrickleOutcome {
  /** HTTP status of the answer, if one came. */
  status?: number;
  /** The server closed the connection (after answering or not). */
  closed: boolean;
  gaveUp: boolean;
  /** From the first byte sent to the close (or the answer, if the server kept the connection). */
  ms: number;
  bytesSent: number;
  /** The connection could not be made at all. */
  refused?: boolean;
}

export function trickleRequest(baseUrl: string, options: TrickleOptions): Promise<TrickleOutcome> {
  const { hostname, port } = new URL(baseUrl);
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(options.body);
  const headerLines = Object.entries({ host: `${hostname}:${port}`, 'content-length': String(body.length), ...options.headers }).map(([name, value]) => `${name}: ${value}\r\n`);
  const head = Buffer.from(`${options.method ?? 'POST'} ${options.path} HTTP/1.1\r\n${headerLines.join('')}\r\n`);
  const [fast, slow] = options.slow === 'headers' ? [Buffer.alloc(0), Buffer.concat([head, body])] : [head, body];
  const chunkBytes = options.chunkBytes ?? 1;
  const intervalMs = options.intervalMs ?? 100;

  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    const started = performance.now();
    let bytesSent = 0;
    let received = '';
    let status: number | undefined;
    let settled = false;
    let ticker: NodeJS.Timeout | undefined;
    let connected = false;
    const finish = (outcome: { closed: boolean; gaveUp: boolean; refused?: boolean }): void => {
      if (settled) return;
      settled = true;
      clearInterval(ticker);
      clearTimeout(giveUp);
      socket.destroy();
      resolve({ status, bytesSent, ms: performance.now() - started, ...outcome });
    };
    const giveUp = setTimeout(() => finish({ closed: false, gaveUp: true }), options.giveUpMs);
    socket.on('connect', () => {
      connected = true;
      if (fast.length > 0) socket.write(fast);
      bytesSent += fast.length;
      let offset = 0;
      ticker = setInterval(() => {
        if (offset >= slow.length || socket.destroyed || !socket.writable) return clearInterval(ticker);
        const chunk = slow.subarray(offset, offset + chunkBytes);
        offset += chunk.length;
        bytesSent += chunk.length;
        socket.write(chunk);
      }, intervalMs);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const match = /^HTTP\/1\.[01] (\d{3})/.exec(received);
      if (match) status = Number(match[1]);
    });
    // A reset (EPIPE/ECONNRESET while writing into a closed connection) is a close too.
    socket.on('error', () => finish(connected ? { closed: true, gaveUp: false } : { closed: false, gaveUp: false, refused: true }));
    socket.on('close', () => finish({ closed: true, gaveUp: false }));
  });
}
