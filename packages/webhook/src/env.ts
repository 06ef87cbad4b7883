import type { EnvProperty } from '@status-bridge/core';

/** Partner-wide settings of webhook deliveries (the worker reads them; endpoints are per tenant). */
export interface WebhookEnv {
  WEBHOOK_REQUEST_TIMEOUT_MS: number;
  WEBHOOK_MAX_SOCKETS: number;
  WEBHOOK_DEFAULT_RETRY_AFTER_MS: number;
  WEBHOOK_MAX_RETRY_AFTER_MS: number;
  WEBHOOK_RATE_LIMIT_PATIENCE_MS: number;
  WEBHOOK_ALLOW_HTTP: boolean;
}

export const webhookEnvProperties: Record<keyof WebhookEnv, EnvProperty> = {
  // Standard Webhooks recommends 15–30 s so receivers have time to process and acknowledge.
  WEBHOOK_REQUEST_TIMEOUT_MS: {
    type: 'integer',
    minimum: 100,
    maximum: 120_000,
    default: 15_000,
    description: 'hard deadline of one webhook request (connect, send, answer); past it the attempt counts as failed and is retried',
  },
  WEBHOOK_MAX_SOCKETS: { type: 'integer', minimum: 1, default: 50, description: 'keep-alive sockets per endpoint origin' },
  WEBHOOK_DEFAULT_RETRY_AFTER_MS: {
    type: 'integer',
    minimum: 100,
    default: 60_000,
    description: 'how long a delivery waits after an endpoint answered 429 without a usable Retry-After',
  },
  WEBHOOK_MAX_RETRY_AFTER_MS: {
    type: 'integer',
    minimum: 100,
    default: 3_600_000,
    description: "cap on an endpoint's Retry-After",
  },
  WEBHOOK_RATE_LIMIT_PATIENCE_MS: {
    type: 'integer',
    minimum: 0,
    default: 86_400_000,
    description:
      'a 429 delays the delivery without spending an attempt until the change is this old (since ingest received it); after that each 429 spends one, so an endpoint that never stops answering 429 ends in the failed set',
  },
  WEBHOOK_ALLOW_HTTP: {
    type: 'boolean',
    default: false,
    description: 'true: endpoints may use plain http to any host (development only); otherwise http only to loopback, https everywhere else',
  },
};
