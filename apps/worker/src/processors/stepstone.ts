import { DelayedError } from 'bullmq';
import { ConfigError, PermanentError, RateLimitedError, type StepStoneTenantConfig } from '@status-bridge/core';
import {
  allowedStatuses,
  buildStatusMessage,
  StepStoneClient,
  TenantRateLimiter,
  validateStatusMessage,
  type StepStoneTarget,
} from '@status-bridge/stepstone';
import type { ProcessorFactory } from '../processor';

/**
 * Queue `deliver-stepstone`: posts one status change to the ATSi Application Status service.
 *
 * The job arrives with `stepstone.status` already mapped and `stepstone.atsiApplicationId` already
 * resolved by the enrichment worker; its id derives from the enrichment job's id, so a retried
 * enrichment or an iCIMS re-send inside the de-duplication window never makes a second job.
 *
 * Where a duplicate post can still happen: StepStone accepts a message but the answer is lost
 * (our timeout, a reset connection) or this worker dies after the POST and before BullMQ records
 * the completion (the stalled job is run again). Either way the retry posts the same status again.
 * That is acceptable: ATSi documents no idempotency key we could send, a repeated identical
 * status leaves the jobseeker's view unchanged, and the alternative (not retrying after an
 * unclear outcome) would lose updates, which is what StepStone judges us by.
 */
export const createStepStoneProcessor: ProcessorFactory<'stepstone'> = (context) => {
  const { config, tenants, logger, redis, metrics } = context;
  const { env } = config;

  // Fail at start, naming the variable, rather than on the first job of a tenant.
  for (const tenantId of tenants.ids()) {
    const settings = tenants.get(tenantId)?.stepstone;
    if (settings && settings.enabled !== false && !settings.statusUrl && !env.STEPSTONE_STATUS_URL) {
      throw new ConfigError(`STEPSTONE_STATUS_URL is not set and tenants.${tenantId}.stepstone has no statusUrl; StepStone deliveries need one of them`);
    }
  }

  const client = new StepStoneClient({
    timeoutMs: env.STEPSTONE_REQUEST_TIMEOUT_MS,
    defaultRetryAfterMs: env.STEPSTONE_DEFAULT_RETRY_AFTER_MS,
    maxRetryAfterMs: env.STEPSTONE_MAX_RETRY_AFTER_MS,
    maxSockets: env.STEPSTONE_MAX_SOCKETS,
  });
  const tenantLimiter = new TenantRateLimiter(redis, env.QUEUE_PREFIX);

  const targetFor = (tenantId: string, settings: StepStoneTenantConfig): StepStoneTarget => ({
    tenantId,
    url: (settings.statusUrl ?? env.STEPSTONE_STATUS_URL) as string,
    token: tenants.secret(settings.tokenEnv),
    tokenEnv: settings.tokenEnv,
    extraStatuses: settings.extraStatuses,
  });

  return {
    async process(job, token) {
      const { statusChange, stepstone } = job.data;
      const { tenantId } = statusChange;
      const ids = { jobId: job.id, customerId: statusChange.customerId, systemId: statusChange.systemId, personId: statusChange.personId };
      const tenant = tenants.get(tenantId);
      if (!tenant) {
        throw new PermanentError(`tenant ${tenantId} is no longer in the tenants file`, { partner: 'stepstone', tenantId, code: 'UNKNOWN_TENANT' });
      }
      const settings = tenant.stepstone;
      if (!settings || settings.enabled === false) {
        // Switched off after the job was queued: a deliberate choice, not a failure.
        metrics.skips.inc({ partner: 'stepstone', reason: 'disabled' });
        logger.info('stepstone disabled for tenant; delivery skipped', ids);
        return { skipped: 'stepstone disabled for tenant' };
      }

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
        metrics.deliveries.inc({ partner: 'stepstone', outcome: 'failed' });
        throw new PermanentError(`job holds a message StepStone would not accept: ${problems.join('; ')}`, {
          partner: 'stepstone',
          tenantId,
          code: 'INVALID_MESSAGE',
        });
      }

      if (settings.rateLimit) {
        const waitMs = await tenantLimiter.acquire(tenantId, settings.rateLimit);
        if (waitMs > 0) {
          // Only this job waits, and moveToDelayed does not count an attempt. A little spread keeps
          // a backlog of this tenant from waking all at the same millisecond.
          const spreadMs = Math.floor(Math.random() * Math.min(1_000, settings.rateLimit.durationMs / settings.rateLimit.max));
          metrics.deliveries.inc({ partner: 'stepstone', outcome: 'tenant_limited' });
          logger.debug('tenant over its StepStone rate limit; job delayed', { ...ids, delayMs: waitMs + spreadMs });
          await job.moveToDelayed(Date.now() + waitMs + spreadMs, token);
          throw new DelayedError();
        }
      }

      let httpStatus: number;
      try {
        ({ httpStatus } = await client.sendStatus(targetFor(tenantId, settings), message));
      } catch (error) {
        const outcome = error instanceof PermanentError ? 'failed' : error instanceof RateLimitedError ? 'rate_limited' : 'retry';
        metrics.deliveries.inc({ partner: 'stepstone', outcome });
        throw error;
      }
      metrics.deliveries.inc({ partner: 'stepstone', outcome: 'delivered' });
      const receivedAt = Date.parse(statusChange.receivedAt);
      if (!Number.isNaN(receivedAt)) metrics.deliveryLatency.observe({ partner: 'stepstone' }, Math.max(0, Date.now() - receivedAt) / 1000);
      logger.info('stepstone status delivered', { ...ids, status: message.Status, httpStatus });
      return { httpStatus, status: message.Status };
    },
    async close() {
      client.close();
    },
  };
};
