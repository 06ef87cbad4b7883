import express, { type Express, type Request, type Response } from 'express';
import { checkStatusBody } from './contract';
import type { FaultRequest, ReceivedStatus, StepStoneSandboxState } from './state';

/** The seed's path (its host `atsi-prod` is a placeholder) and the current docs' path. */
export const SEED_STATUS_PATH = '/api/application-status';
export const ATSI_V1_PATH = '/qs-api/public/atsi/v1/:atsId';

/**
 * A real HTTP stand-in for the ATSi Application Status service. Order of checks on a status
 * POST: latency and delay (held, then handled as below) → hang → 429 → 5xx (faults first, as a
 * gateway in front of the service would answer) → X-AtsiToken (401) → reject-all switch (400) → body
 * contract (400) → 200 (or, with an accept-then-hang fault, recorded as received and never answered).
 * StepStone documents no response bodies; the sandbox answers small JSON bodies of its own.
 */
export function createStepStoneSandboxApp(state: StepStoneSandboxState, hung: Set<Response> = new Set()): Express {
  const app = express();
  app.disable('x-powered-by');
  const rawBody = express.text({ type: () => true, limit: '100kb' });

  const receiveStatus = async (req: Request, res: Response): Promise<void> => {
    const { faults } = state;
    if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
    if (faults.delay.remaining > 0) {
      // Held, then handled as if it arrived now: StepStone shows the message it applied last. The
      // client may give up meanwhile; the message is applied anyway (an answer lost, not a request).
      faults.delay.remaining -= 1;
      state.inFlight += 1;
      await new Promise((resolve) => setTimeout(resolve, faults.delay.ms));
      state.inFlight -= 1;
    }
    const at = Date.now();
    const path = req.path;
    const answer = (status: number): void => {
      state.requests.push({ at, path, answer: status });
    };
    const refuse = (status: number, reason: string, body?: unknown): void => {
      answer(status);
      state.rejected.push({ at, path, httpStatus: status, reason, body });
      res.status(status).json({ error: reason });
    };

    const hang = (): void => {
      hung.add(res);
      res.on('close', () => hung.delete(res));
    };
    // Accept-then-hang is decided after the checks below; a plain hang answers nothing at all.
    const hangAfterAccept = faults.hang.remaining > 0 && faults.hang.afterAccept;
    if (faults.hang.remaining > 0 && !hangAfterAccept) {
      faults.hang.remaining -= 1;
      state.requests.push({ at, path, answer: 'hang' });
      hang();
      return;
    }
    if (faults.rateLimit.remaining > 0) {
      faults.rateLimit.remaining -= 1;
      if (faults.rateLimit.retryAfter !== null) res.setHeader('Retry-After', faults.rateLimit.retryAfter);
      refuse(429, 'Too Many Requests (sandbox fault)');
      return;
    }
    if (faults.serverError.remaining > 0) {
      faults.serverError.remaining -= 1;
      refuse(faults.serverError.status, 'Internal error (sandbox fault)');
      return;
    }
    const token = req.get('x-atsitoken');
    if (!token || !state.tokens.has(token)) {
      refuse(401, token ? 'X-AtsiToken is not valid' : 'X-AtsiToken header is missing');
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(typeof req.body === 'string' ? req.body : '');
    } catch {
      refuse(400, 'body is not valid JSON', typeof req.body === 'string' ? req.body.slice(0, 500) : undefined);
      return;
    }
    if (faults.rejectAll.enabled) {
      refuse(400, faults.rejectAll.message, body);
      return;
    }
    if (!(req.get('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      refuse(400, 'Content-Type must be application/json', body);
      return;
    }
    const problems = checkStatusBody(body, state.extraStatuses);
    if (problems.length > 0) {
      refuse(400, problems.join('; '), body);
      return;
    }
    const received: ReceivedStatus = { at, path, atsId: req.params.atsId as string | undefined, token, userAgent: req.get('user-agent'), body: body as Record<string, unknown> };
    state.received.push(received);
    if (hangAfterAccept && faults.hang.remaining > 0) {
      faults.hang.remaining -= 1;
      received.unanswered = true;
      state.requests.push({ at, path, answer: 'hang' });
      hang();
      return;
    }
    // The sender may have gone (its timeout, or it died) while this request was held: then it
    // cannot know the message arrived, and a retry will post it again.
    if (res.destroyed || req.socket.destroyed) received.unanswered = true;
    else res.on('close', () => void (res.writableFinished || (received.unanswered = true)));
    answer(200);
    res.status(200).json({ status: 'OK' });
  };

  const handler = (req: Request, res: Response, next: (error?: unknown) => void): void => void receiveStatus(req, res).catch(next);
  app.post(SEED_STATUS_PATH, rawBody, handler);
  app.post(ATSI_V1_PATH, rawBody, handler);

  // Controls for tests and for the dashboard's browser demo when the sandbox runs elsewhere.
  app.get('/_sandbox/received', (_req, res) => {
    res.json({ received: state.received, rejected: state.rejected, requests: state.requests, inFlight: state.inFlight });
  });
  app.delete('/_sandbox/received', (_req, res) => {
    state.clearRecords();
    res.status(204).end();
  });
  app.get('/_sandbox/faults', (_req, res) => {
    res.json(serializeFaults(state));
  });
  app.post('/_sandbox/faults', express.json(), (req, res) => {
    const request = (req.body ?? {}) as FaultRequest;
    const problems = checkFaultRequest(request);
    if (problems.length > 0) {
      res.status(400).json({ error: problems.join('; ') });
      return;
    }
    state.applyFaults(request);
    res.json(serializeFaults(state));
  });
  app.post('/_sandbox/reset', (_req, res) => {
    state.reset();
    res.json(serializeFaults(state));
  });
  return app;
}

// Infinity does not survive JSON; report it as "always".
function serializeFaults(state: StepStoneSandboxState): unknown {
  const { hang, delay, ...rest } = state.faults;
  const always = (remaining: number): number | 'always' => (Number.isFinite(remaining) ? remaining : 'always');
  return { ...rest, hang: { remaining: always(hang.remaining), afterAccept: hang.afterAccept }, delay: { remaining: always(delay.remaining), ms: delay.ms } };
}

function checkFaultRequest(request: FaultRequest): string[] {
  const problems: string[] = [];
  const count = (value: unknown, what: string): void => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) problems.push(`${what}.count must be an integer >= 0`);
  };
  if (typeof request !== 'object' || request === null) return ['body must be a JSON object'];
  if (request.rateLimit) count(request.rateLimit.count, 'rateLimit');
  if (request.serverError) {
    count(request.serverError.count, 'serverError');
    const status = request.serverError.status;
    if (status !== undefined && (typeof status !== 'number' || status < 400 || status > 599)) problems.push('serverError.status must be 400..599');
  }
  if (request.hang && request.hang.count !== undefined) count(request.hang.count, 'hang');
  if (request.hang?.afterAccept !== undefined && typeof request.hang.afterAccept !== 'boolean') problems.push('hang.afterAccept must be true or false');
  if (request.delay) {
    if (request.delay.count !== undefined) count(request.delay.count, 'delay');
    if (typeof request.delay.ms !== 'number' || !Number.isInteger(request.delay.ms) || request.delay.ms < 0 || request.delay.ms > 600_000) problems.push('delay.ms must be an integer 0..600000');
  }
  if (request.rejectAll && typeof request.rejectAll.enabled !== 'boolean') problems.push('rejectAll.enabled must be true or false');
  if (request.latencyMs !== undefined && (typeof request.latencyMs !== 'number' || !Number.isInteger(request.latencyMs) || request.latencyMs < 0 || request.latencyMs > 600_000)) problems.push('latencyMs must be an integer 0..600000');
  return problems;
}
