import type { CanonicalStage, StatusChange } from '@status-bridge/core';

/**
 * The body of every webhook request, version 1. Follows Standard Webhooks' recommended envelope
 * (`type`, `timestamp` = when the event occurred, `data`) plus a `version` so a receiver can tell a
 * future incompatible shape apart. Documented for receivers in docs/webhook.md: a change here is
 * a change of our public API, so add optional fields, never rename or retype one (that is version 2).
 *
 * Built from an allow-list of fields, never by copying StatusChange: nothing reaches a receiver
 * that was not chosen here, and the candidate's name and email only when the endpoint asks.
 */
export const WEBHOOK_EVENT_TYPE = 'application.status_changed';
export const WEBHOOK_PAYLOAD_VERSION = 1;

export interface WebhookCandidate {
  /** Full name as iCIMS formats it. */
  name: string;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
}

export interface WebhookStatusChangeData {
  /** The iCIMS customer (our tenant). */
  customerId: string;
  /** The iCIMS applicant workflow (the application); the event's systemId. */
  workflowId: string;
  personId: string;
  jobId: string;
  /** One per status change: the same in the requests of every endpoint that gets this change. */
  changeId: string;
  oldStatus: { id: string; stage: CanonicalStage | null };
  /** `stage` is the one this endpoint subscribed to (after the tenant's webhook stageMapping / statusOverrides). */
  newStatus: { id: string; stage: CanonicalStage; name: string | null };
  /** When the transition happened (ISO-8601 UTC). */
  occurredAt: string;
  /** When iCIMS's event reached us (ISO-8601 UTC). */
  receivedAt: string;
  /** Only on endpoints with includeCandidate: true. */
  candidate?: WebhookCandidate;
}

export interface WebhookPayload {
  type: typeof WEBHOOK_EVENT_TYPE;
  version: typeof WEBHOOK_PAYLOAD_VERSION;
  /** = data.occurredAt (Standard Webhooks: when the event occurred, not when it was sent). */
  timestamp: string;
  data: WebhookStatusChangeData;
}

export interface PayloadOptions {
  includeCandidate: boolean;
}

export function buildWebhookPayload(statusChange: StatusChange, stage: CanonicalStage, options: PayloadOptions): WebhookPayload {
  const data: WebhookStatusChangeData = {
    customerId: statusChange.customerId,
    workflowId: statusChange.systemId,
    personId: statusChange.personId,
    jobId: statusChange.jobId,
    changeId: statusChange.enrichJobId,
    oldStatus: { id: statusChange.oldStatus.id, stage: statusChange.oldStatus.stage ?? null },
    newStatus: { id: statusChange.newStatus.id, stage, name: statusChange.newStatus.name?.trim() || null },
    occurredAt: statusChange.occurredAt,
    receivedAt: statusChange.receivedAt,
  };
  if (options.includeCandidate) {
    const { candidate } = statusChange;
    data.candidate = {
      name: candidate.formattedName,
      givenName: candidate.givenName ?? null,
      familyName: candidate.familyName ?? null,
      email: candidate.email ?? null,
    };
  }
  return { type: WEBHOOK_EVENT_TYPE, version: WEBHOOK_PAYLOAD_VERSION, timestamp: statusChange.occurredAt, data };
}

/** The payload without the candidate (an endpoint switched includeCandidate off after the job was planned). */
export function withoutCandidate(payload: WebhookPayload): WebhookPayload {
  if (payload.data.candidate === undefined) return payload;
  const { candidate: _dropped, ...data } = payload.data;
  return { ...payload, data };
}

/**
 * The `webhook-id` of a delivery job: its id, stable across retries and replays, so a receiver
 * de-duplicates on it. Standard Webhooks forbids `.` in the id (it delimits the signed content
 * `id.timestamp.body`); job ids use [A-Za-z0-9._-], and an iCIMS status id may hold a dot, so any
 * character outside [A-Za-z0-9_-] is written as its UTF-8 bytes %XX (one-to-one, like a URL's percent-encoding).
 */
export function webhookIdOf(jobId: string): string {
  return jobId.replace(/[^A-Za-z0-9_-]/gu, (char) => [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
}
