import express, { type Express, type Request, type Response } from 'express';
import { execute, getOperationAST, GraphQLError, Kind, parse, validate, getVariableValues, type DocumentNode, type FieldNode } from 'graphql';
import { redactValue } from '@status-bridge/core';
import { sandboxSchema, type SandboxContext } from './schema';
import type { DuplicateUploadMode, OperationRecord, SeekFaultRequest, SeekSandboxState } from './state';

export const SEEK_TOKEN_PATH = '/oauth/token';
export const SEEK_GRAPHQL_PATH = '/graphql';

/**
 * A real HTTP stand-in for SEEK's token endpoint and GraphQL API.
 *
 * Token endpoint (developer.seek.com/auth/partner-tokens): JSON body {audience, client_id,
 * client_secret, grant_type: "client_credentials"} → {access_token, expires_in, token_type}.
 *
 * GraphQL, in this order: 429 / 5xx faults (a gateway answers before the API) → latency → Bearer token
 * (UNAUTHENTICATED in SEEK's error shape) → GraphQL-error fault → parse (400
 * GRAPHQL_PARSE_FAILED) → validate (400 GRAPHQL_VALIDATION_FAILED) → variables (400
 * BAD_USER_INPUT) → execute (resolver errors with their codes, HTTP 200) → hang fault (the
 * mutation has landed, the answer never comes).
 */
