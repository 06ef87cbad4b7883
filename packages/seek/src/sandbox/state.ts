import { randomBytes } from 'node:crypto';

/**
 * What the SEEK sandbox remembers (tokens, uploaded candidates, process history items, every
 * operation) and which faults it is told to produce. Shared by the in-process controls and the
 * `/_sandbox/*` HTTP controls.
 */
export interface SeekClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface IssuedToken {
  clientId: string;
  audience: string;
  expiresAt: number;
}

export interface TokenRequestRecord {
  at: number;
  clientId?: string;
  audience?: string;
  httpStatus: number;
  userAgent?: string;
}

export interface UploadedCandidate {
  documentId: string;
  profileId: string;
  hirerId: string;
  /** Lower-cased seekPrimaryEmailAddress (uniqueness key per hirer). */
  email: string;
  /** The person input as received (PII: in-process only, never served over HTTP). */
  person: Record<string, unknown>;
  createDateTime: string;
  updateDateTime: string;
}

export interface StoredItem {
  id: string;
  profileId: string;
  idempotencyId: string;
  /** The item input as received (last update replaces it). */
  item: Record<string, unknown>;
  createdAt: number;
  updatedAt?: number;
}

export type OperationOutcome = 'success' | 'conflict' | 'updated' | 'deleted' | 'hang' | `error:${string}` | `http:${number}`;

/** One request to /graphql. `variables` hold PII: read them in-process; HTTP serves a redacted copy. */
export interface OperationRecord {
  at: number;
  /** Root field of the operation (uploadCandidate, createCandidateProcessHistoryItem ...) or "(invalid)". */
  operation: string;
  variables: Record<string, unknown>;
  outcome: OperationOutcome;
  httpStatus: number;
  requestId?: string;
  sessionId?: string;
  userAgent?: string;
  contentType?: string;
  /** Whether a Bearer token came with it (the token itself is not kept). */
  bearer: boolean;
}

export interface SeekFaults {
  /** Next N GraphQL requests get this 5xx (as a gateway would answer, before auth). */
  serverError: { remaining: number; status: number; operation?: string };
  /** Next N GraphQL requests get 429, with this Retry-After (omitted when null). */
  rateLimit: { remaining: number; retryAfter: string | null; operation?: string };
  /** Next N GraphQL requests get HTTP 200 with one error carrying this extensions.code (after auth). */
  graphqlError: { remaining: number; code: string; message: string; operation?: string };
  /** Next N GraphQL requests are executed (the mutation lands) but never answered, until the sandbox closes. */
  hang: { remaining: number; operation?: string };
  /** Every GraphQL request (past the gateway faults) is handled this long after it arrives (load runs). */
  latencyMs: number;
}

export interface SeekFaultRequest {
  serverError?: { count: number; status?: number; operation?: string };
  rateLimit?: { count: number; retryAfter?: string | number | null; operation?: string };
  graphqlError?: { count: number; code: string; message?: string; operation?: string };
  hang?: { count?: number; operation?: string };
  latencyMs?: number;
}

/**
 * How a duplicate upload (same hirer, same email) is answered: the newer docs' `_Conflict` with the
 * existing candidate, or the schema text's "Duplicate uploads will result in a BAD_USER_INPUT error".
 */
export type DuplicateUploadMode = 'conflict' | 'bad-user-input';

export interface SeekSandboxSettings {
  tokenLifetimeSeconds: number;
  duplicateUpload: DuplicateUploadMode;
  /** Hirer ids with no ProactiveSourcing relationship: uploads for them answer FORBIDDEN. */
  forbiddenHirers: Set<string>;
}

function noFaults(): SeekFaults {
  return {
    serverError: { remaining: 0, status: 500 },
    rateLimit: { remaining: 0, retryAfter: null },
    graphqlError: { remaining: 0, code: 'INTERNAL_SERVER_ERROR', message: 'Internal error (sandbox fault)' },
    hang: { remaining: 0 },
    latencyMs: 0,
  };
}

/** SEEK-style opaque ids: scheme:type:subtype:random. */
export function sandboxId(scheme: string, type: string, subtype: string): string {
  return `${scheme}:${type}:${subtype}:${randomBytes(12).toString('base64url')}`;
}

export class SeekSandboxState {
  readonly clients: Map<string, string>;
  readonly audiences: Set<string>;
  readonly tokens = new Map<string, IssuedToken>();
  readonly tokenRequests: TokenRequestRecord[] = [];
  readonly candidates = new Map<string, UploadedCandidate>();
  readonly items = new Map<string, StoredItem>();
  readonly operations: OperationRecord[] = [];
  // Lookup indexes (kept by addCandidate/addItem/deleteItem), so load runs with tens of thousands
  // of candidates do not scan them on every request.
  private readonly candidateKeys = new Map<string, UploadedCandidate>();
  private readonly candidateProfiles = new Map<string, UploadedCandidate>();
  private readonly itemKeys = new Map<string, StoredItem>();
  faults: SeekFaults = noFaults();
  settings: SeekSandboxSettings;
  private readonly initialSettings: SeekSandboxSettings;

