import type { CanonicalStage } from '@status-bridge/core';

/** StepStone ATSi Application Status values from the seed contract. Tenants may extend the list (e.g. CONTACT). */
export const STEPSTONE_STATUSES = ['LEAD', 'APPLIED', 'PRE_INTERVIEW', 'INTERVIEW', 'POST_INTERVIEW', 'OFFER', 'HIRED', 'REJECTED'] as const;

/** StepStone ATSi Application Status per stage (seed contract: REJECTED also covers "has withdrawn interest"). */
export const DEFAULT_STEPSTONE_BY_STAGE: Readonly<Record<CanonicalStage, string>> = {
  lead: 'LEAD',
  applied: 'APPLIED',
  screening: 'PRE_INTERVIEW',
  interview: 'INTERVIEW',
  assessment: 'POST_INTERVIEW',
  offer: 'OFFER',
  hired: 'HIRED',
  rejected: 'REJECTED',
  withdrawn: 'REJECTED',
};
