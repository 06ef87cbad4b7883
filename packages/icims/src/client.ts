import http from 'node:http';
import https from 'node:https';
import axios, { type AxiosInstance } from 'axios';
import type { RedisConnection } from '@status-bridge/core';
import { PermanentError, RateLimitedError, USER_AGENT, type SharedTokenCache } from '@status-bridge/core';
import { ActorReader, DEFAULT_USER_CACHE_TTL_SECONDS, type ActorRead, type ActorRequest } from './actor';
import { BackoffGate, GATE_CLOSED_CODE, GATE_PROBING_CODE, type GateAdmission } from './backoff-gate';
import { basicHeader, fetchClientCredentialsToken, tokenCacheId, type IcimsCredentials } from './auth';
import { classifyIcimsNetworkError, classifyIcimsResponse } from './classify';
import { JobProfileCache } from './job-cache';
import { apiOrigin, type IcimsRecordKind } from './links';
import { JOB_FIELDS, PERSON_FIELDS, readJob, readPerson, readWorkflow, WORKFLOW_FIELDS, type IcimsRecord, type JobProfile, type Person, type Workflow } from './records';
import { RequestBudget } from './request-budget';
import { SingleFlight } from './single-flight';
import { icimsTokenCache } from './token-cache';

/**
 * iCIMS REST client. Knows HTTP, auth, the daily budget, the tenant's back-off gate and the job
 * and user caches; knows nothing of queues. Returns typed records or throws PermanentError /
 * RetryableError / RateLimitedError (the caller delays the work by its `delayMs`).
 *
 * - HTTP/1.1 only (iCIMS answers 505 to anything else): Node's http(s) agents, keep-alive.
 * - Redirects are not followed: a redirect could carry our credentials to another host.
 * - Every GET asks only for the fields it reads (`fields=`), to spend the request well.
 * - A 429 closes the tenant's back-off gate (backoff-gate.ts); every request checks it first.
 * - Concurrent reads of one record (tenant, URL, fields) in this process share one request.
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
  /** How long an acting user's name and email (or their 404) stay cached (0: no cache; default a day). */
  userCacheTtlSeconds?: number;
  /** Called once per request sent, with its outcome (ok, retry, permanent, rate_limited, refresh, network). */
  onRequest?: (tenantId: string, outcome: string) => void;
  /** Called once per tenant and day when 80% of the daily budget is used. */
  onBudgetWarning?: (tenantId: string, used: number, budget: number) => void;
  tokenCache?: { marginMs?: number; lockTtlMs?: number };
  /** Wait after a 429 without a usable Retry-After (iCIMS documents none; docs/partners/icims.md#rate-limits-and-errors). */
  defaultRetryAfterMs?: number;
  /** Jitter spread over the waits the back-off gate hands out (default 2000 ms). */
  backoffJitterMs?: number;
  /** Called once per closing of a tenant's back-off gate, across all processes (not per job). */
  onBackoffClosed?: (tenantId: string, waitMs: number) => void;
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
  /**
   * iCIMS requests this event sent itself (not counting a token refresh); a record read shared
   * with a concurrent event's identical read counts for the event that sent it.
   */
  requests: number;
  jobFromCache: boolean;
  /** The acting user, when the caller asked for it (never fails the event; see actor.ts). */
  actor?: ActorRead;
}

