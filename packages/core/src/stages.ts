/**
 * The canonical hiring stages every iCIMS status is mapped to, per tenant, before it is
 * translated to a partner's own list. Order follows a typical hiring funnel.
 */
export const CANONICAL_STAGES = [
  'lead',
  'applied',
  'screening',
  'interview',
  'assessment',
  'offer',
  'hired',
  'rejected',
  'withdrawn',
] as const;

export type CanonicalStage = (typeof CANONICAL_STAGES)[number];

/** StepStone ATSi Application Status values from the seed contract. Tenants may extend the list (e.g. CONTACT). */
export const STEPSTONE_STATUSES = [
  'LEAD',
  'APPLIED',
  'PRE_INTERVIEW',
  'INTERVIEW',
  'POST_INTERVIEW',
  'OFFER',
  'HIRED',
  'REJECTED',
] as const;

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
