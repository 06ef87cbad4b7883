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

// Each partner's own vocabulary and its default table per stage live in its package (PartnerDefinition.statuses).