type RecordGet = { url: string; fields: readonly string[]; what: string; signal?: AbortSignal };

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
  readonly gate: BackoffGate;
  readonly actors: ActorReader;
  private readonly recordFlights = new SingleFlight<IcimsRecord>();
  private readonly jobFlights = new SingleFlight<IcimsRecord>();

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
    this.tokens = icimsTokenCache(options.redis, options.prefix, options.tokenCache);
    this.budget = new RequestBudget(options.redis, options.prefix, options.onBudgetWarning);
    this.jobs = new JobProfileCache(options.redis, options.prefix, options.jobCacheTtlSeconds);
    this.actors = new ActorReader(options.redis, options.prefix, options.userCacheTtlSeconds ?? DEFAULT_USER_CACHE_TTL_SECONDS, (access, request) => this.getRecord(access, request));
    // A probing event's requests (a token fetch and a read, each bounded by the timeout) fit in its lease.
    this.gate = new BackoffGate(options.redis, options.prefix, { jitterMs: options.backoffJitterMs ?? 2_000, probeLeaseMs: 2 * options.timeoutMs + 1_000 });
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

  /**
   * Checks the tenant's back-off gate before an event: throws RateLimitedError (jittered wait)
   * while it is closed, or while another event probes whether iCIMS still limits the tenant.
   */
  async admit(access: IcimsTenantAccess): Promise<GateAdmission> {
    const admission = await this.gate.admit(access.tenantId);
    if (admission.state === 'closed' || admission.state === 'probing') throw this.gateError(access.tenantId, admission, 'this event');
    return admission;
  }

  /**
   * GET one record as a map, with `fields=`, auth, one token refresh on 401/403, and
   * classification. Concurrent identical reads in this process share one request (and its
   * outcome, errors included); the shared request carries the first caller's abort signal.
   */
  async getRecord(access: IcimsTenantAccess, request: RecordGet): Promise<IcimsRecord> {
    return (await this.readRecordOnce(access, request)).value;
  }

  private readRecordOnce(access: IcimsTenantAccess, request: RecordGet): Promise<{ value: IcimsRecord; shared: boolean }> {
    return this.recordFlights.run(JSON.stringify([access.tenantId, request.url, request.fields]), () => this.fetchRecord(access, request));
  }

  private async fetchRecord(access: IcimsTenantAccess, request: RecordGet): Promise<IcimsRecord> {
    // Defence in depth: callers pass allow-listed URLs; refuse anything else without a request.
    if (!request.url.startsWith(`${apiOrigin(access.origin)}/`)) {
      throw new PermanentError(`refused to send tenant ${access.tenantId}'s iCIMS credentials outside the configured API origin`, { partner: 'icims', tenantId: access.tenantId });
    }
    let fresh = access.credentials.type === 'basic';
    for (;;) {
      const authorization = await this.authorization(access);
      // Every request, the refresh's retry included, honours the tenant's gate: a 429 met by
      // another job (in any process) stops this one from spending a request on another 429.
      // The same script counts the request against the licence as it goes out (one round trip).
      const remainingMs = await this.budget.countIfOpen(access.tenantId, access.dailyRequestBudget, this.gate.keys(access.tenantId)[0]);
      if (remainingMs > 0) throw this.gateError(access.tenantId, { state: 'closed', remainingMs }, request.what);
      let response;
      try {
        response = await this.http.get(request.url, { params: { fields: request.fields.join(',') }, headers: { Authorization: authorization.header }, signal: request.signal });
      } catch (error) {
        this.counted(access, 'network');
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
        this.counted(access, 'ok');
        return outcome.record;
      }
      if (outcome.kind === 'refresh-token') {
        // Refresh once: forget the rejected token (unless another process already replaced it) and retry.
        this.counted(access, 'refresh');
        if (authorization.token !== undefined && access.credentials.type === 'oauth') {
          await this.tokens.invalidate(tokenCacheId(access.tenantId, access.credentials), authorization.token);
        }
        fresh = true;
        continue;
      }
      const error = outcome.error;
      if (error instanceof RateLimitedError) {
        // Close the gate at once: the other jobs should stop calling now.
        const gateWaitMs = await this.closeGate(access.tenantId, error.delayMs);
        this.counted(access, 'rate_limited');
        // The job that met the 429 waits exactly Retry-After (or the later gate), unjittered:
        // it is the natural first probe when the gate opens; the jobs the gate turns away are spread.
        throw gateWaitMs > error.delayMs ? new RateLimitedError(error.message, error.details, gateWaitMs) : error;
      }
      this.counted(access, error.retryable ? 'retry' : 'permanent');
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
  async getJob(access: IcimsTenantAccess, customerId: string, request: Omit<RecordRequest, 'kind'>): Promise<{ job: JobProfile; fromCache: boolean; requested: boolean }> {
    const cached = await this.jobs.get(customerId, request.id, IcimsClient.fieldsFor('jobs', request.customFields));
    return this.jobProfile(access, customerId, request, cached);
  }

  /**
   * The job profile given the cache's answer (read once per event by the caller). On a miss,
   * concurrent misses for the same job in this process share one request, and the flight ends
   * only after the record is in the cache, so a later event of this process reads it there.
   * Misses in other processes at the same moment each send their own request (at most one per
   * process per job and cache lifetime; measured in apps/worker/test/enrich-storm.test.ts, where
   * a Redis lock across processes was judged not worth its wait: see docs/architecture.md).
   */
  private async jobProfile(
    access: IcimsTenantAccess,
    customerId: string,
    request: Omit<RecordRequest, 'kind'>,
    cached: IcimsRecord | undefined,
  ): Promise<{ job: JobProfile; fromCache: boolean; requested: boolean }> {
    if (cached) return { job: readJob(request.id, cached, request.customFields), fromCache: true, requested: false };
    const fields = IcimsClient.fieldsFor('jobs', request.customFields);
    const flight = await this.jobFlights.run(this.jobFlightKey(access, customerId, request), async () => {
      const record = await this.getRecord(access, { url: request.url, fields, what: `jobs ${request.id}`, signal: request.signal });
      await this.jobs.set(customerId, request.id, fields, record);
      return record;
    });
    return { job: readJob(request.id, flight.value, request.customFields), fromCache: false, requested: !flight.shared };
  }

  /**
   * The three records behind one status change, and the acting user when asked, fetched in
   * parallel. Order: the tenant's back-off gate (a closed gate reserves nothing) together with
   * one read of the job cache and one of the user cache, the budget for the requests it will
   * really make (2 when both are cached), then the reads. When the gate lets this event probe after a 429 storm, its
   * answers open the gate for the tenant's other events.
   */
  async readStatusChangeRecords(
    access: IcimsTenantAccess,
    customerId: string,
    records: { workflow: Omit<RecordRequest, 'kind'>; person: Omit<RecordRequest, 'kind'>; job: Omit<RecordRequest, 'kind'>; actor?: ActorRequest },
  ): Promise<StatusChangeRecords> {
    // A fetch of this job already running in this process is joined without reading the cache
    // (else its result could land between our cache miss and our join, and we would fetch again).
    const runningJob = this.jobFlights.current(this.jobFlightKey(access, customerId, records.job));
    // The gate and the two cache reads go out together (one wait instead of two in a row: the
    // reads are side-effect free, so when the gate turns the event away they are simply dropped).
    const [admitted, cacheReads] = await Promise.allSettled([
      this.admit(access),
      Promise.all([
        runningJob ? undefined : this.jobs.get(customerId, records.job.id, IcimsClient.fieldsFor('jobs', records.job.customFields)),
        records.actor ? this.actors.lookup(access, customerId, records.actor) : undefined,
      ]),
    ]);
    if (admitted.status === 'rejected') throw admitted.reason;
    const admission = admitted.value;
    try {
      if (cacheReads.status === 'rejected') throw cacheReads.reason;
      const [cachedJob, actorLookup] = cacheReads.value;
      await this.reserve(access, (cachedJob || runningJob ? 2 : 3) + (actorLookup ? ActorReader.requestsNeeded(actorLookup) : 0));
      const [workflow, person, job, actor] = await Promise.all([
        this.readOwnRecord(access, 'applicantworkflows', records.workflow),
        this.readOwnRecord(access, 'people', records.person),
        runningJob
          ? runningJob.then((record) => ({ job: readJob(records.job.id, record, records.job.customFields), fromCache: false, requested: false }))
          : this.jobProfile(access, customerId, records.job, cachedJob),
        records.actor && actorLookup ? this.actors.read(access, customerId, records.actor, actorLookup) : undefined,
      ]);
      if (admission.state === 'probe') await this.gate.probeSucceeded(access.tenantId).catch(() => undefined);
      return {
        workflow: readWorkflow(records.workflow.id, workflow.value, records.workflow.customFields),
        person: readPerson(records.person.id, person.value, records.person.customFields),
        job: job.job,
        requests: Number(!workflow.shared) + Number(!person.shared) + Number(job.requested) + Number(actor?.requested ?? false),
        jobFromCache: job.fromCache,
        ...(actor ? { actor: actor.actor } : {}),
      };
    } catch (error) {
      // The probe ended without opening the gate (a 429 already closed it again; anything else
      // tells nothing about the limit): let another event probe.
      if (admission.state === 'probe') await this.gate.probeEnded(access.tenantId, admission.probeId).catch(() => undefined);
      throw error;
    }
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

  private jobFlightKey(access: IcimsTenantAccess, customerId: string, request: Omit<RecordRequest, 'kind'>): string {
    return JSON.stringify([access.tenantId, this.jobs.key(customerId, request.id, IcimsClient.fieldsFor('jobs', request.customFields))]);
  }

  private readOwnRecord(access: IcimsTenantAccess, kind: 'applicantworkflows' | 'people', request: Omit<RecordRequest, 'kind'>): Promise<{ value: IcimsRecord; shared: boolean }> {
    const fields = IcimsClient.fieldsFor(kind, request.customFields);
    return this.readRecordOnce(access, { url: request.url, fields, what: `${kind} ${request.id}`, signal: request.signal });
  }

  /** Closes the tenant's gate after a 429; answers how long the tenant must now wait. */
  private async closeGate(tenantId: string, delayMs: number): Promise<number> {
    try {
      const { closing, remainingMs } = await this.gate.close(tenantId, delayMs);
      if (closing === 'closed') this.options.onBackoffClosed?.(tenantId, remainingMs);
      return remainingMs;
    } catch {
      // Redis unavailable: this job still waits for itself.
      return delayMs;
    }
  }

  private gateError(tenantId: string, admission: { state: 'closed' | 'probing'; remainingMs: number }, what: string): RateLimitedError {
    const waitMs = this.gate.waitFor(admission);
    const why =
      admission.state === 'closed'
        ? `iCIMS rate-limited tenant ${tenantId}: its back-off gate is closed for ${admission.remainingMs} ms more`
        : `iCIMS rate-limited tenant ${tenantId} recently: another event is probing whether the limit is over`;
    return new RateLimitedError(`${why}; ${what} waits ${waitMs} ms`, { partner: 'icims', tenantId, code: admission.state === 'closed' ? GATE_CLOSED_CODE : GATE_PROBING_CODE }, waitMs);
  }

  /** The request's outcome for the metrics; the licence counted it as it went out (countIfOpen). */
  private counted(access: IcimsTenantAccess, outcome: string): void {
    this.options.onRequest?.(access.tenantId, outcome);
  }
}