export function createSeekSandboxApp(state: SeekSandboxState, hung: Set<Response> = new Set()): Express {
  const app = express();
  app.disable('x-powered-by');
  const json = express.json({ type: () => true, limit: '1mb' });

  app.post(SEEK_TOKEN_PATH, express.text({ type: () => true, limit: '100kb' }), (req, res) => {
    const record = (httpStatus: number, clientId?: string, audience?: string): void => {
      state.tokenRequests.push({ at: Date.now(), clientId, audience, httpStatus, userAgent: req.get('user-agent') });
    };
    if (!(req.get('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      record(400);
      res.status(400).json({ error: 'invalid_request', error_description: 'Content-Type must be application/json' });
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(String(req.body ?? '')) as Record<string, unknown>;
    } catch {
      record(400);
      res.status(400).json({ error: 'invalid_request', error_description: 'body is not valid JSON' });
      return;
    }
    const clientId = typeof body.client_id === 'string' ? body.client_id : undefined;
    const audience = typeof body.audience === 'string' ? body.audience : undefined;
    if (body.grant_type !== 'client_credentials') {
      record(400, clientId, audience);
      res.status(400).json({ error: 'unsupported_grant_type', error_description: 'grant_type must be client_credentials' });
      return;
    }
    if (!clientId || state.clients.get(clientId) !== body.client_secret) {
      record(401, clientId, audience);
      res.status(401).json({ error: 'access_denied', error_description: 'Unauthorized' });
      return;
    }
    if (!audience || !state.audiences.has(audience)) {
      record(403, clientId, audience);
      res.status(403).json({ error: 'access_denied', error_description: 'Service not enabled within domain' });
      return;
    }
    const { token, expiresIn } = state.issueToken(clientId, audience);
    record(200, clientId, audience);
    res.status(200).json({ access_token: token, expires_in: expiresIn, token_type: 'Bearer' });
  });

  app.post(SEEK_GRAPHQL_PATH, json, async (req: Request, res: Response) => {
    const body = (req.body ?? {}) as { query?: unknown; variables?: unknown; operationName?: unknown };
    const variables = body.variables !== null && typeof body.variables === 'object' ? (body.variables as Record<string, unknown>) : {};
    const authorization = req.get('authorization') ?? '';
    const bearer = /^Bearer\s+(.+)$/i.exec(authorization)?.[1];
    let document: DocumentNode | undefined;
    let parseError: GraphQLError | undefined;
    try {
      document = parse(typeof body.query === 'string' ? body.query : '');
    } catch (error) {
      parseError = error as GraphQLError;
    }
    const operationName = typeof body.operationName === 'string' ? body.operationName : undefined;
    const operation = document ? rootField(document, operationName) : '(invalid)';
    const record: OperationRecord = {
      at: Date.now(),
      operation,
      variables,
      outcome: 'success',
      httpStatus: 200,
      requestId: req.get('x-request-id'),
      sessionId: req.get('x-session-id'),
      userAgent: req.get('user-agent'),
      contentType: req.get('content-type'),
      bearer: Boolean(bearer),
    };
    state.operations.push(record);
    const answer = (httpStatus: number, payload: unknown, outcome: OperationRecord['outcome']): void => {
      record.httpStatus = httpStatus;
      record.outcome = outcome;
      res.status(httpStatus).json(payload);
    };
    const errorAnswer = (httpStatus: number, message: string, code: string, extra: Record<string, unknown> = {}): void =>
      answer(httpStatus, { errors: [{ message, ...extra, extensions: { code } }] }, `error:${code}`);
    const { faults } = state;
    const applies = (fault: { remaining: number; operation?: string }): boolean => fault.remaining > 0 && (!fault.operation || fault.operation === operation);

    if (applies(faults.rateLimit)) {
      faults.rateLimit.remaining -= 1;
      if (faults.rateLimit.retryAfter !== null) res.setHeader('Retry-After', faults.rateLimit.retryAfter);
      answer(429, { errors: [{ message: 'Too many requests.', extensions: { code: 'RATE_LIMITED' } }] }, 'http:429');
      return;
    }
    if (applies(faults.serverError)) {
      faults.serverError.remaining -= 1;
      res.status(faults.serverError.status).type('text/html').send('<html><body>Bad gateway (sandbox fault)</body></html>');
      record.httpStatus = faults.serverError.status;
      record.outcome = `http:${faults.serverError.status}`;
      return;
    }
    if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
    const tokenProblem = state.tokenProblem(bearer);
    if (tokenProblem) {
      // SEEK's documented shape (developer.seek.com/graphql/error-responses), HTTP 200.
      errorAnswer(200, tokenProblem, 'UNAUTHENTICATED', { path: operation === '(invalid)' ? undefined : [operation] });
      return;
    }
    if (applies(faults.graphqlError)) {
      faults.graphqlError.remaining -= 1;
      answer(200, { errors: [{ message: faults.graphqlError.message, path: [operation], extensions: { code: faults.graphqlError.code } }], data: null }, `error:${faults.graphqlError.code}`);
      return;
    }
    if (!(req.get('content-type') ?? '').toLowerCase().startsWith('application/json')) {
      errorAnswer(400, 'The SEEK API requires an application/json content type', 'BAD_REQUEST');
      return;
    }
    if (!document) {
      errorAnswer(400, parseError?.message ?? 'query is missing', 'GRAPHQL_PARSE_FAILED');
      return;
    }
    const schema = sandboxSchema();
    const validationErrors = validate(schema, document);
    if (validationErrors.length > 0) {
      answer(400, { errors: validationErrors.map((error) => ({ ...error.toJSON(), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })) }, 'error:GRAPHQL_VALIDATION_FAILED');
      return;
    }
    const operationNode = getOperationAST(document, operationName);
    if (!operationNode) {
      errorAnswer(400, 'operationName must name one operation of the document', 'BAD_REQUEST');
      return;
    }
    const coerced = getVariableValues(schema, operationNode.variableDefinitions ?? [], variables);
    if (coerced.errors) {
      answer(400, { errors: coerced.errors.map((error) => ({ ...error.toJSON(), extensions: { code: 'BAD_USER_INPUT' } })) }, 'error:BAD_USER_INPUT');
      return;
    }
    const context: SandboxContext = { state };
    const result = await execute({ schema, document, variableValues: variables, operationName, contextValue: context });
    const errors = (result.errors ?? []).map((error) => ({ ...error.toJSON(), extensions: { code: 'INTERNAL_SERVER_ERROR', ...(error.extensions ?? {}) } }));
    const payload = errors.length > 0 ? { errors, data: result.data ?? null } : { data: result.data };
    const outcome: OperationRecord['outcome'] = errors.length > 0 ? `error:${String(errors[0].extensions.code)}` : (context.outcome ?? 'success');

    if (applies(faults.hang)) {
      // The mutation has landed; the answer never comes (the client times out and retries).
      faults.hang.remaining -= 1;
      record.outcome = 'hang';
      record.httpStatus = 0;
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }
    answer(200, payload, outcome);
  });

  // Controls for tests and for the dashboard's demo when the sandbox runs elsewhere. Variables are
  // served redacted (names, emails, phones): PII stays in-process.
  app.get('/_sandbox/operations', (_req, res) => {
    res.json({ operations: state.operations.map((record) => ({ ...record, variables: redactPii(record.variables) })), tokenRequests: state.tokenRequests });
  });
  app.delete('/_sandbox/operations', (_req, res) => {
    state.clearOperations();
    res.status(204).end();
  });
  app.get('/_sandbox/state', (_req, res) => {
    res.json(summary(state));
  });
  app.get('/_sandbox/faults', (_req, res) => {
    res.json(serializeFaults(state));
  });
  app.post('/_sandbox/faults', json, (req, res) => {
    const request = (req.body ?? {}) as SeekFaultRequest;
    const problems = checkFaultRequest(request);
    if (problems.length > 0) {
      res.status(400).json({ error: problems.join('; ') });
      return;
    }
    state.applyFaults(request);
    res.json(serializeFaults(state));
  });
  app.post('/_sandbox/expire-tokens', (_req, res) => {
    res.json({ expired: state.expireTokens() });
  });
  app.post('/_sandbox/settings', json, (req, res) => {
    const settings = (req.body ?? {}) as { tokenLifetimeSeconds?: unknown; duplicateUpload?: unknown; forbiddenHirers?: unknown };
    const problems: string[] = [];
    if (settings.tokenLifetimeSeconds !== undefined && !(Number.isInteger(settings.tokenLifetimeSeconds) && (settings.tokenLifetimeSeconds as number) > 0)) problems.push('tokenLifetimeSeconds must be a positive integer');
    if (settings.duplicateUpload !== undefined && settings.duplicateUpload !== 'conflict' && settings.duplicateUpload !== 'bad-user-input') problems.push('duplicateUpload must be "conflict" or "bad-user-input"');
    if (settings.forbiddenHirers !== undefined && !(Array.isArray(settings.forbiddenHirers) && settings.forbiddenHirers.every((id) => typeof id === 'string'))) problems.push('forbiddenHirers must be a list of hirer ids');
    if (problems.length > 0) {
      res.status(400).json({ error: problems.join('; ') });
      return;
    }
    state.applySettings({
      tokenLifetimeSeconds: settings.tokenLifetimeSeconds as number | undefined,
      duplicateUpload: settings.duplicateUpload as DuplicateUploadMode | undefined,
      forbiddenHirers: settings.forbiddenHirers as string[] | undefined,
    });
    res.json(summary(state).settings);
  });
  app.post('/_sandbox/reset', (_req, res) => {
    state.reset();
    res.json(summary(state));
  });
  return app;
}

// Core's redaction goes by key name; SEEK inputs also hold PII under `address` (EmailInput) and
// `formattedNumber` (PhoneInput).
const PII_KEYS = /^(address|formattedNumber)$/;

export function redactPii(value: unknown, depth = 0): unknown {
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => redactPii(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
    out[key] = PII_KEYS.test(key) && typeof inner === 'string' ? '[redacted]' : redactPii(inner, depth + 1);
  }
  return redactValue(out);
}

/** Name of the first root field of the chosen operation: what the request does. */
function rootField(document: DocumentNode, operationName: string | undefined): string {
  const operation = getOperationAST(document, operationName);
  const first = operation?.selectionSet.selections.find((selection): selection is FieldNode => selection.kind === Kind.FIELD);
  return first?.name.value ?? '(invalid)';
}

/** Ids and counts only (no names or emails). */
export function summary(state: SeekSandboxState): Record<string, unknown> {
  return {
    candidates: [...state.candidates.values()].map(({ documentId, profileId, hirerId }) => ({ documentId, profileId, hirerId })),
    items: [...state.items.values()].map(({ id, profileId, idempotencyId, item }) => ({
      id,
      profileId,
      idempotencyId,
      actionCode: (item.action as { code?: string } | undefined)?.code,
      actionName: (item.action as { name?: string } | undefined)?.name,
      statusCode: (item.status as { code?: string } | undefined)?.code,
      positionProfileId: (item.positionProfile as { profileId?: string } | undefined)?.profileId,
      seekSource: (item.seekSource as { name?: string } | undefined)?.name,
      actionDate: item.actionDate,
    })),
    tokensIssued: state.tokens.size,
    settings: { ...state.settings, forbiddenHirers: [...state.settings.forbiddenHirers] },
  };
}

// Infinity does not survive JSON; report it as "always".
function serializeFaults(state: SeekSandboxState): unknown {
  const { hang, ...rest } = state.faults;
  return { ...rest, hang: { ...hang, remaining: Number.isFinite(hang.remaining) ? hang.remaining : 'always' } };
}

function checkFaultRequest(request: SeekFaultRequest): string[] {
  if (typeof request !== 'object' || request === null) return ['body must be a JSON object'];
  const problems: string[] = [];
  const count = (value: unknown, what: string): void => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) problems.push(`${what}.count must be an integer >= 0`);
  };
  if (request.rateLimit) count(request.rateLimit.count, 'rateLimit');
  if (request.serverError) {
    count(request.serverError.count, 'serverError');
    const status = request.serverError.status;
    if (status !== undefined && (typeof status !== 'number' || status < 500 || status > 599)) problems.push('serverError.status must be 500..599');
  }
  if (request.graphqlError) {
    count(request.graphqlError.count, 'graphqlError');
    if (typeof request.graphqlError.code !== 'string' || request.graphqlError.code === '') problems.push('graphqlError.code must be a non-empty string');
  }
  if (request.hang && request.hang.count !== undefined) count(request.hang.count, 'hang');
  if (request.latencyMs !== undefined && (typeof request.latencyMs !== 'number' || !Number.isInteger(request.latencyMs) || request.latencyMs < 0 || request.latencyMs > 600_000)) problems.push('latencyMs must be an integer 0..600000');
  return problems;
}
