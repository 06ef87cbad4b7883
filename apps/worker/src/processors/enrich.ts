import { DelayedError, FlowProducer, type FlowJob } from 'bullmq';
import {
  deliveryJobId,
  jobPartitionPrefix,
  mapStatus,
  PermanentError,
  RateLimitedError,
  sectionEnabled,
  stageOf,
  type AnyPartnerDefinition,
  type EnrichedActor,
  type EnrichedRecords,
  type EnrichJob,
  type IcimsNeeds,
  type Logger,
  type PartnerSectionBase,
  type PartnerStatusDecision,
  type PartnerStorage,
  type TenantConfig,
} from '@status-bridge/core';
import {
  buildStatusChange,
  eventOrder,
  GATE_CLOSED_CODE,
  GATE_PROBING_CODE,
  IcimsClient,
  resolveEventRecordUrls,
  type ActorRead,
  type IcimsTenantAccess,
  type StatusChangeRecords,
} from '@status-bridge/icims';
import { PARTNERS, QUEUES, type PartnerKey } from '@status-bridge/partners';
import type { ContractJob, ProcessorContext, ProcessorFactory } from '../processor';
import { jobLogContext } from '../job-wrapper';

/**
 * Queue `enrich`: one accepted iCIMS event → one StatusChange → one delivery job per partner
 * that applies (or several, when its plan returns one per target, e.g. per receiving endpoint). A loop over the registry: for each partner, section present and enabled → status
 * decision; then ONE iCIMS read (workflow, person and job in parallel, the job from the Redis cache
 * when possible) of the union of the wanted partners' custom fields; then each partner's `plan`;
 * then every delivery of the event in ONE atomic step (FlowProducer.addBulk: a single MULTI) with
 * ids `<this job's id>-<partner key>[-<part>]`, so a retried or re-run enrichment adds nothing new. The
 * deliveries go to the delivery queues of this job's own partition (QUEUE_PARTITIONS): one hash
 * tag, so the MULTI stays in one Redis Cluster slot.
 *
 * Slowing down is per tenant: an iCIMS 429 (which closes the tenant's back-off gate for every
 * job of that tenant), the gate itself, or the daily-budget pacing delays THIS job
 * (moveToDelayed + DelayedError, no attempt spent) instead of pausing the queue, so one tenant's
 * limits never stall the other tenants' events.
 */
type Partner = PartnerKey;

export interface EnrichSummary {
  enrichJobId: string;
  customerId: string;
  systemId: string;
  statusId: string;
  stage?: string;
  icimsRequests: number;
  jobFromCache?: boolean;
  /** Delivery job ids by partner; a list for a partner that makes several jobs of one event (one per target). */
  deliveries: Partial<Record<Partner, string | string[]>>;
  /** Skip reasons by partner. */
  skipped: Partial<Record<Partner, string>>;
}

type Plan = { wanted: true; status: string; section: PartnerSectionBase } | { wanted: false; reason: string; detail?: string };

/** Whether a partner gets this event, before reading iCIMS (so an event no partner wants costs no request). */
function planPartner(section: PartnerSectionBase | undefined, decision: PartnerStatusDecision | undefined): Plan {
  if (!section || !decision) return { wanted: false, reason: 'not_configured' };
  if (!sectionEnabled(section)) return { wanted: false, reason: 'disabled' };
  if (!decision.mapped) return { wanted: false, reason: decision.reason, detail: decision.detail };
  return { wanted: true, status: decision.status, section };
}

/** The union of the wanted partners' iCIMS needs, in registry order, each field once. */
function unionOfNeeds(needs: readonly IcimsNeeds[]): { workflow: string[]; person: string[]; job: string[] } {
  const unique = (fields: Array<readonly string[] | undefined>): string[] => [...new Set(fields.flatMap((list) => list ?? []))];
  return {
    workflow: unique(needs.map((need) => need.workflowFields)),
    person: unique(needs.map((need) => need.personFields)),
    job: unique(needs.map((need) => need.jobFields)),
  };
}

/**
 * What a partner's `plan` may read of the iCIMS records: custom fields and the workflow's source;
 * the acting user's name and email only when a partner asked for it.
 */
