import { ConfigError, RateLimitedError, RetryableError, type Deliverer, type DeliveryOutcome, type DeliveryRequest, type PartnerRuntime } from '@status-bridge/core';
import type { Webhook } from 'standardwebhooks';
import { WebhookClient } from './client';
import { EndpointHolds } from './endpoint-hold';
import type { WebhookEnv } from './env';
import { webhookIdOf, withoutCandidate } from './payload';
import type { WebhookDelivery } from './plan';
import { endpointEnabled, endpointIncludesCandidate, endpointNamed, endpointStages, type WebhookEndpointConfig, type WebhookSection } from './section';
import { signerFromEnv } from './signing-secret';
import { endpointUrlProblem } from './url-policy';

/**
 * Delivers one job to one endpoint. Guarantee: at least once per endpoint, and the same
 * `webhook-id` on every attempt and replay of the job, so a receiver that de-duplicates on it
 * (docs/webhook.md) processes each change once. A duplicate request happens when an answer is lost
 * (our deadline, a reset) after the receiver took the request, or the worker dies between the
 * answer and BullMQ recording it; the retry sends the same id and body.
 *
 * The endpoint's URL, secret and switches are read from the tenants file as loaded now, not from
 * the job: a URL fixed after a 410, or a secret rotated, applies to queued jobs and replays. An
 * endpoint removed or switched off meanwhile completes its jobs as skipped; includeCandidate
 * switched off drops the candidate from jobs planned with it.
 *
 * A 429 delays this job (outcome `later`, no attempt spent) and holds the endpoint for every
 * worker, never pauses the queue: one tenant's receiver must not stop everybody's deliveries.
 */
export function createWebhookDeliverer(runtime: PartnerRuntime<WebhookSection, WebhookEnv>): Deliverer<WebhookSection, WebhookDelivery> {
  const { env } = runtime;
  const signers = loadSigners(runtime);
  const client = new WebhookClient({
    timeoutMs: env.WEBHOOK_REQUEST_TIMEOUT_MS,
    defaultRetryAfterMs: env.WEBHOOK_DEFAULT_RETRY_AFTER_MS,
    maxRetryAfterMs: env.WEBHOOK_MAX_RETRY_AFTER_MS,
    maxSockets: env.WEBHOOK_MAX_SOCKETS,
  });
  const holds = new EndpointHolds(runtime.redis, runtime.prefix);

  const signersOf = (tenantId: string, name: string, endpoint: WebhookEndpointConfig): Webhook[] =>
    [endpoint.secretEnv, endpoint.previousSecretEnv]
      .filter((envName): envName is string => envName !== undefined)
      .map((envName) => signers.get(envName) ?? signerFromEnv(runtime.secret(envName), envName, `tenants.${tenantId}.webhook.endpoints.${name}`));

  return {
    async deliver(request: DeliveryRequest<WebhookSection, WebhookDelivery>): Promise<DeliveryOutcome> {
      const { tenantId, section, delivery, statusChange } = request;
      const name = delivery.endpoint;
      const endpoint = endpointNamed(section, name);
      if (!endpoint) return { outcome: 'skipped', reason: 'endpoint_removed' };
      if (!endpointEnabled(endpoint)) return { outcome: 'skipped', reason: 'endpoint_disabled' };
      if (!endpointStages(endpoint).includes(delivery.payload.data.newStatus.stage)) return { outcome: 'skipped', reason: 'stage_unsubscribed' };

      const heldMs = await holds.remainingMs(tenantId, name);
      if (heldMs > 0) {
        // Spread the endpoint's waiting jobs a little, so they do not all call it in the same instant.
        const delayMs = heldMs + Math.floor(Math.random() * Math.min(5_000, 250 + heldMs / 10));
        return { outcome: 'later', delayMs, reason: 'endpoint_held' };
      }

      const payload = endpointIncludesCandidate(endpoint) ? delivery.payload : withoutCandidate(delivery.payload);
      try {
        const { httpStatus } = await client.send(
          { tenantId, endpoint: name, url: endpoint.url, secretEnv: endpoint.secretEnv, signers: signersOf(tenantId, name, endpoint) },
          { webhookId: webhookIdOf(request.jobId), body: JSON.stringify(payload) },
          request.signal,
        );
        return { outcome: 'delivered', detail: { endpoint: name, httpStatus } };
      } catch (error) {
        if (!(error instanceof RateLimitedError)) throw error;
        await holds.hold(tenantId, name, error.delayMs);
        const receivedAt = Date.parse(statusChange.receivedAt);
        if (!Number.isNaN(receivedAt) && Date.now() - receivedAt > env.WEBHOOK_RATE_LIMIT_PATIENCE_MS) {
          // Patience spent: from now on a 429 costs an attempt, so the job ends in the failed set
          // (visible, replayable) rather than waiting forever. The hold still spaces the attempts.
          throw new RetryableError(`${error.message}; the change is older than WEBHOOK_RATE_LIMIT_PATIENCE_MS, so this 429 counts as a failed attempt`, error.details);
        }
        await request.note(`endpoint ${name} answered 429: waiting ${error.delayMs} ms, no attempt spent`).catch(() => undefined);
        return { outcome: 'later', delayMs: error.delayMs, reason: 'endpoint_rate_limited' };
      }
    },
    async close() {
      client.close();
    },
  };
}

/**
 * Checks every enabled endpoint at start, so a bad deployment fails naming the field or variable
 * rather than on a tenant's first delivery: its URL against the http rule (url-policy.ts) and its
 * secrets' format (signing-secret.ts). Returns a signer per secret env var.
 */
function loadSigners(runtime: PartnerRuntime<WebhookSection, WebhookEnv>): Map<string, Webhook> {
  const signers = new Map<string, Webhook>();
  const problems: string[] = [];
  for (const tenantId of runtime.tenantIds()) {
    const section = runtime.section(tenantId);
    if (!section || section.enabled === false) continue;
    for (const [name, endpoint] of Object.entries(section.endpoints)) {
      if (!endpointEnabled(endpoint)) continue;
      const where = `tenants.${tenantId}.webhook.endpoints.${name}`;
      const urlProblem = endpointUrlProblem(endpoint.url, runtime.env.WEBHOOK_ALLOW_HTTP);
      if (urlProblem) problems.push(`${where}.url ${urlProblem}`);
      const secrets = [{ envName: endpoint.secretEnv, field: 'secretEnv' }];
      if (endpoint.previousSecretEnv) secrets.push({ envName: endpoint.previousSecretEnv, field: 'previousSecretEnv' });
      for (const { envName, field } of secrets) {
        if (signers.has(envName)) continue;
        try {
          signers.set(envName, signerFromEnv(runtime.secret(envName), envName, `${where}.${field}`));
        } catch (error) {
          problems.push((error as Error).message);
        }
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(`Webhook endpoints cannot be used:\n  - ${problems.join('\n  - ')}`, problems);
  return signers;
}
