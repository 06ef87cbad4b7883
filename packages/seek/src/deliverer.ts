import { ConfigError, sectionEnabled, type Deliverer, type DeliveryOutcome, type DeliveryRequest, type PartnerRuntime } from '@status-bridge/core';
import { ProcessHistoryChannel, seekSessionId, type SeekChannel } from './channel';
import { SeekClient } from './client';
import type { SeekDelivery } from './delivery';
import type { SeekEnv } from './env';
import { SeekRecords } from './records';
import type { SeekSection } from './section';
import { SeekTokenCache } from './token';

/**
 * The SEEK deliverer (queue `deliver-seek`, run by the worker's delivery shell): records each status
 * change as a SEEK candidate process history item through a channel; the channel and client know
 * SEEK, the shell knows the queue. Typed errors from the client become BullMQ outcomes in the
 * worker's job wrapper. Exactly once in effect: every item carries the idempotency id fixed at
 * enrichment, and SEEK's _Conflict for a repeat is a `duplicate` (done).
 */
export function createSeekChannel(runtime: PartnerRuntime<SeekSection, SeekEnv>): { channel: SeekChannel; close(): Promise<void> } {
  const { env } = runtime;
  if (!env.SEEK_CLIENT_ID || !env.SEEK_CLIENT_SECRET) {
    throw new ConfigError('SEEK_CLIENT_ID and SEEK_CLIENT_SECRET must be set to run the seek queue (a tenant has a seek section)');
  }
  const tokens = new SeekTokenCache({
    redis: runtime.redis,
    prefix: runtime.prefix,
    tokenUrl: env.SEEK_TOKEN_URL,
    audience: env.SEEK_AUDIENCE,
    clientId: env.SEEK_CLIENT_ID,
    clientSecret: env.SEEK_CLIENT_SECRET,
    marginSeconds: env.SEEK_TOKEN_MARGIN_SECONDS,
    timeoutMs: env.SEEK_REQUEST_TIMEOUT_MS,
    onTokenRequest: (event) => runtime.logger.info('seek partner token requested', event),
  });
  const client = new SeekClient({ graphqlUrl: env.SEEK_GRAPHQL_URL, tokens, timeoutMs: env.SEEK_REQUEST_TIMEOUT_MS, logger: runtime.logger });
  return { channel: new ProcessHistoryChannel(client, new SeekRecords(runtime.redis, runtime.prefix)), close: () => client.close() };
}

export function createSeekDeliverer(runtime: PartnerRuntime<SeekSection, SeekEnv>): Deliverer<SeekSection, SeekDelivery> {
  // Without SEEK credentials the queue can still run when no tenant delivers to SEEK (the shell
  // skips its jobs as `disabled` before they get here).
  const delivering = runtime.tenantIds().some((tenantId) => sectionEnabled(runtime.section(tenantId)));
  const built = delivering ? createSeekChannel(runtime) : undefined;

  async function deliver({ section, statusChange, delivery, jobId }: DeliveryRequest<SeekSection, SeekDelivery>): Promise<DeliveryOutcome> {
    if (!built) return { outcome: 'skipped', reason: 'disabled' };
    const result = await built.channel.deliver({ job: { statusChange, seek: delivery }, tenant: section, sessionId: seekSessionId(jobId) });
    if (result.outcome === 'skipped') return { outcome: 'skipped', reason: result.reason };
    // Where the candidate profile id came from (an iCIMS field, our record, an upload) and who the
    // acting party is, for the dashboard: in the job's return value (stored with the completion
    // anyway, shown by the dashboard) rather than a job.log line, which cost every delivery a
    // Redis round trip of its own.
    return {
      outcome: result.outcome,
      detail: { outcome: result.outcome, itemId: result.itemId, candidateProfileId: result.candidateProfileId, mode: result.mode, profileFrom: result.profileFrom, partyFrom: result.partyFrom },
    };
  }

  return {
    deliver,
    close: async () => {
      await built?.close();
    },
  };
}
