import { ConfigError, PermanentError, RateLimitedError, RetryableError, sectionEnabled, type Deliverer, type DeliveryOutcome, type DeliveryRequest, type PartnerRuntime } from '@status-bridge/core';
import { ApplicationOrderStore, positionOf } from './application-order';
import { StepStoneClient, type StepStoneTarget } from './client';
import type { StepStoneDelivery } from './delivery';
import { applicationLockMs, type StepStoneEnv } from './env';
import { allowedStatuses, buildStatusMessage, validateStatusMessage } from './message';
import type { StepStoneSection } from './section';
import { TenantRateLimiter } from './tenant-rate-limit';

/**
 * The StepStone deliverer (queue `deliver-stepstone`, run by the worker's delivery shell): posts
 * one status change to the ATSi Application Status service.
 * Guarantee: newest wins per application, at least once; duplicates only where an answer was lost.
 *
 * The job arrives with `stepstone.status` already mapped and `stepstone.atsiApplicationId` already
 * resolved by the enrichment worker; its id derives from the enrichment job's id, so a retried
 * enrichment or an iCIMS re-send inside the de-duplication window never makes a second job.
 *
 * Newest wins: Application Status is a *current state* (the last message StepStone receives is
 * what the jobseeker sees), so before the POST the application's order mark decides, in one Redis
 * script (ApplicationOrderStore): a newer change already claimed it → this job completes as
 * superseded and posts nothing (an outcome, not a failure; its retry re-runs the check and posts
 * nothing either); another job's POST for it may be in flight → this job waits a moment
 * (`later`: the shell moves it to delayed, no attempt spent); else this position becomes the mark and the job holds the
 * application until its POST ends. What the mark means when the POST does not succeed:
 *  - fails retryably (5xx, timeout, 429): the mark stays ours, so older changes are superseded.
 *    Right: this newer one is retried until delivered, and it re-enters its own mark.
 *  - fails permanently (400/401, or attempts used up): the mark stays too. StepStone keeps the
 *    last status it accepted until an operator replays this job (the failed set, the exhausted
 *    alert), and the replay re-enters the mark and posts the newest status. Restoring the previous
 *    mark instead would let an older change land meanwhile, which we know is outdated, and would
 *    race that replay.
 *  - the worker dies holding the application: its lock lapses (STEPSTONE_APPLICATION_LOCK_MS),
 *    and the stalled job re-enters with its own id.
 * A POST that got no answer (timeout, reset) may still be applied by StepStone, so the lock is
 * kept one request timeout longer instead of released: the next change waits rather than racing it.
 *
 * Where a duplicate post can still happen: StepStone accepts a message but the answer is lost
 * (our timeout, a reset connection) or this worker dies after the POST and before BullMQ records
 * the completion (the stalled job is run again). Either way the retry posts the same status again.
 * That is acceptable: ATSi documents no idempotency key we could send, a repeated identical
 * status leaves what the candidate sees unchanged, and the alternative (not retrying after an
 * unclear outcome) would lose updates, which is what StepStone judges us by.
 */
