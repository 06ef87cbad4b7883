import { ConfigError, PermanentError, RateLimitedError, type SeekTenantConfig } from '@status-bridge/core';
import { ProcessHistoryChannel, SeekClient, SeekRecords, SeekTokenCache, seekSessionId, type SeekChannel } from '@status-bridge/seek';
import type { ProcessorContext, ProcessorFactory } from '../processor';

/**
 * Queue `deliver-seek`: records each status change as a SEEK candidate process history item.
 * The processor knows the queue (tenant lookup, skips, metrics, logs); the channel and client
 * know SEEK. Typed errors from the client become BullMQ outcomes in job-wrapper.ts.
 */
export function createSeekChannel(context: ProcessorContext): { channel: SeekChannel; close(): Promise<void> } {
  const { env } = context.config;
  if (!env.SEEK_CLIENT_ID || !env.SEEK_CLIENT_SECRET) {
    throw new ConfigError('SEEK_CLIENT_ID and SEEK_CLIENT_SECRET must be set to run the seek queue (a tenant has a seek section)');
  }
  const tokens = new SeekTokenCache({
    redis: context.redis,
    prefix: env.QUEUE_PREFIX,
    tokenUrl: env.SEEK_TOKEN_URL,
    audience: env.SEEK_AUDIENCE,
    clientId: env.SEEK_CLIENT_ID,
    clientSecret: env.SEEK_CLIENT_SECRET,
    marginSeconds: env.SEEK_TOKEN_MARGIN_SECONDS,
    timeoutMs: env.SEEK_REQUEST_TIMEOUT_MS,
    onTokenRequest: (event) => context.logger.info('seek partner token requested', event),
  });
  const client = new SeekClient({ graphqlUrl: env.SEEK_GRAPHQL_URL, tokens, timeoutMs: env.SEEK_REQUEST_TIMEOUT_MS, logger: context.logger });
  return { channel: new ProcessHistoryChannel(client, new SeekRecords(context.redis, env.QUEUE_PREFIX)), close: () => client.close() };
}

export const createSeekProcessor: ProcessorFactory<'seek'> = (context) => {
  const { tenants, metrics, logger } = context;
  const seekTenants = tenants.ids().filter((id) => {
    const seek = tenants.get(id)?.seek;
    return seek !== undefined && seek.enabled !== false;
  });
  // Without SEEK credentials the queue can still run when no tenant delivers to SEEK (jobs are skipped).
  const built = seekTenants.length > 0 ? createSeekChannel(context) : undefined;

  return {
    async process(job) {
      const { statusChange } = job.data;
      const ids = { jobId: job.id, customerId: statusChange.customerId, systemId: statusChange.systemId, personId: statusChange.personId };
      const tenant = tenants.get(statusChange.tenantId);
      if (!tenant) throw new PermanentError(`tenant ${statusChange.tenantId} is not in the tenants file`, { partner: 'seek', tenantId: statusChange.tenantId });
      const seekConfig: SeekTenantConfig | undefined = tenant.seek;
      if (!seekConfig || seekConfig.enabled === false || !built) {
        metrics.skips.inc({ partner: 'seek', reason: 'seek_disabled' });
        logger.info('seek delivery skipped: SEEK is not enabled for the tenant', ids);
        return { skipped: 'seek_disabled' };
      }
      try {
        const result = await built.channel.deliver({ job: job.data, tenant: seekConfig, sessionId: seekSessionId(String(job.id)) });
        if (result.outcome === 'skipped') {
          metrics.skips.inc({ partner: 'seek', reason: result.reason });
          logger.info('seek delivery skipped', { ...ids, reason: result.reason });
          return { skipped: result.reason };
        }
        metrics.deliveries.inc({ partner: 'seek', outcome: result.outcome });
        const receivedAt = Date.parse(statusChange.receivedAt);
        if (Number.isFinite(receivedAt)) metrics.deliveryLatency.observe({ partner: 'seek' }, Math.max(0, (Date.now() - receivedAt) / 1000));
        logger.info(result.outcome === 'duplicate' ? 'seek item already recorded (conflict): done' : 'seek item recorded', {
          ...ids,
          idempotencyId: job.data.seek.idempotencyId,
          itemId: result.itemId,
          candidateProfileId: result.candidateProfileId,
          profileFrom: result.profileFrom,
          mode: result.mode,
        });
        return { outcome: result.outcome, itemId: result.itemId, candidateProfileId: result.candidateProfileId, mode: result.mode };
      } catch (error) {
        const outcome = error instanceof RateLimitedError ? 'rate_limited' : error instanceof PermanentError ? 'failed' : 'retry';
        metrics.deliveries.inc({ partner: 'seek', outcome });
        throw error;
      }
    },
    close: async () => {
      await built?.close();
    },
  };
};
