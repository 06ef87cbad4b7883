import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { RedisConnection } from '@status-bridge/core';
import { PermanentError, RateLimitedError, USER_AGENT } from '@status-bridge/core';
import { basicHeader, fetchClientCredentialsToken, tokenCacheId, type IcimsCredentials } from './auth';
import { classifyIcimsNetworkError, classifyIcimsResponse } from './classify';
import { JobProfileCache } from './job-cache';
import { apiOrigin, type IcimsRecordKind } from './links';
import { JOB_FIELDS, PERSON_FIELDS, readJob, readPerson, readWorkflow, WORKFLOW_FIELDS, type IcimsRecord, type JobProfile, type Person, type Workflow } from './records';
import { RequestBudget } from './request-budget';
import { SharedTokenCache } from './token-cache';

/**
 * iCIMS REST client. Knows HTTP, auth, the daily budget and the job cache; knows nothing of
 * queues. Returns typed records or throws PermanentError / RetryableError / RateLimitedError.
 *
 * - HTTP/1.1 only (iCIMS answers 505 to anything else): Node's http(s) agents, keep-alive.
 * - Redirects are not followed: a redirect could carry our credentials to another host.
 * - Every GET asks only for the fields it reads (`fields=`), to spend the request well.
 */
export interface IcimsTenantAccess {
  tenantId: string;
  /** The tenant's API origin (its apiBaseUrl, else ICIMS_API_BASE_URL). Requests go nowhere else. */
  origin: string;
  credentials: IcimsCredentials;
  dailyRequestBudget: number;
}

export interface IcimsClientOptions {
  redis: RedisConnection;
  /** Queue prefix; our keys live under it (core ownKey). */
  prefix: string;
  timeoutMs: number;
  jobCacheTtlSeconds: number;
  /** Called once per request sent, with its outcome (ok, retry, permanent, rate_limited, refresh, network). */
  onRequest?: (tenantId: string, outcome: string) => void;
  /** Called once per tenant and day when 80% of the daily budget is used. */
  onBudgetWarning?: (tenantId: string, used: number, budget: number) => void;
  tokenCache?: { marginMs?: number; lockTtlMs?: number };
  /** Wait after a 429 without a usable Retry-After (iCIMS documents none; research A3). */
  defaultRetryAfterMs?: number;
}

export interface RecordRequest {
  kind: IcimsRecordKind;
  /** Already checked by the link allow-list or built from the origin and ids. */
  url: string;
  id: string;
  /** Tenant custom fields (e.g. field51234) to ask for besides the standard ones. */
  customFields: readonly string[];
  /** Aborts the request (the worker is shutting down). */
  signal?: AbortSignal;
}

export interface StatusChangeRecords {
  workflow: Workflow;
  person: Person;
  job: JobProfile;
  /** iCIMS requests this read cost (not counting a token refresh). */
  requests: number;
  jobFromCache: boolean;
}

const STANDARD_FIELDS: Record<IcimsRecordKind, readonly string[]> = {
  applicantworkflows: WORKFLOW_FIELDS,
  people: PERSON_FIELDS,
  jobs: JOB_FIELDS,
};

