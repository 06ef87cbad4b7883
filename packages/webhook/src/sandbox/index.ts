import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { listenSandbox, type PartnerSandboxDefinition } from '@status-bridge/core';
import type { WebhookPayload } from '../payload';
import type { WebhookSection } from '../section';
import { SECRET_PREFIX } from '../signing-secret';
import { createReceiverHandler } from './server';
import { WebhookReceiverState, type FaultRequest, type ReceivedWebhook, type ReceiverRequest } from './state';

export * from './state';
export * from './verify-by-hand';
export { verifyRequest } from './server';

export interface WebhookSandboxOptions {
  /** 0 (default): any free port. */
  port?: number;
  host?: string;
  /** Secrets it verifies with, by name (normally the env var the worker reads each from). */
  secrets?: Record<string, string>;
}

export interface WebhookSandbox {
  /** Origin, e.g. http://127.0.0.1:41234; any path below it (except /_sandbox) receives webhooks. */
  url: string;
  /** A receiving URL, e.g. endpointUrl('1234', 'crm') → http://127.0.0.1:41234/hooks/1234/crm */
  endpointUrl(tenantId: string, endpoint: string): string;
  state: WebhookReceiverState;
  /** Verified first deliveries, in arrival order (live array). */
  received: ReceivedWebhook[];
  /** Requests refused for their signature (live array). */
  rejected: ReceivedWebhook[];
  /** Every request, faults included (live array). */
  requests: ReceiverRequest[];
  /** Verified repeats of an already processed webhook-id. */
  duplicates(): number;
  rateLimitNext(count: number, retryAfter?: string | number | null): void;
  failNext(count: number, status?: number): void;
  goneNext(count: number): void;
  hangNext(count?: number): void;
  redirectNext(count: number, location?: string): void;
  faults(request: FaultRequest): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startWebhookSandbox(options: WebhookSandboxOptions = {}): Promise<WebhookSandbox> {
  const state = new WebhookReceiverState(options.secrets);
  const hung = new Set<ServerResponse>();
  const { url, close } = await listenSandbox(createReceiverHandler(state, hung), options, hung);
  return {
    url,
    endpointUrl: (tenantId, endpoint) => `${url}/hooks/${encodeURIComponent(tenantId)}/${encodeURIComponent(endpoint)}`,
    state,
    received: state.received,
    rejected: state.rejected,
    requests: state.requests,
    duplicates: () => state.duplicates,
    rateLimitNext: (count, retryAfter) => state.rateLimitNext(count, retryAfter),
    failNext: (count, status) => state.failNext(count, status),
    goneNext: (count) => state.goneNext(count),
    hangNext: (count) => state.hangNext(count),
    redirectNext: (count, location) => state.redirectNext(count, location),
    faults: (request) => state.applyFaults(request),
    reset: () => state.reset(),
    close,
  };
}

/**
 * The registry's sandbox entry (npm start, the demo). Endpoint URLs live in the tenants file, not
 * in worker env, so there is nothing to point the worker at: a development tenants file names
 * `http://127.0.0.1:4040/hooks/<tenant>/<endpoint>` (loopback http is allowed). The receiver
 * verifies with every secret the tenants' endpoints reference.
 */
export const webhookSandbox: PartnerSandboxDefinition = {
  defaultPort: 4040,
  // The worker refuses a secret that is not whsec_ + base64 of 24-64 bytes; derived from the name
  // (not random) so a restarted quick start signs and verifies as before. Development only.
  quickStartSecret: (envName) => `${SECRET_PREFIX}${createHash('sha256').update(`status-bridge quick start ${envName}`).digest('base64')}`,
  async start({ host, port, tenants, secret }) {
    const secrets: Record<string, string> = {};
    for (const { section } of tenants) {
      const endpoints = (section as Partial<WebhookSection> | undefined)?.endpoints ?? {};
      for (const endpoint of Object.values(endpoints)) {
        for (const envName of [endpoint.secretEnv, endpoint.previousSecretEnv]) {
          if (envName) secrets[envName] = secret(envName);
        }
      }
    }
    const sandbox = await startWebhookSandbox({ host, port, secrets });
    return {
      url: sandbox.url,
      workerEnv: {},
      // For the demo's summary: what arrived and whether it verified; bodies hold no secrets.
      received: async () => sandbox.received.map(({ path, webhookId, verification, body }) => ({ path, webhookId, verified: verification.secretName, body })),
      close: sandbox.close,
    };
  },
  // For `npm run demo`: ids, stages and the verification result; never the candidate an endpoint may receive.
  async describeReceived(url, sinceMs) {
    const response = await fetch(`${url}/_sandbox/received`);
    if (!response.ok) throw new Error(`GET ${url}/_sandbox/received answered ${response.status}`);
    const { received, rejected, duplicates } = (await response.json()) as { received: ReceivedWebhook[]; rejected: ReceivedWebhook[]; duplicates: number };
    const describe = (item: ReceivedWebhook): string => {
      const data = (item.body as Partial<WebhookPayload> | undefined)?.data;
      const change = data ? `workflow ${data.workflowId}: ${data.oldStatus?.stage ?? data.oldStatus?.id} → ${data.newStatus?.stage}` : 'unreadable body';
      return `POST ${item.path}  webhook-id ${item.webhookId}  ${change}`;
    };
    const accepted = received.filter((item) => item.at >= sinceMs);
    return [
      ...(accepted.length === 0 ? ['nothing'] : accepted.map((item) => `${describe(item)}  (signature verified with ${item.verification.secretName})`)),
      ...rejected.filter((item) => item.at >= sinceMs).map((item) => `refused (401): ${describe(item)}: ${item.verification.problem ?? 'signature not verified'}`),
      ...(duplicates > 0 ? [`${duplicates} repeated webhook-id(s) acknowledged without processing again`] : []),
    ];
  },
};
