import type { CanonicalStage } from './stages';

/**
 * Job payload types, shared by every producer and consumer. Changing a shape here is a compile
 * error on both sides; changing it incompatibly while jobs are queued needs a migration (old
 * jobs stay in Redis with the old shape), so add optional fields rather than rename.
 */

/** One entry of the event's `links[]`: untrusted input, followed only after the allow-list check. */
export interface IcimsLink {
  title: string;
  rel: string;
  url: string;
}

/** The iCIMS Status Flow Update event, as validated at ingest (unknown extra fields dropped). */
export interface IcimsStatusEvent {
  eventType: 'WorkFlowStatusChangeEvent';
  customerId: string;
  systemId: string;
  personId: string;
  jobId: string;
  userId: string;
  newStatus: string;
  oldStatus: string;
  links: IcimsLink[];
}

/** Queue `enrich`: one accepted event. */
export interface EnrichJob {
  event: IcimsStatusEvent;
  /** The iCIMS customerId whose tenant entry admitted the event. */
  tenantId: string;
  /** ISO-8601 time the ingest API received the request; the event itself carries no time. */
  receivedAt: string;
  /** Ingest request id, for following one event through the logs. */
  requestId: string;
}

/**
 * Where one change stands among the changes of the same application: later `atMs` is newer; on
 * equal `atMs` the greater `tiebreak` (compared byte by byte, never by locale) is newer. Computed
 * once at enrichment (packages/icims/src/event-order.ts) so every retry and every replica agrees.
 */
export interface OrderPosition {
  /** Epoch ms: the ingest receive time, capped just before the workflow's last update when that update is newer than the event. */
  atMs: number;
  /** The enrichment job id: unique per accepted event, so two events never share a position. */
  tiebreak: string;
  /**
   * Set only when `atMs` was capped before the workflow's last update (the workflow had moved on
   * to another status when enrichment read it). The cap is an upper bound to the minute, so it may
   * fall before changes that are in fact OLDER than this one (received earlier in that minute);
   * these fields let a current-state partner's order check recognise such a change as this one's
   * predecessor (docs/architecture.md, "Order: newest wins").
   */
  capped?: {
    /** Epoch ms ingest received the event. */
    receivedAtMs: number;
    /** The status the workflow had moved on to. */
    workflowStatusId: string;
  };
}

export interface StatusRef {
  /** iCIMS status (list node) id, e.g. "9782" or "D10100". */
  id: string;
  /** Canonical stage from the tenant's mapping; absent when the status is unmapped. */
  stage?: CanonicalStage;
}

/**
 * One normalized status change, built by the enrichment worker from the event and the iCIMS
 * records. Holds candidate PII (name, email, phone) because partners need it (one uploads the
 * candidate): never log it, and
 * the dashboard masks it.
 */
export interface StatusChange {
  tenantId: string;
  customerId: string;
  systemId: string;
  personId: string;
  jobId: string;
  userId: string;
  oldStatus: StatusRef;
  newStatus: StatusRef & {
    /** Recruiter-visible status name (the workflow's status.value), sent as the raw status. */
    name?: string;
  };
  /**
   * When THIS transition happened, ISO-8601 UTC: `order.atMs` (the receive time, capped before a
   * newer workflow update). Not the workflow's updateddate, which is the time of its latest
   * change, possibly a later one. Partners send it as the change's date.
   */
  occurredAt: string;
  /**
   * Order position among the application's changes; a current-state partner delivers only the newest.
   * Optional only because jobs queued before it existed lack it (then: receivedAt + enrichJobId).
   */
  order?: OrderPosition;
  /** When ingest received the event, for end-to-end latency. */
  receivedAt: string;
  candidate: {
    formattedName: string;
    givenName?: string;
    familyName?: string;
    email?: string;
    phone?: string;
  };
  job: {
    title?: string;
    location?: string;
  };
  /** The workflow's source (the job board the candidate came from), if iCIMS returned one. */
  source?: string;
  /** The enrichment job this change came from; delivery job ids derive from it. */
  enrichJobId: string;
}

// Each partner's delivery job is `DeliveryJob<key, its data>` (partner.ts), defined in its package.
