import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { GeneratedApplicants } from './fixtures';
import type { IcimsFaultRequest, IcimsSandboxRequest, IcimsSandboxState } from './state';

export const ICIMS_TOKEN_PATH = '/oauth/token';

const KINDS = ['people', 'jobs', 'applicantworkflows'] as const;
type Kind = (typeof KINDS)[number];
const NOT_FOUND_MESSAGE: Record<Kind, string> = { people: 'Person not found.', jobs: 'Job not found.', applicantworkflows: 'Workflow not found.' };

/** iCIMS error body shape (docs/partners/icims.md#rate-limits-and-errors). */
const icimsErrors = (errorMessage: string, errorCode: number) => ({ errors: [{ errorMessage, errorCode }] });

function authScheme(req: Request): IcimsSandboxRequest['auth'] {
  const header = req.get('authorization') ?? '';
  if (/^basic /i.test(header)) return 'basic';
  if (/^bearer /i.test(header)) return 'bearer';
  return 'none';
}

function queryOf(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.query)) out[key] = Array.isArray(value) ? value.join(',') : String(value);
  return out;
}

/**
 * A real HTTP stand-in for the iCIMS REST API. Order on a record GET: hang → 429 → 5xx (faults
 * first, as iCIMS's gateway would answer) → latency → auth (401) → customer/record lookup (404,
 * also for another customer's ids) → the record, cut to `fields=` when given.
 */
