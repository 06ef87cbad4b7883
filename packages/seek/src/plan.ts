import type { PlanInput, PlanResult } from '@status-bridge/core';
import type { SeekDelivery } from './delivery';
import { seekIdempotencyId } from './idempotency';
import type { SeekSection } from './section';

/**
 * After the iCIMS read: the SEEK job's data. The idempotency id is fixed here, once, so every
 * retry and replay of the delivery sends the same one (SEEK answers a repeat with _Conflict).
 */
export async function planSeekDelivery({ tenantId, section, statusChange, status, records }: PlanInput<SeekSection>): Promise<PlanResult<SeekDelivery>> {
  const candidateProfileId = section.candidateProfileField ? records.person.custom[section.candidateProfileField] : undefined;
  const positionProfileId = section.positionProfileField ? records.job.custom[section.positionProfileField] : undefined;
  const sourceName = (section.sourceField && section.sourceField !== 'source' ? records.workflow.custom[section.sourceField] : records.workflow.source) ?? section.defaultSource;
  // Enrichment leaves the actor out when it is the candidate or has no name; delivery then sends the fallback party.
  const formattedName = records.actor?.formattedName?.trim();
  const actor = formattedName ? { ...records.actor, formattedName } : undefined;
  return {
    delivery: {
      idempotencyId: seekIdempotencyId({ tenantId, systemId: statusChange.systemId, oldStatus: statusChange.oldStatus.id, newStatus: statusChange.newStatus.id }),
      statusCode: status,
      ...(candidateProfileId ? { candidateProfileId } : {}),
      ...(positionProfileId ? { positionProfileId } : {}),
      sourceName,
      ...(actor ? { actor } : {}),
    },
  };
}
