import type { DeliveryJob } from '@status-bridge/core';

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
}

/** Queue `deliver-seek`: `{statusChange, seek: {idempotencyId, statusCode, …}}`. */
export type SeekDeliveryJob = DeliveryJob<'seek', SeekDelivery>;
