import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RedisConnection as Redis } from './redis';
import type { EnvSource } from './env';
import type { Logger } from './logger';
import type { StatusChange } from './payloads';
import type { CanonicalStage } from './stages';

/**
 * The partner contract: what every delivery partner (a job board, a customer's own system)
 * provides, so that the core and the apps name no partner and loop over a registry instead
 * (`packages/partners`). A new partner is its own package exporting one `PartnerDefinition`
 * plus one entry in that registry; see docs/architecture.md "Adding a partner".
 *
 * Shape borrowed from n8n's nodes-base (one folder per integration, the core names none) and
 * BullMQ's builtin backoff strategies (a small registry behind a documented seam).
 *
 * Direction of imports: partner packages → core; the registry → partner packages; apps → registry.
 */

/** Settings every partner's tenant section has; core merges them into the partner's schema. */
export interface PartnerSectionBase {
  /** false: switched off for this tenant; its events are skipped and counted as `disabled`. */
  enabled?: boolean;
  /** Canonical stage → partner status, replacing the partner's default table for this tenant. */
  stageMapping?: Partial<Record<CanonicalStage, string>>;
  /** iCIMS status id → partner status, winning over the stage mapping. */
  statusOverrides?: Record<string, string>;
}

/** One environment variable in an ajv env schema (see env.ts). */
export interface EnvProperty {
  type: 'string' | 'integer' | 'boolean' | 'number';
  description: string;
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  pattern?: string;
  enum?: readonly unknown[];
}

/** What a partner needs read from iCIMS for one tenant, besides the standard fields. */
export interface IcimsNeeds {
  /** Custom fields of the applicant workflow (e.g. the field holding the job board's own application id). */
  workflowFields?: readonly string[];
  /** Custom fields of the candidate's person record. */
  personFields?: readonly string[];
  /** Custom fields of the job. */
  jobFields?: readonly string[];
  /**
   * true: read the acting iCIMS user (the event's userId: the recruiter who changed the status)
   * into `EnrichedRecords.actor`. One more request per user and cache lifetime
   * (ICIMS_USER_CACHE_TTL_SECONDS), so ask only when the partner sends it.
   */
  actor?: boolean;
}

/**
 * The acting iCIMS user: a colleague's name and email, PII like the candidate's. Never logged;
 * the dashboard masks these keys in job data.
 */
export interface EnrichedActor {
  /** "<first> <last>"; absent when iCIMS gave no name. */
  formattedName?: string;
  givenName?: string;
  familyName?: string;
  email?: string;
}

/** The iCIMS data a partner's `plan` may read (custom fields as text, lower-case names). */
export interface EnrichedRecords {
  workflow: { custom: Readonly<Record<string, string>>; source?: string };
  person: { custom: Readonly<Record<string, string>> };
  job: { custom: Readonly<Record<string, string>> };
  /**
   * The acting user, only when a planned partner asked for it (`IcimsNeeds.actor`) and it could be
   * read. Absent also when the user is unknown to iCIMS or hidden from the integration user, the
   * read failed, or the user is the candidate: the enrichment counts the reason
   * (`status_bridge_actor_fallbacks_total{partner,reason}`) and the partner names its fallback party.
   */
  actor?: EnrichedActor;
}

/** Our own Redis keys and logs, for a partner's stores (always under the hash-tagged prefix). */
export interface PartnerStorage {
  redis: Redis;
  /** The queue prefix; build keys with `ownKey(prefix, <partner key>, …)`. */
  prefix: string;
  logger: Logger;
}

export interface PlanInput<Section> {
  tenantId: string;
  section: Section;
  statusChange: StatusChange;
  /** The partner status the tenant's mapping chose (already checked against `statuses.accepted`). */
  status: string;
  records: EnrichedRecords;
}

/** One of several delivery jobs a partner makes of one event (e.g. one per receiving endpoint a tenant configures). */
export interface PlannedDelivery<Delivery> {
  /**
   * Ends the job id: `<enrich id>-<key>-<part>`. Stable for the same target (a retried enrichment
   * must re-add the same ids, which BullMQ ignores), unique within one plan, [A-Za-z0-9_-] only.
   */
  part: string;
  delivery: Delivery;
}

/**
 * The partner data of one delivery job (`delivery`), of several jobs each retried on its own
 * (`deliveries`, never empty), or a skip that is logged and counted (`status_bridge_skips_total{partner,reason}`).
 */
