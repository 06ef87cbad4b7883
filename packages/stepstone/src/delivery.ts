import type { DeliveryJob } from '@status-bridge/core';

/** The StepStone part of a `deliver-stepstone` job (queued jobs have this shape: keep it). */
export interface StepStoneDelivery {
  atsiApplicationId: string;
  /** StepStone status from the tenant's mapping (LEAD … REJECTED, or a tenant extra). */
  status: string;
}

/** Queue `deliver-stepstone`: `{statusChange, stepstone: {atsiApplicationId, status}}`. */
export type StepStoneDeliveryJob = DeliveryJob<'stepstone', StepStoneDelivery>;