export function createIcimsSandboxApp(state: IcimsSandboxState, hung: Set<Response> = new Set()): Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  const log = (req: Request, auth: IcimsSandboxRequest['auth'], answer: IcimsSandboxRequest['answer']): void => {
    state.requests.push({ at: Date.now(), method: req.method, path: req.path, query: queryOf(req), auth, answer });
  };

  // OAuth 2.0 client credentials, form-encoded (docs/partners/icims.md#authentication), with the `audience` parameter.
  app.post(ICIMS_TOKEN_PATH, express.urlencoded({ extended: false }), async (req: Request, res: Response) => {
    if (state.faults.tokenLatencyMs > 0) await new Promise((resolve) => setTimeout(resolve, state.faults.tokenLatencyMs));
    const body = (req.body ?? {}) as Record<string, string | undefined>;
    const answer = (status: number, payload: unknown): void => {
      log(req, 'form', status);
      res.status(status).json(payload);
    };
    if (body.grant_type !== 'client_credentials') return answer(400, { error: 'unsupported_grant_type' });
    const client = state.clients.find((known) => known.clientId === body.client_id && known.clientSecret === body.client_secret);
    if (!client) return answer(401, { error: 'access_denied', error_description: 'Unauthorized' });
    if (body.audience !== state.audience) return answer(403, { error: 'access_denied', error_description: 'Service not enabled within domain' });
    answer(200, { access_token: state.issueToken(), token_type: 'Bearer', expires_in: state.tokenLifetimeSeconds, scope: '' });
  });

  const readRecord = async (req: Request, res: Response): Promise<void> => {
    const auth = authScheme(req);
    const { faults } = state;
    if (faults.hang.remaining > 0) {
      faults.hang.remaining -= 1;
      log(req, auth, 'hang');
      hung.add(res);
      res.on('close', () => hung.delete(res));
      return;
    }
    const answer = (status: number, payload: unknown): void => {
      log(req, auth, status);
      res.status(status).json(payload);
    };
    if (state.takeRateLimit(String(req.params.customerId))) {
      if (faults.rateLimit.retryAfter !== null) res.setHeader('Retry-After', faults.rateLimit.retryAfter);
      return answer(429, icimsErrors('Too many requests (sandbox fault).', 429));
    }
    if (faults.serverError.remaining > 0 && (faults.serverError.path === null || faults.serverError.path === req.path)) {
      faults.serverError.remaining -= 1;
      res.setHeader('X-Error', '0:Internal error (sandbox fault)');
      return answer(faults.serverError.status, icimsErrors('Internal error (sandbox fault).', 0));
    }
    if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs));
    const header = req.get('authorization') ?? '';
    let authorised = false;
    if (auth === 'basic') {
      const [username, ...rest] = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8').split(':');
      authorised = state.users.some((user) => user.username === username && user.password === rest.join(':'));
    } else if (auth === 'bearer') {
      authorised = !faults.rejectAllTokens && state.tokens.has(header.slice(7).trim());
    }
    if (!authorised) return answer(401, icimsErrors('Invalid Username or Password credentials provided.', 6));
    const kind = req.params.kind as Kind;
    const record = state.record(String(req.params.customerId), kind, String(req.params.id));
    // iCIMS answers 404 for missing records and for records the user may not see (RESOURCE_ACCESS_DENIED).
    if (!record) return answer(404, icimsErrors(NOT_FOUND_MESSAGE[kind], 2));
    const fields = typeof req.query.fields === 'string' && req.query.fields !== '' ? req.query.fields.split(',').map((field) => field.trim().toLowerCase()) : undefined;
    const body = fields ? Object.fromEntries(Object.entries(record).filter(([key]) => fields.includes(key))) : record;
    answer(200, body);
  };
  // Express 5 routes have no regex parameters: unknown kinds fall through to the 404 below.
  app.get('/customers/:customerId/:kind/:id', (req, res, next) => {
    if (!(KINDS as readonly string[]).includes(String(req.params.kind))) return next();
    void readRecord(req, res).catch(next);
  });

  // Controls, for when the sandbox runs as a child process.
  const controls = express.Router();
  controls.use(express.json());
  controls.get('/requests', (_req, res) => void res.json(state.requests));
  controls.delete('/requests', (_req, res) => {
    state.requests.length = 0;
    res.status(204).end();
  });
  controls.post('/faults', (req, res) => {
    state.applyFaults((req.body ?? {}) as IcimsFaultRequest);
    res.json(state.faults);
  });
  controls.post('/reset', (_req, res) => {
    state.reset();
    res.status(204).end();
  });
  // Generated applicants for load runs (fixtures.ts generatedIcimsRecord); {"count": 0} turns them off.
  controls.post('/generated', (req, res) => {
    const body = (req.body ?? {}) as Partial<GeneratedApplicants>;
    const whole = (value: unknown, min: number): boolean => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= 10_000_000;
    if (typeof body.customerId !== 'string' || body.customerId === '' || !whole(body.count, 0) || !whole(body.jobs, 1)) {
      return void res.status(400).json({ error: 'body must be {"customerId": "<id>", "count": 0..10000000, "jobs": 1..10000000}' });
    }
    state.generated = body.count === 0 ? null : { customerId: body.customerId, count: body.count!, jobs: body.jobs! };
    res.json({ generated: state.generated });
  });
  controls.put('/records/:customerId/:kind/:id', (req, res) => {
    const kind = req.params.kind as Kind;
    if (!KINDS.includes(kind)) return void res.status(400).json({ error: `kind must be one of ${KINDS.join(', ')}` });
    const customer = (state.fixtures[req.params.customerId] ??= { people: {}, jobs: {}, applicantworkflows: {} });
    customer[kind][req.params.id] = req.body as Record<string, unknown>;
    res.status(204).end();
  });
  // A recruiter's status change: status and updateddate move together, as at iCIMS.
  controls.post('/workflows/:customerId/:id/status', (req, res) => {
    const body = (req.body ?? {}) as { id?: unknown; value?: unknown; at?: unknown };
    const atMs = body.at === undefined ? Date.now() : typeof body.at === 'number' ? body.at : Date.parse(String(body.at));
    if (typeof body.id !== 'string' || body.id === '' || typeof body.value !== 'string' || !Number.isFinite(atMs)) {
      return void res.status(400).json({ error: 'body must be {"id": "<status id>", "value": "<status name>", "at"?: <ISO time or epoch ms>}' });
    }
    const record = state.setWorkflowStatus(req.params.customerId, req.params.id, { id: body.id, value: body.value }, atMs);
    if (!record) return void res.status(404).json({ error: `no workflow ${req.params.id} for customer ${req.params.customerId}` });
    res.json({ status: record.status, updateddate: record.updateddate });
  });
  // Many distinct applications for load tests: {customerId, count, first?, jobs?, initialStatus?} → their ids.
  controls.post('/applications', (req, res) => {
    const body = (req.body ?? {}) as { customerId?: unknown; count?: unknown; first?: unknown; jobs?: unknown; initialStatus?: unknown };
    const count = Number(body.count);
    const first = body.first === undefined ? 0 : Number(body.first);
    if (typeof body.customerId !== 'string' || !/^[0-9]+$/.test(body.customerId)) return void res.status(400).json({ error: 'customerId must be a string of digits' });
    if (!Number.isInteger(count) || count < 1 || count > 100_000) return void res.status(400).json({ error: 'count must be an integer 1..100000' });
    if (!Number.isInteger(first) || first < 0) return void res.status(400).json({ error: 'first must be an integer >= 0' });
    const jobs = body.jobs === undefined ? undefined : Number(body.jobs);
    if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) return void res.status(400).json({ error: 'jobs must be an integer >= 1' });
    const initialStatus = typeof body.initialStatus === 'string' ? body.initialStatus : undefined;
    res.json({ applications: state.generateApplications(body.customerId, count, { first, jobs, initialStatus }) });
  });
  // The recruiter moved the candidate: {id} is the workflow's new status id.
  controls.put('/workflows/:customerId/:systemId/status', (req, res) => {
    const statusId = (req.body as { id?: unknown } | undefined)?.id;
    if (typeof statusId !== 'string' || statusId === '') return void res.status(400).json({ error: 'id (the new status id) is required' });
    if (!state.moveWorkflow(req.params.customerId, req.params.systemId, statusId)) return void res.status(404).json({ error: 'no such workflow' });
    res.status(204).end();
  });
  app.use('/_sandbox', controls);

  app.use((req: Request, res: Response) => {
    log(req, authScheme(req), 404);
    res.status(404).json(icimsErrors('Resource not found.', 2));
  });
  app.use((error: Error, req: Request, res: Response, _next: NextFunction) => {
    log(req, authScheme(req), 500);
    res.status(500).json(icimsErrors(`sandbox error: ${error.message}`, 0));
  });
  return app;
}