export class IcimsClient {
  readonly http: AxiosInstance;
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 50 });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 50 });
  readonly tokens: SharedTokenCache;
  readonly budget: RequestBudget;
  readonly jobs: JobProfileCache;

  constructor(private readonly options: IcimsClientOptions) {
    this.http = axios.create({
      timeout: options.timeoutMs,
      httpAgent: this.httpAgent,
      httpsAgent: this.httpsAgent,
      maxRedirects: 0,
      proxy: false,
      validateStatus: () => true,
      headers: { Accept: 'application/json', 'User-Agent': USER_AGENT },
    });
    this.tokens = new SharedTokenCache(options.redis, options.prefix, options.tokenCache);
    this.budget = new RequestBudget(options.redis, options.prefix, options.onBudgetWarning);
    this.jobs = new JobProfileCache(options.redis, options.prefix, options.jobCacheTtlSeconds);
  }

  /** Fields= list for a record kind plus the tenant's custom fields, lowercase, no duplicates. */
  static fieldsFor(kind: IcimsRecordKind, customFields: readonly string[]): string[] {
    return [...new Set([...STANDARD_FIELDS[kind], ...customFields.map((field) => field.toLowerCase())])];
  }

  /**
   * Reserves `requests` of the tenant's daily budget. While pacing (past 80%) or when the budget
   * is spent, throws RateLimitedError with the wait; the caller delays the work for this tenant.
   */
  async reserve(access: IcimsTenantAccess, requests: number): Promise<void> {
    if (requests <= 0) return;
    const admission = await this.budget.admit(access.tenantId, requests, access.dailyRequestBudget);
    if (admission.waitMs > 0) {
      throw new RateLimitedError(
        `iCIMS daily request budget of tenant ${access.tenantId}: ${admission.used}/${admission.budget} used; pacing the rest of the day`,
        { partner: 'icims', tenantId: access.tenantId, code: 'DAILY_BUDGET_PACING' },
        admission.waitMs,
      );
    }
  }

  /** GET one record as a map, with `fields=`, auth, one token refresh on 401/403, and classification. */
  async getRecord(access: IcimsTenantAccess, request: { url: string; fields: readonly string[]; what: string; signal?: AbortSignal }): Promise<IcimsRecord> {
    // Defence in depth: callers pass allow-listed URLs; refuse anything else without a request.
    if (!request.url.startsWith(`${apiOrigin(access.origin)}/`)) {
      throw new PermanentError(`refused to send tenant ${access.tenantId}'s iCIMS credentials outside the configured API origin`, { partner: 'icims', tenantId: access.tenantId });
    }
    let fresh = access.credentials.type === 'basic';
    for (;;) {
      const authorization = await this.authorization(access);
      let response;
      try {
        response = await this.http.get(request.url, { params: { fields: request.fields.join(',') }, headers: { Authorization: authorization.header }, signal: request.signal });
      } catch (error) {
        await this.counted(access, 'network');
        throw classifyIcimsNetworkError(error, access.tenantId, request.what);
      }
      const outcome = classifyIcimsResponse({
        status: response.status,
        headers: response.headers as Record<string, unknown>,
        body: response.data,
        tenantId: access.tenantId,
        what: request.what,
        credentialsFresh: fresh || authorization.fetchedNow,
        defaultRetryAfterMs: this.options.defaultRetryAfterMs,
      });
      if (outcome.kind === 'ok') {
        await this.counted(access, 'ok');
        return outcome.record;
      }
      if (outcome.kind === 'refresh-token') {
        // Refresh once: forget the rejected token (unless another process already replaced it) and retry.
        await this.counted(access, 'refresh');
        if (authorization.token !== undefined && access.credentials.type === 'oauth') {
          await this.tokens.invalidate(tokenCacheId(access.tenantId, access.credentials), authorization.token);
        }
        fresh = true;
        continue;
      }
      const error = outcome.error;
      await this.counted(access, error instanceof RateLimitedError ? 'rate_limited' : error.retryable ? 'retry' : 'permanent');
      throw error;
    }
  }

  async getWorkflow(access: IcimsTenantAccess, request: Omit<RecordRequest, 'kind'>): Promise<Workflow> {
    const fields = IcimsClient.fieldsFor('applicantworkflows', request.customFields);
    const record = await this.getRecord(access, { url: request.url, fields, what: `applicantworkflows ${request.id}`, signal: request.signal });
    return readWorkflow(request.id, record, request.customFields);
  }

  async getPerson(access: IcimsTenantAccess, request: Omit<RecordRequest, 'kind'>): Promise<Person> {
    const fields = IcimsClient.fieldsFor('people', request.customFields);
    const record = await this.getRecord(access, { url: request.url, fields, what: `people ${request.id}`, signal: request.signal });
    return readPerson(request.id, record, request.customFields);
  }

  /** The job profile, from the Redis cache when possible. */
  async getJob(access: IcimsTenantAccess, customerId: string, request: Omit<RecordRequest, 'kind'>): Promise<{ job: JobProfile; fromCache: boolean }> {
    const fields = IcimsClient.fieldsFor('jobs', request.customFields);
    const cached = await this.jobs.get(customerId, request.id, fields);
    if (cached) return { job: readJob(request.id, cached, request.customFields), fromCache: true };
    const record = await this.getRecord(access, { url: request.url, fields, what: `jobs ${request.id}`, signal: request.signal });
    await this.jobs.set(customerId, request.id, fields, record);
    return { job: readJob(request.id, record, request.customFields), fromCache: false };
  }

  /**
   * The three records behind one status change, fetched in parallel: reserves the budget for the
   * requests it will really make (2 when the job is cached), then reads.
   */
  async readStatusChangeRecords(
    access: IcimsTenantAccess,
    customerId: string,
    records: { workflow: Omit<RecordRequest, 'kind'>; person: Omit<RecordRequest, 'kind'>; job: Omit<RecordRequest, 'kind'> },
  ): Promise<StatusChangeRecords> {
    const jobFields = IcimsClient.fieldsFor('jobs', records.job.customFields);
    const jobCached = (await this.jobs.get(customerId, records.job.id, jobFields)) !== undefined;
    const requests = jobCached ? 2 : 3;
    await this.reserve(access, requests);
    const [workflow, person, job] = await Promise.all([
      this.getWorkflow(access, records.workflow),
      this.getPerson(access, records.person),
      this.getJob(access, customerId, records.job),
    ]);
    return { workflow, person, job: job.job, requests: job.fromCache ? 2 : 3, jobFromCache: job.fromCache };
  }

  async close(): Promise<void> {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private async authorization(access: IcimsTenantAccess): Promise<{ header: string; token?: string; fetchedNow: boolean }> {
    const credentials = access.credentials;
    if (credentials.type === 'basic') return { header: basicHeader(credentials), fetchedNow: true };
    let fetchedNow = false;
    const token = await this.tokens.get(tokenCacheId(access.tenantId, credentials), async () => {
      fetchedNow = true;
      return fetchClientCredentialsToken(this.http, access.tenantId, credentials);
    });
    return { header: `Bearer ${token}`, token, fetchedNow };
  }

  private async counted(access: IcimsTenantAccess, outcome: string): Promise<void> {
    this.options.onRequest?.(access.tenantId, outcome);
    // Every request that reached iCIMS (or tried to) counts against the licence.
    await this.budget.count(access.tenantId, access.dailyRequestBudget).catch(() => undefined);
  }
}