function enrichedRecords(records: StatusChangeRecords, actor: EnrichedActor | undefined): EnrichedRecords {
  return {
    workflow: { custom: records.workflow.custom, source: records.workflow.source },
    person: { custom: records.person.custom },
    job: { custom: records.job.custom },
    ...(actor ? { actor } : {}),
  };
}

/** The acting user with a name, or why there is none (the partners that asked name their fallback party). */
function actingUser(read: ActorRead | undefined, noRead: 'candidate' | 'no_user_id' | undefined): { actor: EnrichedActor } | { reason: string; detail?: string } {
  if (noRead) return { reason: noRead };
  if (!read) return { reason: 'no_user_id' };
  if (!read.found) return read.reason === 'read_error' ? { reason: read.reason, detail: read.detail } : { reason: read.reason };
  const { formattedName, givenName, familyName, email } = read.user;
  if (!formattedName) return { reason: 'no_name' };
  return { actor: { formattedName, ...(givenName ? { givenName } : {}), ...(familyName ? { familyName } : {}), ...(email ? { email } : {}) } };
}

const partners: readonly AnyPartnerDefinition[] = PARTNERS;

export const createEnrichProcessor: ProcessorFactory<'enrich'> = (context: ProcessorContext) => {
  const { config, tenants, metrics, redis } = context;
  const env = config.env;
  const client = new IcimsClient({
    redis,
    prefix: env.QUEUE_PREFIX,
    timeoutMs: env.ICIMS_REQUEST_TIMEOUT_MS,
    jobCacheTtlSeconds: env.ICIMS_JOB_CACHE_TTL_SECONDS,
    userCacheTtlSeconds: env.ICIMS_USER_CACHE_TTL_SECONDS,
    tokenCache: { marginMs: env.ICIMS_TOKEN_MARGIN_SECONDS * 1000 },
    defaultRetryAfterMs: env.ICIMS_DEFAULT_RETRY_AFTER_MS,
    backoffJitterMs: env.ICIMS_BACKOFF_JITTER_MS,
    onBackoffClosed: (tenant, waitMs) => {
      metrics.icimsBackoffClosings.inc({ tenant });
      context.logger.warn('iCIMS rate limit (429): back-off gate closed; this tenant\'s jobs wait', { customerId: tenant, waitMs });
    },
    onRequest: (tenant, outcome) => metrics.icimsRequests.inc({ tenant, outcome }),
    onBudgetWarning: (tenant, used, budget) =>
      context.logger.warn('iCIMS daily request budget 80% used; pacing the rest of the day', { customerId: tenant, used, budget }),
  });
  // The worker's BullMQ connection (shared: FlowProducer does not close it). Each job names its
  // partition's prefix (FlowJob.prefix); this default is partition 0's.
  const flows = new FlowProducer({ connection: context.queues.enrich.opts.connection, prefix: env.QUEUE_PREFIX });
  const accessByTenant = new Map<string, IcimsTenantAccess>();
  const storage: PartnerStorage = { redis, prefix: env.QUEUE_PREFIX, logger: context.logger };

  const accessFor = (tenantId: string, tenant: TenantConfig): IcimsTenantAccess => {
    const cached = accessByTenant.get(tenantId);
    if (cached) return cached;
    const icims = tenant.icims;
    if (!icims) throw new PermanentError(`tenant ${tenantId} has no icims section in the tenants file`, { partner: 'icims', tenantId });
    const auth = icims.auth;
    const access: IcimsTenantAccess = {
      tenantId,
      origin: icims.apiBaseUrl ?? env.ICIMS_API_BASE_URL,
      credentials:
        auth.type === 'oauth'
          ? { type: 'oauth', clientId: auth.clientId, clientSecret: tenants.secret(auth.clientSecretEnv), tokenUrl: auth.tokenUrl ?? env.ICIMS_TOKEN_URL, audience: auth.audience ?? env.ICIMS_AUDIENCE }
          : { type: 'basic', username: auth.username, password: tenants.secret(auth.passwordEnv) },
      dailyRequestBudget: icims.dailyRequestBudget ?? env.ICIMS_DAILY_REQUEST_BUDGET,
    };
    accessByTenant.set(tenantId, access);
    return access;
  };

  const skip = (log: Logger, partner: Partner, reason: string, detail?: string): void => {
    metrics.skips.inc({ partner, reason });
    log.info('partner skipped', { partner, reason, ...(detail ? { detail } : {}) });
  };

  /**
   * Per-job wait: the job goes back to delayed without spending an attempt. Waits the back-off
   * gate hands out are logged at debug: the gate's closing is the one warning per 429 storm.
   */
  const delay = async (job: ContractJob<'enrich'>, token: string | undefined, log: Logger, error: RateLimitedError): Promise<never> => {
    const gateWait = error.details.code === GATE_CLOSED_CODE || error.details.code === GATE_PROBING_CODE;
    log.log(gateWait ? 'debug' : 'warn', 'iCIMS limit: delaying this job', { delayMs: error.delayMs, code: error.details.code, httpStatus: error.details.httpStatus });
    await job.log(`delayed ${error.delayMs} ms: ${error.message}`).catch(() => undefined);
    await job.moveToDelayed(Date.now() + error.delayMs, token);
    throw new DelayedError();
  };

  const process = async (job: ContractJob<'enrich'>, token?: string, signal?: AbortSignal): Promise<EnrichSummary> => {
    const { event, tenantId, receivedAt }: EnrichJob = job.data;
    const log = context.logger.child(jobLogContext('enrich', job));
    const enrichJobId = String(job.id);
    const tenant = tenants.get(tenantId);
    if (!tenant) throw new PermanentError(`tenant ${tenantId} is not in the tenants file (removed after the event was accepted?)`, { partner: 'icims', tenantId });
    if (event.customerId !== tenantId) throw new PermanentError(`event customerId ${event.customerId} does not match the job's tenant ${tenantId}`, { partner: 'icims', tenantId });

    const mapping = mapStatus(tenant, event.newStatus, partners);
    const plans = new Map<Partner, Plan>(partners.map((partner) => [partner.key as Partner, planPartner(tenant[partner.key] as PartnerSectionBase | undefined, mapping.partners[partner.key])]));
    const summary: EnrichSummary = { enrichJobId, customerId: event.customerId, systemId: event.systemId, statusId: event.newStatus, stage: mapping.stage, icimsRequests: 0, deliveries: {}, skipped: {} };
    for (const [partner, plan] of plans) {
      if (!plan.wanted) {
        summary.skipped[partner] = plan.reason;
        skip(log, partner, plan.reason, plan.detail);
      }
    }
    const wanted = partners.flatMap((partner) => {
      const plan = plans.get(partner.key as Partner);
      return plan?.wanted ? [{ partner, status: plan.status, section: plan.section }] : [];
    });
    if (wanted.length === 0) {
      // Nothing to deliver: spend no iCIMS request on it.
      return summary;
    }

    const access = accessFor(tenantId, tenant);
    const urls = resolveEventRecordUrls(event, access.origin, tenantId);
    const needs = wanted.map(({ partner, section }) => partner.icimsNeeds(section));
    const fields = unionOfNeeds(needs);
    // The acting user is read only for partners that send it, and never when it is the candidate
    // (a partner's "who acted" must not name the candidate) or cannot be addressed.
    const actorPartners = new Set(wanted.filter((_plan, index) => needs[index].actor === true).map(({ partner }) => partner.key as Partner));
    const noActorRead = actorPartners.size === 0 ? undefined : event.userId === event.personId ? 'candidate' : urls.user ? undefined : 'no_user_id';
    let records: StatusChangeRecords;
    try {
      records = await client.readStatusChangeRecords(access, event.customerId, {
        // The signal aborts iCIMS requests when a shutdown runs out of time (worker.cancelAllJobs).
        workflow: { ...urls.workflow, signal, customFields: fields.workflow },
        person: { ...urls.person, signal, customFields: fields.person },
        job: { ...urls.job, signal, customFields: fields.job },
        ...(actorPartners.size > 0 && !noActorRead && urls.user ? { actor: { ...urls.user, signal } } : {}),
      });
    } catch (error) {
      if (error instanceof RateLimitedError) return delay(job, token, log, error);
      throw error;
    }
    summary.icimsRequests = records.requests;
    summary.jobFromCache = records.jobFromCache;
    // The event's place among its application's changes (a current-state partner keeps only the
    // newest) and this transition's time: computed once here, so every retry and replica agrees.
    const order = eventOrder({ receivedAt, enrichJobId, eventStatusId: event.newStatus, workflowStatusId: records.workflow.status?.id, workflowUpdatedAt: records.workflow.updatedAt, resendWindowMs: env.ICIMS_LATE_RESEND_WINDOW_SECONDS * 1000 });
    if (records.workflow.status?.id !== undefined && records.workflow.status.id !== event.newStatus) {
      log.info('the workflow has moved on since the event; delivering the event\'s status', {
        workflowStatusId: records.workflow.status.id,
        eventStatusId: event.newStatus,
        orderBasis: order.basis,
        orderAt: new Date(order.position.atMs).toISOString(),
      });
    }

    const statusChange = buildStatusChange({
      tenantId,
      event,
      receivedAt,
      enrichJobId,
      order: order.position,
      oldStage: stageOf(tenant, event.oldStatus),
      newStage: mapping.stage,
      workflow: records.workflow,
      person: records.person,
      job: records.job,
    });

    const flowJobs: FlowJob[] = [];
    const partitionPrefix = jobPartitionPrefix(job);
    const acting = actorPartners.size > 0 ? actingUser(records.actor, noActorRead) : undefined;
    const partnerRecords = enrichedRecords(records, acting && 'actor' in acting ? acting.actor : undefined);
    for (const { partner, status, section } of wanted) {
      const key = partner.key as Partner;
      // No partner call here: only our own records (e.g. a partner's correlation records) are read.
      const planned = await partner.plan({ tenantId, section, statusChange, status, records: partnerRecords }, storage);
      if ('skip' in planned) {
        summary.skipped[key] = planned.skip;
        skip(log, key, planned.skip, planned.detail);
        continue;
      }
      const queue = QUEUES[key];
      // One job, or one per part (e.g. per receiving endpoint): ids derive from this enrichment's id
      // (`<enrich id>-<key>[-<part>]`), so a retried enrichment re-adds the same ids and BullMQ ignores them.
      const parts = 'deliveries' in planned ? planned.deliveries.map(({ part, delivery }) => ({ id: `${deliveryJobId(enrichJobId, key)}-${part}`, delivery })) : [{ id: deliveryJobId(enrichJobId, key), delivery: planned.delivery }];
      for (const { id, delivery } of parts) {
        // The payload shape every queued job of this partner has: {statusChange, <key>: delivery}.
        flowJobs.push({ name: queue.jobName, queueName: queue.name, prefix: partitionPrefix, data: { statusChange, [key]: delivery }, opts: { ...queue.defaultJobOptions, jobId: id } });
      }
      summary.deliveries[key] = 'deliveries' in planned ? parts.map((part) => part.id) : parts[0].id;
      if (acting && 'reason' in acting && actorPartners.has(key)) {
        // Not a skip and not a failure: the partner names its fallback party (ids only in the log, never a name).
        metrics.actorFallbacks.inc({ partner: key, reason: acting.reason });
        log.info('acting user not available; the partner names its fallback party', { partner: key, reason: acting.reason, userId: event.userId, ...(acting.detail ? { detail: acting.detail } : {}) });
      }
    }
    if (flowJobs.length > 0) {
      // One MULTI for all of the event's deliveries; an id that exists already is left as it is.
      await flows.addBulk(flowJobs);
    }
    log.info('status change enriched', {
      stage: mapping.stage,
      icimsRequests: records.requests,
      jobFromCache: records.jobFromCache,
      deliveries: Object.values(summary.deliveries).flat(),
    });
    return summary;
  };

  return {
    process,
    async close() {
      await flows.close();
      await client.close();
    },
  };
};
