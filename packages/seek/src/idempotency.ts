import { v5 as uuidv5 } from 'uuid';

/**
 * SEEK enforces uniqueness of `idempotencyId` per candidate profile and answers a repeat with
 * CreateCandidateProcessHistoryItemPayload_Conflict without updating the item. We derive the id
 * from (tenant, workflow systemId, oldStatus → newStatus), so every retry and every re-send of the
 * same event maps to the same item.
 *
 * Consequence, on purpose: an exact repeat of one transition for one workflow (A→B, later A→B
 * again) is recorded once. That is the safe side: a duplicate history item cannot be removed by
 * the hirer's process, while the missing repeat still leaves the candidate's current status right
 * (the later B→… transition is a different id and is recorded).
 */

// Fixed namespace for status-bridge ids (a random UUID chosen once; never change it, or every
// id changes and replays would duplicate items).
export const SEEK_IDEMPOTENCY_NAMESPACE = '3f6c2b8e-4d1a-5e7f-9a0b-6c5d4e3f2a1b';

export interface IdempotencyInput {
  tenantId: string;
  systemId: string;
  oldStatus: string;
  newStatus: string;
}

export function seekIdempotencyId(input: IdempotencyInput): string {
  // JSON keeps the parts unambiguous ("1|23" vs "12|3").
  const name = JSON.stringify(['status-bridge/seek-process-history/v1', input.tenantId, input.systemId, input.oldStatus, input.newStatus]);
  return uuidv5(name, SEEK_IDEMPOTENCY_NAMESPACE);
}