  constructor(options: { clients: SeekClientCredentials[]; audiences: string[]; settings: SeekSandboxSettings }) {
    this.clients = new Map(options.clients.map((client) => [client.clientId, client.clientSecret]));
    this.audiences = new Set(options.audiences);
    this.initialSettings = { ...options.settings, forbiddenHirers: new Set(options.settings.forbiddenHirers) };
    this.settings = { ...options.settings, forbiddenHirers: new Set(options.settings.forbiddenHirers) };
  }

  issueToken(clientId: string, audience: string, now = Date.now()): { token: string; expiresIn: number } {
    const token = `sbx.${randomBytes(24).toString('base64url')}`;
    const expiresIn = this.settings.tokenLifetimeSeconds;
    this.tokens.set(token, { clientId, audience, expiresAt: now + expiresIn * 1000 });
    return { token, expiresIn };
  }

  /** Why a token is refused, or undefined when it is good. */
  tokenProblem(token: string | undefined, now = Date.now()): string | undefined {
    if (!token) return 'No access token provided';
    const issued = this.tokens.get(token);
    if (!issued) return 'Invalid access token';
    if (issued.expiresAt <= now) return 'Partner token is expired';
    return undefined;
  }

  /** Makes every issued token expired now (SEEK may end a token early; clients must refresh once). */
  expireTokens(now = Date.now()): number {
    for (const issued of this.tokens.values()) issued.expiresAt = Math.min(issued.expiresAt, now);
    return this.tokens.size;
  }

  addCandidate(candidate: UploadedCandidate): void {
    this.candidates.set(candidate.documentId, candidate);
    this.candidateKeys.set(`${candidate.hirerId}\n${candidate.email}`, candidate);
    this.candidateProfiles.set(candidate.profileId, candidate);
  }

  addItem(item: StoredItem): void {
    this.items.set(item.id, item);
    this.itemKeys.set(`${item.profileId}\n${item.idempotencyId}`, item);
  }

  deleteItem(item: StoredItem): void {
    this.items.delete(item.id);
    this.itemKeys.delete(`${item.profileId}\n${item.idempotencyId}`);
  }

  candidateByEmail(hirerId: string, email: string): UploadedCandidate | undefined {
    return this.candidateKeys.get(`${hirerId}\n${email.trim().toLowerCase()}`);
  }

  candidateByProfile(profileId: string): UploadedCandidate | undefined {
    return this.candidateProfiles.get(profileId);
  }

  itemByIdempotency(profileId: string, idempotencyId: string): StoredItem | undefined {
    return this.itemKeys.get(`${profileId}\n${idempotencyId}`);
  }

  itemsOf(profileId: string): StoredItem[] {
    return [...this.items.values()].filter((item) => item.profileId === profileId);
  }

  operationsNamed(operation: string): OperationRecord[] {
    return this.operations.filter((record) => record.operation === operation);
  }

  applyFaults(request: SeekFaultRequest): void {
    if (request.serverError) this.faults.serverError = { remaining: request.serverError.count, status: request.serverError.status ?? 500, operation: request.serverError.operation };
    if (request.rateLimit) {
      const retryAfter = request.rateLimit.retryAfter;
      this.faults.rateLimit = { remaining: request.rateLimit.count, retryAfter: retryAfter === undefined || retryAfter === null ? null : String(retryAfter), operation: request.rateLimit.operation };
    }
    if (request.graphqlError) {
      this.faults.graphqlError = {
        remaining: request.graphqlError.count,
        code: request.graphqlError.code,
        message: request.graphqlError.message ?? `${request.graphqlError.code} (sandbox fault)`,
        operation: request.graphqlError.operation,
      };
    }
    if (request.hang) this.faults.hang = { remaining: request.hang.count ?? Number.POSITIVE_INFINITY, operation: request.hang.operation };
    if (request.latencyMs !== undefined) this.faults.latencyMs = request.latencyMs;
  }

  applySettings(settings: Partial<Omit<SeekSandboxSettings, 'forbiddenHirers'>> & { forbiddenHirers?: Iterable<string> }): void {
    if (settings.tokenLifetimeSeconds !== undefined) this.settings.tokenLifetimeSeconds = settings.tokenLifetimeSeconds;
    if (settings.duplicateUpload !== undefined) this.settings.duplicateUpload = settings.duplicateUpload;
    if (settings.forbiddenHirers !== undefined) this.settings.forbiddenHirers = new Set(settings.forbiddenHirers);
  }

  clearOperations(): void {
    this.operations.length = 0;
    this.tokenRequests.length = 0;
  }

  /** Back to a fresh sandbox: no tokens, candidates, items, records or faults; initial settings. */
  reset(): void {
    this.tokens.clear();
    this.candidates.clear();
    this.items.clear();
    this.candidateKeys.clear();
    this.candidateProfiles.clear();
    this.itemKeys.clear();
    this.clearOperations();
    this.faults = noFaults();
    this.settings = { ...this.initialSettings, forbiddenHirers: new Set(this.initialSettings.forbiddenHirers) };
  }
}
