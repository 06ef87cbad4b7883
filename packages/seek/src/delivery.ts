import type { DeliveryJob } from '@status-bridge/core';

/**
 * The iCIMS user who changed the status, as SEEK's `primaryParties` names them. PII (a
 * colleague's name and email): never logged; the dashboard masks these keys.
 */
export interface SeekActor {
  formattedName: string;
  givenName?: string;
  familyName?: string;
  email?: string;
}

/** The SEEK part of a `deliver-seek` job (queued jobs have this shape: keep it). */
export interface SeekDelivery {
  /** UUID v5 of (tenant, systemId, oldStatus → newStatus); computed once so every retry resends it. */
  idempotencyId: string;
  /** SEEK CandidateProcessStatus code from the tenant's mapping (Application … Unsuccessful). */
  statusCode: string;
  /** From the iCIMS person field the tenant names, if any. */
  candidateProfileId?: string;
  /** From the iCIMS job field the tenant names, if any. */
  positionProfileId?: string;
  /** seekSource.name: the workflow's source or the tenant default. */
  sourceName: string;
  /**
   * The acting iCIMS user, when enrichment could name them. Absent (and in jobs queued before it
   * existed): the tenant's `fallbackPartyName` is sent instead.
   */
  actor?: SeekActor;
}

/** Queue `deliver-seek`: `{statusChange, seek: {idempotencyId, statusCode, …}}`. */
export type SeekDeliveryJob = DeliveryJob<'seek', SeekDelivery>;
