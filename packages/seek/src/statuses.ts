import type { CanonicalStage } from '@status-bridge/core';

/** SEEK CandidateProcessStatus codes (developer.seek.com interaction history; strings, not an enum, in the schema). */
export const SEEK_STATUS_CODES = [
  'Application',
  'AgencyShortlist',
  'AgencySubmission',
  'HirerShortlist',
  'Interview',
  'TestingOrQualificationsCheck',
  'ReferenceCheck',
  'Offer',
  'Successful',
  'Unsuccessful',
] as const;

/**
 * SEEK CandidateProcessStatus code per stage. `lead` has no default on purpose: a lead has not
 * applied, so `Application` would be false, and `HirerShortlist` would claim a shortlisting that
 * did not happen; SEEK history is append-only, so a wrong item cannot be taken back. A tenant
 * that wants leads recorded sets `seek.stageMapping.lead` (e.g. "HirerShortlist").
 */
export const DEFAULT_SEEK_BY_STAGE: Readonly<Partial<Record<CanonicalStage, string>>> = {
  applied: 'Application',
  screening: 'HirerShortlist',
  interview: 'Interview',
  assessment: 'TestingOrQualificationsCheck',
  offer: 'Offer',
  hired: 'Successful',
  rejected: 'Unsuccessful',
  withdrawn: 'Unsuccessful',
};
