import { randomBytes } from 'node:crypto';
import { formatIcimsDateTime, generatedIcimsRecord, type GeneratedApplicants, type IcimsCustomerFixtures, type IcimsFixtureRecord, type IcimsFixtures } from './fixtures';
import { addGeneratedApplications, workflowStatus, type GeneratedApplication, type GeneratedApplicationOptions } from './generated';

/** One request as the sandbox saw it. Never the credential itself: only which scheme was used. */
export interface IcimsSandboxRequest {
  at: number;
  method: string;
  path: string;
  query: Record<string, string>;
  auth: 'basic' | 'bearer' | 'none' | 'form';
  /** HTTP status answered, or 'hang'. */
  answer: number | 'hang';
}

export interface IcimsFaultRequest {
  /** Added to every API answer (not the token endpoint). */
  latencyMs?: number;
  /** Delay of the token endpoint's answer (to make concurrent token fetches overlap in tests). */
  tokenLatencyMs?: number;
  /**
   * 429 for the next `count` API requests, or for every API request during the next `forMs`
   * (a storm: every caller is refused however fast it retries); Retry-After in seconds (or an
   * HTTP date; null: no header). `customerId` limits the fault to that customer's records.
   */
  rateLimit?: { count?: number; forMs?: number; retryAfter?: string | number | null; customerId?: string };
  /** The next N API requests get this 5xx (default 500); with `path` (e.g. "/customers/1234/people/3") only requests for it. */
  serverError?: { count: number; status?: number; path?: string };
  /** The next N API requests never get an answer (client timeout). */
  hang?: { count: number };
  /** Invalidate every token issued so far (the next API call with one gets 401). */
  revokeTokens?: boolean;
  /** Reject every bearer token, even fresh ones (credentials revoked at iCIMS). */
  rejectAllTokens?: boolean;
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface BasicUser {
  username: string;
  password: string;
}

export class IcimsSandboxState {
  readonly requests: IcimsSandboxRequest[] = [];
  readonly tokens = new Set<string>();
  faults = IcimsSandboxState.noFaults();
  /** The sandbox's own origin (profile links in records point at it); set when it listens. */
  origin = '';
  /** Generated applicants served besides the fixtures (load runs); null: none. */
  generated: GeneratedApplicants | null = null;

  constructor(
    public fixtures: IcimsFixtures,
    readonly clients: OAuthClient[],
    readonly users: BasicUser[],
    readonly audience: string,
    public tokenLifetimeSeconds: number,
  ) {}

  static noFaults() {
    return {
      latencyMs: 0,
      tokenLatencyMs: 0,
      rateLimit: { remaining: 0, until: 0, retryAfter: '1' as string | null, customerId: null as string | null },
      serverError: { remaining: 0, status: 500, path: null as string | null },
      hang: { remaining: 0 },
      rejectAllTokens: false,
    };
  }

  issueToken(): string {
    const token = `sbx-${randomBytes(16).toString('hex')}`;
    this.tokens.add(token);
    return token;
  }

  applyFaults(request: IcimsFaultRequest): void {
    if (request.latencyMs !== undefined) this.faults.latencyMs = Math.max(0, request.latencyMs);
    if (request.tokenLatencyMs !== undefined) this.faults.tokenLatencyMs = Math.max(0, request.tokenLatencyMs);
    if (request.rateLimit) {
      this.faults.rateLimit = {
        remaining: request.rateLimit.count ?? 0,
        until: request.rateLimit.forMs !== undefined ? Date.now() + request.rateLimit.forMs : 0,
        retryAfter: request.rateLimit.retryAfter === null ? null : String(request.rateLimit.retryAfter ?? '1'),
        customerId: request.rateLimit.customerId ?? null,
      };
    }
    if (request.serverError) this.faults.serverError = { remaining: request.serverError.count, status: request.serverError.status ?? 500, path: request.serverError.path ?? null };
    if (request.hang) this.faults.hang = { remaining: request.hang.count };
    if (request.revokeTokens) this.tokens.clear();
    if (request.rejectAllTokens !== undefined) this.faults.rejectAllTokens = request.rejectAllTokens;
  }

  /**
   * A recruiter moves a workflow to `status`, as iCIMS records it: the status changes and
   * `updateddate` becomes the time of the change, to the minute. Setting the status it already
   * has changes nothing (iCIMS records no change). Returns the record; undefined if there is none.
   */
  setWorkflowStatus(customerId: string, workflowId: string, status: { id: string; value: string }, atMs: number = Date.now()): IcimsFixtureRecord | undefined {
    const record = this.record(customerId, 'applicantworkflows', workflowId);
    if (!record) return undefined;
    // A generated workflow becomes a stored one when it changes, so the change sticks.
    (this.fixtures[customerId] ??= { people: {}, jobs: {}, applicantworkflows: {} }).applicantworkflows[workflowId] = record;
    const current = record.status as { id?: unknown } | undefined;
    if (current?.id !== undefined && String(current.id) === status.id) return record;
    record.status = { id: status.id, value: status.value };
    record.updateddate = formatIcimsDateTime(atMs);
    return record;
  }

  /** A stored record, else a generated one; undefined when iCIMS would answer 404. */
  record(customerId: string, kind: keyof IcimsCustomerFixtures, id: string): IcimsFixtureRecord | undefined {
    const stored = this.fixtures[customerId]?.[kind]?.[id];
    if (stored) return stored;
    return this.generated?.customerId === customerId ? generatedIcimsRecord(this.origin, this.generated, kind, id) : undefined;
  }

  /** Whether this API request is answered 429 (and uses up one of a counted fault). */
  takeRateLimit(customerId: string, now = Date.now()): boolean {
    const rateLimit = this.faults.rateLimit;
    if (rateLimit.customerId !== null && rateLimit.customerId !== customerId) return false;
    if (now < rateLimit.until) return true;
    if (rateLimit.remaining <= 0) return false;
    rateLimit.remaining -= 1;
    return true;
  }

  /** Adds `count` distinct applications to a customer (see generated.ts); ids follow from the index. */
  generateApplications(customerId: string, count: number, options: GeneratedApplicationOptions & { first?: number } = {}): GeneratedApplication[] {
    const customer = (this.fixtures[customerId] ??= { people: {}, jobs: {}, applicantworkflows: {} });
    return addGeneratedApplications(customer, this.origin, customerId, count, options);
  }

  /**
   * The recruiter moved the candidate: the workflow shows the new status from now on, as iCIMS
   * does by the time it sends the event. False when the workflow does not exist.
   */
  moveWorkflow(customerId: string, systemId: string, statusId: string): boolean {
    const workflow = this.fixtures[customerId]?.applicantworkflows[systemId];
    if (!workflow) return false;
    // As setWorkflowStatus: iCIMS's updateddate format, to the minute.
    this.setWorkflowStatus(customerId, systemId, workflowStatus(statusId));
    return true;
  }

  /** Clears faults and the request log (tokens stay valid). */
  reset(): void {
    this.faults = IcimsSandboxState.noFaults();
    this.requests.length = 0;
  }

  /** Requests to API records (not the token endpoint, not controls), for counting. */
  apiRequests(): IcimsSandboxRequest[] {
    return this.requests.filter((request) => request.path.startsWith('/customers/'));
  }

  tokenRequests(): IcimsSandboxRequest[] {
    return this.requests.filter((request) => request.path === '/oauth/token');
  }
}
