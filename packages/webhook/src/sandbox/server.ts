import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { checkFaultRequest, type FaultRequest, type ReceivedWebhook, type Verification, type WebhookReceiverState } from './state';
import { verifyByHand } from './verify-by-hand';

/**
 * A webhook receiver that behaves the way docs/webhook.md asks integrators to build theirs.
 * Order on a POST to any path outside /_sandbox: hang → 429 → 5xx → 410 → redirect (faults first,
 * as a gateway in front of a receiver would answer) → signature (401 when no configured secret
 * verifies, by the library AND by hand) → de-duplication on webhook-id (a repeat is answered 200
 * and counted, not processed again) → 200.
 */
const MAX_BODY_BYTES = 1024 * 1024;

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : undefined));
    req.on('error', () => resolve(undefined));
  });
}

function answerJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Verifies with every configured secret; the first that passes both checks wins. */
export function verifyRequest(state: WebhookReceiverState, headers: { id?: string; timestamp?: string; signature?: string }, rawBody: Buffer): Verification {
  let last: Verification = { library: false, manual: false, problem: state.secrets.size === 0 ? 'the sandbox has no secrets' : undefined };
  for (const [secretName, secret] of state.secrets) {
    let library = false;
    let libraryProblem: string | undefined;
    try {
      new Webhook(secret).verify(rawBody, { 'webhook-id': headers.id ?? '', 'webhook-timestamp': headers.timestamp ?? '', 'webhook-signature': headers.signature ?? '' }, { jsonParse: false });
      library = true;
    } catch (error) {
      libraryProblem = (error as Error).message;
    }
    const manualProblem = verifyByHand(secret, headers, rawBody);
    const verification: Verification = { library, manual: manualProblem === undefined, problem: libraryProblem ?? manualProblem };
    if (verification.library && verification.manual) return { ...verification, secretName };
    last = verification;
  }
  return last;
}

export function createReceiverHandler(state: WebhookReceiverState, hung: Set<ServerResponse>): http.RequestListener {
  const receive = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const webhookId = header(req, 'webhook-id');
    const timestamp = header(req, 'webhook-timestamp');
    const at = Date.now();
    const rawBody = await readBody(req);
    const { faults } = state;
    const record = (answer: number | 'hang'): void => {
      state.requests.push({ at, path, webhookId, timestamp, answer });
    };
    if (faults.hang.remaining > 0) {
      faults.hang.remaining -= 1;
      record('hang');
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }
    if (faults.rateLimit.remaining > 0) {
      faults.rateLimit.remaining -= 1;
      record(429);
      answerJson(res, 429, { error: 'Too Many Requests (sandbox fault)' }, faults.rateLimit.retryAfter === null ? {} : { 'Retry-After': faults.rateLimit.retryAfter });
      return;
    }
    if (faults.serverError.remaining > 0) {
      faults.serverError.remaining -= 1;
      record(faults.serverError.status);
      answerJson(res, faults.serverError.status, { error: 'Internal error (sandbox fault)' });
      return;
    }
    if (faults.gone.remaining > 0) {
      faults.gone.remaining -= 1;
      record(410);
      answerJson(res, 410, { error: 'This endpoint no longer accepts webhooks (sandbox fault)' });
      return;
    }
    if (faults.redirect.remaining > 0) {
      faults.redirect.remaining -= 1;
      record(307);
      answerJson(res, 307, { error: 'Moved (sandbox fault)' }, { Location: faults.redirect.location });
      return;
    }
    if (rawBody === undefined) {
      record(413);
      answerJson(res, 413, { error: 'body too large' });
      return;
    }
    const verification = verifyRequest(state, { id: webhookId, timestamp, signature: header(req, 'webhook-signature') }, rawBody);
    let body: unknown;
    try {
      body = JSON.parse(rawBody.toString('utf8'));
    } catch {
      body = rawBody.toString('utf8').slice(0, 500);
    }
    const entry: ReceivedWebhook = {
      at,
      path,
      webhookId: webhookId ?? '',
      timestamp: timestamp ?? '',
      signatures: (header(req, 'webhook-signature') ?? '').split(' ').filter((part) => part.startsWith('v1,')).length,
      verification,
      seen: 0,
      userAgent: header(req, 'user-agent'),
      contentType: header(req, 'content-type'),
      body,
    };
    if (!verification.library || !verification.manual) {
      record(401);
      state.rejected.push(entry);
      answerJson(res, 401, { error: `signature not verified: ${verification.problem ?? 'unknown'}` });
      return;
    }
    // De-duplicate as a receiver should: a repeat of an id already processed is acknowledged, not processed.
    const seen = (state.seenIds.get(entry.webhookId) ?? 0) + 1;
    state.seenIds.set(entry.webhookId, seen);
    record(200);
    if (seen === 1) state.received.push({ ...entry, seen });
    answerJson(res, 200, seen === 1 ? { status: 'received' } : { status: 'duplicate', seen });
  };

  const controls = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path === '/_sandbox/received' && req.method === 'GET') {
      answerJson(res, 200, { received: state.received, rejected: state.rejected, requests: state.requests, duplicates: state.duplicates, seenIds: Object.fromEntries(state.seenIds) });
    } else if (path === '/_sandbox/received' && req.method === 'DELETE') {
      state.clearRecords();
      res.writeHead(204).end();
    } else if (path === '/_sandbox/faults' && req.method === 'GET') {
      answerJson(res, 200, serializeFaults(state));
    } else if (path === '/_sandbox/faults' && req.method === 'POST') {
      const raw = await readBody(req);
      let request: unknown;
      try {
        request = JSON.parse(raw?.toString('utf8') ?? '');
      } catch {
        request = undefined;
      }
      const problems = checkFaultRequest(request);
      if (problems.length > 0) {
        answerJson(res, 400, { error: problems.join('; ') });
        return;
      }
      state.applyFaults(request as FaultRequest);
      answerJson(res, 200, serializeFaults(state));
    } else if (path === '/_sandbox/reset' && req.method === 'POST') {
      state.reset();
      answerJson(res, 200, serializeFaults(state));
    } else {
      answerJson(res, 404, { error: 'unknown sandbox control' });
    }
  };

  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://sandbox.invalid').pathname;
    const handle = path.startsWith('/_sandbox/') ? controls(req, res, path) : req.method === 'POST' ? receive(req, res, path) : Promise.resolve(answerJson(res, 405, { error: 'POST only' }));
    handle.catch(() => {
      if (!res.headersSent) answerJson(res, 500, { error: 'sandbox error' });
    });
  };
}

// Infinity does not survive JSON; report it as "always".
function serializeFaults(state: WebhookReceiverState): unknown {
  const { hang, ...rest } = state.faults;
  return { ...rest, hang: { remaining: Number.isFinite(hang.remaining) ? hang.remaining : 'always' } };
}
