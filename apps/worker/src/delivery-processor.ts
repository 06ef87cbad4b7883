import { DelayedError } from 'bullmq';
import { PermanentError, RateLimitedError, sectionEnabled, type AnyPartnerDefinition, type DeliveryJob, type DeliveryOutcome, type PartnerSectionBase } from '@status-bridge/core';
import type { PartnerKey } from '@status-bridge/partners';
import type { ProcessorFactory } from './processor';

/**
 * The ONE delivery shell: every partner's queue runs through it, so every partner behaves the same
 * towards the queue, the metrics and the logs. The partner's deliverer (PartnerDefinition
 * .createDeliverer, built once per process) knows the partner; this knows BullMQ:
 *
 *  - tenant gone from the tenants file → PermanentError UNKNOWN_TENANT (dead letter: an operator decides);
 *  - section missing or `enabled: false` → skipped as `disabled` (switched off after the job was queued);
 *  - outcome → `status_bridge_deliveries_total{partner,outcome}` (delivered, duplicate, superseded,
 *    and a `later`'s reason), `status_bridge_skips_total{partner,reason}`, the latency histogram on
 *    delivered, one JSON log line with ids only, a job.log line for superseded and skipped;
 *  - `later` → the job goes back to delayed without spending an attempt (moveToDelayed + DelayedError);
 *  - thrown partner errors are counted (failed, rate_limited, retry) and rethrown to the job wrapper,
 *    which turns them into retries, dead letters or a queue pause.
 */
export function createDeliveryProcessor<K extends PartnerKey>(partner: AnyPartnerDefinition & { key: K }): ProcessorFactory<K> {
  const key = partner.key;
  return async (context) => {
    const { config, tenants, metrics, logger, redis } = context;
    const deliverer = await partner.createDeliverer({
      env: config.env,
      redis,
      prefix: config.env.QUEUE_PREFIX,
      logger,
      tenantIds: () => tenants.idsWith(key),
      section: (tenantId) => tenants.section(tenantId, key),
      secret: (envName) => tenants.secret(envName),
    });

    return {
      async process(job, token, signal) {
        const data = job.data as DeliveryJob<string, unknown>;
        const { statusChange } = data;
        const { tenantId } = statusChange;
        const jobId = String(job.id);
        const ids = { jobId: job.id, customerId: statusChange.customerId, systemId: statusChange.systemId, personId: statusChange.personId };
        if (!tenants.get(tenantId)) {
          throw new PermanentError(`tenant ${tenantId} is not in the tenants file (removed after the job was queued?)`, { partner: key, tenantId, code: 'UNKNOWN_TENANT' });
        }
        const section = tenants.section<PartnerSectionBase>(tenantId, key);
        if (!section || !sectionEnabled(section)) {
          // Switched off after the job was queued: a deliberate choice, not a failure.
          metrics.skips.inc({ partner: key, reason: 'disabled' });
          logger.info(`${key} disabled for tenant; delivery skipped`, ids);
          return { skipped: 'disabled' };
        }

        let result: DeliveryOutcome;
        try {
          result = await deliverer.deliver({
            tenantId,
            section,
            statusChange,
            delivery: data[key],
            jobId,
            attempt: job.attemptsMade + 1,
            maxAttempts: job.opts.attempts ?? 1,
            signal,
            note: (line) => job.log(line).then(
              () => undefined,
              () => undefined,
            ),
          });
        } catch (error) {
          const outcome = error instanceof RateLimitedError ? 'rate_limited' : error instanceof PermanentError ? 'failed' : 'retry';
          metrics.deliveries.inc({ partner: key, outcome });
          throw error;
        }

        switch (result.outcome) {
          case 'delivered':
          case 'duplicate': {
            metrics.deliveries.inc({ partner: key, outcome: result.outcome });
            if (result.outcome === 'delivered') {
              const receivedAt = Date.parse(statusChange.receivedAt);
              if (Number.isFinite(receivedAt)) metrics.deliveryLatency.observe({ partner: key }, Math.max(0, Date.now() - receivedAt) / 1000);
            }
            logger.info(result.outcome === 'delivered' ? `${key} status delivered` : `${key} already had this status (duplicate): done`, { ...ids, ...result.detail });
            return result.detail ?? { outcome: result.outcome };
          }
          case 'superseded': {
            metrics.deliveries.inc({ partner: key, outcome: 'superseded' });
            logger.info(`${key} status superseded by a newer change of the same record; not sent`, { ...ids, supersededBy: result.by, ...result.detail });
            await job.log(`superseded by ${result.by ?? 'a newer change'}, a newer change of the same record: not sent`).catch(() => undefined);
            return { superseded: true, by: result.by, ...result.detail };
          }
          case 'skipped': {
            metrics.skips.inc({ partner: key, reason: result.reason });
            logger.info(`${key} delivery skipped`, { ...ids, reason: result.reason });
            await job.log(`skipped: ${result.reason}`).catch(() => undefined);
            return { skipped: result.reason };
          }
          case 'later': {
            // Not this job's fault (a tenant limit, the record busy elsewhere): no attempt is spent.
            metrics.deliveries.inc({ partner: key, outcome: result.reason });
            logger.debug(`${key} delivery delayed`, { ...ids, reason: result.reason, delayMs: result.delayMs });
            await job.moveToDelayed(Date.now() + result.delayMs, token);
            throw new DelayedError();
          }
        }
      },
      close: () => deliverer.close(),
    };
  };
}
