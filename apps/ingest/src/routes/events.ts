import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '@status-bridge/core';
import { validateStatusEvent } from '@status-bridge/icims';
import type { InboundAuth } from '../auth/inbound';
import { contentEncodingOf, inflateBody, isJsonContentType, readRawBody } from '../body';
import { EnqueueError, type Enqueuer } from '../enqueue';
import type { EventLinkGate } from '../link-check';
import type { IngestMetrics } from '../metrics';
import { acceptedReplies, REPLIES, reply, send, type Reply } from '../responses';
import { requestIdOf } from '../request-id';

export const EVENTS_PATH = '/icims/events';
const ROUTE = 'icims_events';
const DIGITS = /^[0-9]{1,20}$/;

export interface EventsRouteDeps {
  inboundAuth: InboundAuth;
  enqueuer: Enqueuer;
  /** The worker's link allow-list, run here so a refused link is a 400 instead of a failed job. */
  linkGate: EventLinkGate;
  metrics: IngestMetrics;
  logger: Logger;
  bodyLimitBytes: number;
  /** The 200 answer's userMessage, shown to the recruiter. */
  acceptedMessage: string;
}

/**
 * POST /icims/events: authenticate, read, validate, check links, enqueue, acknowledge.
 *
 * A plain node:http handler (no Express request/response helpers), so it runs the same whether
 * Express routes to it or the server dispatches to it directly (see server.ts).
 *
 * Order matters: a missing or malformed Authorization header is refused before the body is
 * read; which customer the credential must belong to is in the body, so that check follows
 * parsing; the full schema check comes after authentication, so only a known caller learns
 * what is wrong with an event.
 */
export function createEventsHandler(deps: EventsRouteDeps): (req: IncomingMessage, res: ServerResponse) => void {
  const { inboundAuth, enqueuer, linkGate, metrics, logger, bodyLimitBytes } = deps;
  const ok = acceptedReplies(deps.acceptedMessage);
  const endTimer = (): (() => number) => metrics.duration.startTimer({ route: ROUTE });

  const answer = (res: ServerResponse, result: Reply, requestId: string, stopTimer: () => number, context: Record<string, unknown> = {}): void => {
    send(res, result, requestId);
    stopTimer();
    metrics.requests.inc({ route: ROUTE, outcome: result.outcome });
    if (result.status >= 500) logger.error('event not accepted', { requestId, status: result.status, reason: result.outcome, ...context });
    else if (result.status >= 400) logger.warn('event rejected', { requestId, status: result.status, reason: result.outcome, ...context });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const stopTimer = endTimer();
    const receivedAtMs = Date.now();
    const requestId = requestIdOf(req);

    const presented = inboundAuth.present(req.headers.authorization);
    if (!presented) return answer(res, REPLIES.unauthorized, requestId, stopTimer, { detail: 'no usable Authorization header' });
    if (!isJsonContentType(req.headers['content-type'])) return answer(res, REPLIES.unsupportedMediaType, requestId, stopTimer, { detail: 'content-type' });
    const encoding = contentEncodingOf(req.headers['content-encoding']);
    if (!encoding) return answer(res, REPLIES.unsupportedMediaType, requestId, stopTimer, { detail: 'content-encoding' });
    const declaredLength = Number(req.headers['content-length'] ?? 0);
    if (declaredLength > bodyLimitBytes) return answer(res, REPLIES.tooLarge, requestId, stopTimer, { detail: 'content-length' });

    const raw = await readRawBody(req, bodyLimitBytes);
    if (!raw.ok) {
      if (raw.reason === 'too-large') return answer(res, REPLIES.tooLarge, requestId, stopTimer, { detail: 'received' });
      stopTimer();
      metrics.requests.inc({ route: ROUTE, outcome: 'aborted' });
      return;
    }
    const inflated = inflateBody(raw.bytes, encoding, bodyLimitBytes);
    if (!inflated.ok) {
      return answer(res, inflated.reason === 'too-large' ? REPLIES.tooLarge : REPLIES.corruptEncoding, requestId, stopTimer, { detail: `inflate ${encoding}` });
    }
    let body: unknown;
    try {
      body = JSON.parse(inflated.bytes.toString('utf8'));
    } catch {
      return answer(res, REPLIES.badJson, requestId, stopTimer);
    }

    const customerId = (body as { customerId?: unknown } | null)?.customerId;
    if (typeof customerId !== 'string' || !DIGITS.test(customerId)) {
      // Without a usable customerId there is no tenant to authenticate against: report the field.
      const validation = validateStatusEvent(body);
      const problem = validation.ok ? undefined : validation.problem;
      return answer(res, reply(400, 'bad_request', problem?.userMessage ?? 'invalid customerId', problem?.debugErrorMessage ?? 'customerId'), requestId, stopTimer, {
        field: problem?.field ?? 'customerId',
      });
    }
    const decision = inboundAuth.decide(presented, customerId, { headers: req.headers, rawBody: raw.bytes });
    if (decision === 'unknown-tenant') return answer(res, REPLIES.unknownTenant, requestId, stopTimer, { customerId });
    if (decision !== 'admitted') return answer(res, REPLIES.unauthorized, requestId, stopTimer, { customerId, detail: 'credentials do not admit this customerId' });

    const validation = validateStatusEvent(body);
    if (!validation.ok) {
      const { problem } = validation;
      const outcome = problem.kind === 'unsupported' ? 'unsupported_event' : 'bad_request';
      return answer(res, reply(400, outcome, problem.userMessage, problem.debugErrorMessage), requestId, stopTimer, { customerId, field: problem.field });
    }
    const { event } = validation;
    const refusal = linkGate.check(event);
    if (refusal) return answer(res, refusal.reply, requestId, stopTimer, { customerId, systemId: event.systemId, field: refusal.field, code: refusal.code });
    try {
      const result = await enqueuer.enqueue({ event, tenantId: customerId, receivedAt: new Date(receivedAtMs).toISOString(), requestId }, receivedAtMs);
      answer(res, result.outcome === 'added' ? ok.accepted : ok.deduplicated, requestId, stopTimer);
      logger.info(result.outcome === 'added' ? 'event accepted' : 'event deduplicated', {
        requestId,
        customerId,
        systemId: event.systemId,
        jobId: result.jobId,
        // A re-send of an event whose job failed for good becomes a new job (see enqueue.ts).
        ...(result.replacedJobId ? { replacedFailedJobId: result.replacedJobId } : {}),
      });
    } catch (error) {
      const reason = error instanceof EnqueueError ? error.reason : 'redis_error';
      metrics.enqueueFailures.inc({ reason });
      answer(res, REPLIES.unavailable, requestId, stopTimer, { customerId, systemId: event.systemId, reason, error: (error as Error).message });
    }
  };

  return (req, res) => {
    handle(req, res).catch((error: Error) => {
      logger.error('event handler failed', { error: error.message });
      if (!res.headersSent) send(res, REPLIES.internal);
      else res.destroy();
    });
  };
}