export async function createStepStoneDeliverer(runtime: PartnerRuntime<StepStoneSection, StepStoneEnv>): Promise<Deliverer<StepStoneSection, StepStoneDelivery>> {
  const { env, redis, prefix, logger } = runtime;

  // Fail at start, naming the variable, rather than on the first job of a tenant.
  for (const tenantId of runtime.tenantIds()) {
    const settings = runtime.section(tenantId);
    if (sectionEnabled(settings) && !settings?.statusUrl && !env.STEPSTONE_STATUS_URL) {
      throw new ConfigError(`STEPSTONE_STATUS_URL is not set and tenants.${tenantId}.stepstone has no statusUrl; StepStone deliveries need one of them`);
    }
  }

  const client = new StepStoneClient({
    timeoutMs: env.STEPSTONE_REQUEST_TIMEOUT_MS,
    defaultRetryAfterMs: env.STEPSTONE_DEFAULT_RETRY_AFTER_MS,
    maxRetryAfterMs: env.STEPSTONE_MAX_RETRY_AFTER_MS,
    maxSockets: env.STEPSTONE_MAX_SOCKETS,
  });
  const tenantLimiter = new TenantRateLimiter(redis, prefix);
  const lockMs = applicationLockMs(env);
  if (lockMs <= env.STEPSTONE_REQUEST_TIMEOUT_MS) {
    // A lock that can lapse during a POST would let a second POST for the application run alongside it.
    throw new ConfigError(`STEPSTONE_APPLICATION_LOCK_MS (${lockMs}) must be longer than STEPSTONE_REQUEST_TIMEOUT_MS (${env.STEPSTONE_REQUEST_TIMEOUT_MS})`);
  }
  const applicationOrder = new ApplicationOrderStore(redis, prefix, { lockMs, markTtlMs: env.STEPSTONE_ORDER_MARK_TTL_DAYS * 24 * 3600 * 1000 });

  const targetFor = (tenantId: string, settings: StepStoneSection): StepStoneTarget => ({
    tenantId,
    url: (settings.statusUrl ?? env.STEPSTONE_STATUS_URL) as string,
    token: runtime.secret(settings.tokenEnv),
    tokenEnv: settings.tokenEnv,
    extraStatuses: settings.extraStatuses,
  });

  async function deliver({ tenantId, section: settings, statusChange, delivery: stepstone, jobId }: DeliveryRequest<StepStoneSection, StepStoneDelivery>): Promise<DeliveryOutcome> {
    const ids = { jobId, customerId: statusChange.customerId, systemId: statusChange.systemId, personId: statusChange.personId };
    const message = buildStatusMessage({
      atsiApplicationId: stepstone.atsiApplicationId,
      status: stepstone.status,
      rawStatus: statusChange.newStatus.name,
      occurredAt: statusChange.occurredAt,
      sendRawStatus: settings.sendRawStatus,
      sendBusinessDate: settings.sendBusinessDate,
    });
    // Checked here as well as in the client so that an invalid job does not take a rate-limit slot.
    const problems = validateStatusMessage(message, allowedStatuses(settings.extraStatuses));
    if (problems.length > 0) {
      throw new PermanentError(`job holds a message StepStone would not accept: ${problems.join('; ')}`, { partner: 'stepstone', tenantId, code: 'INVALID_MESSAGE' });
    }

    const application = { tenantId, atsiApplicationId: stepstone.atsiApplicationId };
    // Before the rate limit: a superseded or waiting job takes no slot of the tenant's limit.
    const claim = await applicationOrder.claim(application, positionOf(statusChange), jobId, { oldStatusId: statusChange.oldStatus.id, newStatusId: statusChange.newStatus.id });
    if (claim.outcome === 'superseded') return { outcome: 'superseded', by: claim.by, detail: { status: message.Status } };
    if (claim.outcome === 'busy') {
      // Another job is posting for this application: wait for its POST to end, not for its whole
      // lock (a POST is usually far shorter). Jitter spreads several waiting jobs apart.
      const delayMs = Math.min(claim.lockTtlMs, 250) + Math.floor(Math.random() * 500);
      logger.debug('another change of the application is being posted; job delayed', { ...ids, holder: claim.holder, delayMs });
      return { outcome: 'later', delayMs, reason: 'application_busy' };
    }

    // This job now holds the application: release it however the POST ends.
    let settleMs = 0;
    let awaitRelease = true;
    try {
      if (settings.rateLimit) {
        const waitMs = await tenantLimiter.acquire(tenantId, settings.rateLimit);
        if (waitMs > 0) {
          // Only this job waits, and a delay does not count an attempt. A little spread keeps a
          // backlog of this tenant from waking all at the same millisecond. The mark stays ours.
          const spreadMs = Math.floor(Math.random() * Math.min(1_000, settings.rateLimit.durationMs / settings.rateLimit.max));
          return { outcome: 'later', delayMs: waitMs + spreadMs, reason: 'tenant_limited' };
        }
      }
      let httpStatus: number;
      try {
        ({ httpStatus } = await client.sendStatus(targetFor(tenantId, settings), message));
      } catch (error) {
        if (error instanceof RetryableError && error.details.httpStatus === undefined) settleMs = env.STEPSTONE_REQUEST_TIMEOUT_MS;
        // A 429 pauses the whole queue (the worker's job wrapper): start that pause without waiting
        // for our Redis round trip, or other slots keep posting meanwhile. The release carries this
        // claim's token, so arriving late can never free a later claim's lock.
        if (error instanceof RateLimitedError) awaitRelease = false;
        throw error;
      }
      return { outcome: 'delivered', detail: { httpStatus, status: message.Status } };
    } finally {
      // If Redis does not answer, the lock lapses by itself; the POST's outcome stands either way.
      const released = applicationOrder.release(application, claim.lockToken, settleMs).catch((error: Error) => {
        logger.warn('could not release the application lock; it will lapse', { ...ids, error: error.message });
        return false;
      });
      if (awaitRelease) await released;
    }
  }

  return {
    deliver,
    async close() {
      client.close();
    },
  };
}