export type PlanResult<Delivery> = { delivery: Delivery } | { deliveries: Array<PlannedDelivery<Delivery>> } | { skip: string; detail?: string };

export interface DeliveryRequest<Section, Delivery> {
  tenantId: string;
  section: Section;
  statusChange: StatusChange;
  delivery: Delivery;
  /** The queue job's id: stable across retries (an idempotency key for partners that take one). */
  jobId: string;
  /** 1-based attempt number and the queue's attempts. */
  attempt: number;
  maxAttempts: number;
  /** Fires when the worker shuts down past its bound; pass it to HTTP requests. */
  signal?: AbortSignal;
  /** Adds a line to the job's log (shown in the dashboard). No PII. */
  note(line: string): Promise<void>;
}

/**
 * What a delivery came to. Partner errors are thrown instead (core errors.ts: PermanentError,
 * RetryableError, RateLimitedError with `details.partner` = the partner's key) and the worker turns
 * them into retries, dead letters or a queue pause.
 */
export type DeliveryOutcome =
  /**
   * The partner accepted it; `duplicate`: the partner said it already had it (e.g. a GraphQL _Conflict answer to a repeated idempotency id).
   * Both count as done. `detail` is the completed job's return value (shown in the dashboard) and
   * rides on the log line: ids and statuses only, never candidate data or secrets.
   */
  | { outcome: 'delivered' | 'duplicate'; detail?: Record<string, unknown> }
  /** A newer change of the same record overtook it (current-state partners); nothing was sent. Not a failure. Return value `{superseded: true, by, ...detail}`. */
  | { outcome: 'superseded'; by?: string; detail?: Record<string, unknown> }
  /** Deliberately not sent (e.g. no position profile); counted by reason. */
  | { outcome: 'skipped'; reason: string }
  /** Not now (a per-tenant limit, a record busy on another worker): back to delayed without spending an attempt. */
  | { outcome: 'later'; delayMs: number; reason: string };

/** What a partner's deliverer is built with, once per worker process that runs its queue. */
export interface PartnerRuntime<Section, Env> extends PartnerStorage {
  /** The partner's env variables, validated at start with the worker's env. */
  env: Env;
  /** Tenants that have this partner's section (enabled or not). */
  tenantIds(): string[];
  section(tenantId: string): Section | undefined;
  /** A secret named by the tenants file (loaded at start; see `tenant.secrets`). */
  secret(envName: string): string;
}

export interface Deliverer<Section, Delivery> {
  deliver(request: DeliveryRequest<Section, Delivery>): Promise<DeliveryOutcome>;
  /** Releases agents and timers at shutdown. */
  close(): Promise<void>;
}

/** A plain node:http handler (an Express Router is one). */
export type HttpHandler = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** What ingest offers a partner's extra routes. */
export interface PartnerIngestContext extends PartnerStorage {
  /** Authenticates the request with the inbound credentials of the customer named by the path parameter. */
  requireInboundAuth(customerIdParam?: string): HttpHandler;
  /** Answers in iCIMS's error standard: {"error": {"userMessage", "debugErrorMessage"}}. */
  answerError(res: ServerResponse, status: number, userMessage: string, debugErrorMessage: string): void;
}

/** A development stand-in (real HTTP) for npm start, the demo and tests. */
export interface PartnerSandboxDefinition {
  /** Port of the quick start (npm start), e.g. 4020; tests use 0. The runner reads `SANDBOX_<KEY>_PORT`. */
  defaultPort: number;
  /** Starts it, accepting the credentials the tenants file and env name for this partner. */
  start(options: { host: string; port: number; tenants: Array<{ tenantId: string; section: unknown }>; secret(envName: string): string; env: EnvSource }): Promise<RunningPartnerSandbox>;
  /**
   * Optional: worker variables that point at the real partner (e.g. its status URL). `npm start`
   * runs the quick start with sandboxes only while none of them (nor ICIMS_API_BASE_URL) is set.
   */
  liveEnv?: readonly string[];
  /** Optional: development values `npm start` sets for the quick start when unset (e.g. a partner-wide client id the sandbox accepts). Never real secrets. */
  quickStartEnv?: Readonly<Record<string, string>>;
  /**
   * Optional: the development value `npm start` gives a secret that a section of the example
   * tenants file names, for partners that check a secret's format at start (default
   * `dev-<variable>`). Deterministic, so a restarted quick start still verifies what it queued. Never real.
   */
  quickStartSecret?(envName: string): string;
  /**
   * Optional: lines for `npm run demo` about what the sandbox at `url` received since `sinceMs`,
   * read over HTTP (the demo runs in another process). Ids and statuses only, no candidate data.
   */
  describeReceived?(url: string, sinceMs: number): Promise<string[]>;
}

