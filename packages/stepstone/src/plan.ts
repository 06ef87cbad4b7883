import type { PartnerStorage, PlanInput, PlanResult } from '@status-bridge/core';
import { AtsiApplicationIdStore } from './application-ids';
import { UUID_PATTERN } from './message';
import type { StepStoneDelivery } from './delivery';
import type { StepStoneSection } from './section';

/**
 * After the iCIMS read: the AtsiApplicationId of the change, from the workflow field the tenant
 * names (the ATS stores it there), else our correlation records (written on ingest and by
 * `npm run import:stepstone`). None: no StepStone job, a counted skip.
 */
export async function planStepStoneDelivery(input: PlanInput<StepStoneSection>, storage: PartnerStorage): Promise<PlanResult<StepStoneDelivery>> {
  const field = input.section.applicationIdField;
  const fromWorkflow = field ? input.records.workflow.custom[field] : undefined;
  const atsiApplicationId =
    fromWorkflow && UUID_PATTERN.test(fromWorkflow)
      ? fromWorkflow.toLowerCase()
      : await new AtsiApplicationIdStore(storage.redis, storage.prefix).get(input.statusChange.customerId, input.statusChange.systemId);
  if (!atsiApplicationId) return { skip: fromWorkflow ? 'invalid_application_id' : 'no_application_id' };
  return { delivery: { atsiApplicationId, status: input.status } };
}
