import http from 'node:http';
import { INGEST_AUTHORIZATION } from './stack';

/** One POST /icims/events as the poster saw it. */
export interface Posted {
  status: number;
  /** ms from sending to the end of the answer. */
  latencyMs: number;
  sentAt: number;
}

export interface PostOptions {
  /** Requests in flight at most (keep-alive sockets). */
  concurrency: number;
  /** Paced (open loop): request i is sent at start + i / rate. Unset: as fast as `concurrency` allows. */
  ratePerSecond?: number;
  /** Called after every answer (progress, memory samples). */
  onAnswer?: (done: number) => void | Promise<void>;
}

/**
 * Posts events to ingest over keep-alive connections, as iCIMS would (plain JSON, Basic auth).
 * Any answer but 200 fails the run: a benchmark of lost events would measure nothing.
 */
export async function postEvents(ingestUrl: string, bodies: Buffer[], options: PostOptions): Promise<Posted[]> {
  const url = new URL('/icims/events', ingestUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const results: Posted[] = new Array(bodies.length);
  const started = Date.now();
  let next = 0;
  let done = 0;
  const one = (body: Buffer): Promise<Posted> =>
    new Promise((resolve, reject) => {
      const sentAt = Date.now();
      const request = http.request(
        url,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: INGEST_AUTHORIZATION } },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            if (response.statusCode !== 200) reject(new Error(`ingest answered ${response.statusCode}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`));
            else resolve({ status: response.statusCode, latencyMs: Date.now() - sentAt, sentAt });
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  const lane = async (): Promise<void> => {
    while (next < bodies.length) {
      const index = next++;
      if (options.ratePerSecond) {
        const due = started + (index * 1000) / options.ratePerSecond;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      results[index] = await one(bodies[index]);
      done++;
      await options.onAnswer?.(done);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, bodies.length) }, lane));
  } finally {
    agent.destroy();
  }
  return results;
}
