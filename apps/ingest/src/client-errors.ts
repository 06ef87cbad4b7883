import type http from 'node:http';
import type { Duplex } from 'node:stream';
import type { IngestMetrics } from './metrics';
import { rawResponse, REPLIES, type Reply } from './responses';

/**
 * Requests the http server refuses before any route sees them: too slow (INGEST_REQUEST_TIMEOUT_MS,
 * INGEST_HEADERS_TIMEOUT_MS), headers too large, or not valid HTTP. Node's default answer is a bare
 * status line; iCIMS shows the recruiter our `userMessage`, so these get the iCIMS error standard too.
 */
function replyFor(code: string | undefined): Reply {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return REPLIES.requestTimeout;
  if (code === 'HPE_HEADER_OVERFLOW') return REPLIES.headersTooLarge;
  return REPLIES.malformedRequest;
}

export function answerClientErrors(server: http.Server, metrics: IngestMetrics): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // The peer is gone: nobody to answer.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const answer = replyFor(error.code);
    metrics.requests.inc({ route: 'http', outcome: answer.outcome });
    // As Node's default handler: answer only if no response on this connection has begun, so a
    // half-written answer is never followed by a second status line. (`_httpMessage` is the
    // ServerResponse Node attached to the socket, the same field its own handler checks.)
    const inFlight = (socket as Duplex & { _httpMessage?: http.ServerResponse })._httpMessage;
    if (inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    // Close once the answer is flushed; a peer that never reads it does not hold the socket.
    socket.end(rawResponse(answer), () => socket.destroy());
    setTimeout(() => socket.destroy(), 1_000).unref();
  });
}