export interface RunningPartnerSandbox {
  url: string;
  /** Worker env that points this partner at the sandbox (e.g. its status URL variable). */
  workerEnv: Record<string, string>;
  /** What it received, for the demo's summary (no secrets). */
  received(): Promise<unknown[]>;
  close(): Promise<void>;
}

export interface PartnerDefinition<Key extends string = string, Section extends PartnerSectionBase = PartnerSectionBase, Delivery = unknown, Env = Record<string, unknown>> {
  /** Tenants-file section, queue key, metric label and failure-reason tag, lower-case, e.g. "acme-jobs". Never renamed. */
  key: Key;
  /** Shown in docs, logs and the dashboard, e.g. "Acme Jobs". */
  title: string;
  queue: {
    /** Redis name of the queue, e.g. "deliver-acme-jobs". DO NOT RENAME: queued jobs live under it. */
    name: string;
    /** Job name in the dashboard; never PII. */
    jobName: string;
    description: string;
    /** Attempts before a job fails for good (35 ≈ a day with the default backoff). */
    attempts: number;
  };
  tenant: {
    /** ajv schema of `tenants.<id>.<key>`: the partner's own properties (with `default`s); core adds PartnerSectionBase's. */
    schema: Record<string, unknown>;
    /** The env-var names of the secrets a section references, with the field naming each (for errors). */
    secrets(section: Section): Array<{ env: string; field: string }>;
  };
  /** Partner-wide environment variables the worker reads for it. */
  env: { properties: Record<string, EnvProperty>; required?: readonly string[] };
  statuses: {
    /** Statuses the partner accepts for this tenant (its vocabulary plus tenant extras). */
    accepted(section: Section): readonly string[];
    /** Default partner status per canonical stage; a stage without one is skipped (`no_partner_status`). */
    defaultsByStage: Readonly<Partial<Record<CanonicalStage, string>>>;
  };
  icimsNeeds(section: Section): IcimsNeeds;
  /** After the iCIMS read, before any partner call: the job's partner data, or a counted skip. */
  plan(input: PlanInput<Section>, storage: PartnerStorage): Promise<PlanResult<Delivery>>;
  /** Builds the deliverer; throws ConfigError (naming the variable) for settings it cannot work with. */
  createDeliverer(runtime: PartnerRuntime<Section, Env>): Deliverer<Section, Delivery> | Promise<Deliverer<Section, Delivery>>;
  /** Extra authenticated ingest routes (e.g. correlation records a job board's ids need). */
  ingestRoutes?(context: PartnerIngestContext): HttpHandler[];
  sandbox?: PartnerSandboxDefinition;
  /**
   * Optional: the family name of the partner's own error codes (PartnerErrorDetails.code) for
   * `npm run replay --error-class`. A GraphQL partner's is "graphql": a failed reason with the
   * code BAD_USER_INPUT is in the classes `graphql` and `graphql:BAD_USER_INPUT`. Network codes
   * (ECONNRESET …) and our `HTTP_<nnn>` fallbacks are never in it.
   */
  errorCodeClass?: string;
}

/**
 * Any partner definition, for code that loops over the registry without knowing the partners'
 * own types (the worker's shell, the enrichment, the sandbox runner).
 */
export type AnyPartnerDefinition = PartnerDefinition<string, any, any, any>;

/** A section switched on for its tenant (present, `enabled` not false). */
export function sectionEnabled(section: PartnerSectionBase | undefined): boolean {
  return section !== undefined && section !== null && section.enabled !== false;
}

/** The delivery job of partner K: the status change plus the partner's own data under its key (the shape queued jobs already have). */
export type DeliveryJob<K extends string, Delivery> = { statusChange: StatusChange } & { [P in K]: Delivery };

/** Identity helper that keeps the literal key type of a definition. */
export function definePartner<Key extends string, Section extends PartnerSectionBase, Delivery, Env>(
  definition: PartnerDefinition<Key, Section, Delivery, Env>,
): PartnerDefinition<Key, Section, Delivery, Env> {
  return definition;
}
