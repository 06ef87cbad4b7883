import { SEEK_STATUS_CODES, STEPSTONE_STATUSES, type CanonicalStage } from './stages';
import type { PartnerSectionBase } from './partner';
import type { TenantConfig } from './tenants';

/**
 * Status mapping, per tenant: iCIMS status id (the event's newStatus) → canonical stage (the
 * tenant's `statusMapping`) → each partner's own status. A tenant's `statusOverrides` (status id
 * → partner status) win over everything, then its `stageMapping` (stage → partner status), then
 * the defaults below. Pure: no I/O, no config reading; the enrichment worker calls it per event.
 *
 * An unmapped status is not an error: the partner is skipped with a reason that is logged and
 * counted (`status_bridge_skips_total{partner,reason}`).
 */

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

export type SkipReason =
  /** The tenant's statusMapping has no stage for this status id, and no partner override either. */
  | 'unmapped_status'
  /** The stage is known but this partner has no status for it (e.g. SEEK for `lead`). */
  | 'no_partner_status'
  /** Configured partner status is not one the partner accepts (a typo in the tenants file). */
  | 'invalid_partner_status';

export type PartnerStatusDecision =
  | { mapped: true; status: string; via: 'override' | 'tenant_stage' | 'default_stage' }
  | { mapped: false; reason: SkipReason; detail: string };

export interface StatusMapping {
  statusId: string;
  stage?: CanonicalStage;
  stepstone: PartnerStatusDecision;
  seek: PartnerStatusDecision;
}

/** What the mapping needs of a partner: its vocabulary for a tenant and its default table (PartnerDefinition.statuses). */
export interface PartnerStatusVocabulary<Section> {
  accepted(section: Section): readonly string[];
  defaultsByStage: Readonly<Partial<Record<CanonicalStage, string>>>;
}

/**
 * One partner's status for one iCIMS status id: the section's `statusOverrides` (status id →
 * partner status) win, then its `stageMapping` (stage → partner status), then the partner's
 * default table; the result must be one the partner accepts for this tenant.
 */
export function decidePartnerStatus<Section extends PartnerSectionBase>(
  statusId: string,
  stage: CanonicalStage | undefined,
  section: Section,
  statuses: PartnerStatusVocabulary<Section>,
): PartnerStatusDecision {
  return decide(statusId, stage, section.statusOverrides, section.stageMapping, statuses.defaultsByStage, statuses.accepted(section));
}

function decide(
  statusId: string,
  stage: CanonicalStage | undefined,
  overrides: Record<string, string> | undefined,
  tenantStages: Partial<Record<CanonicalStage, string>> | undefined,
  defaults: Readonly<Partial<Record<CanonicalStage, string>>>,
  accepted: readonly string[],
): PartnerStatusDecision {
  let candidate: { status: string; via: 'override' | 'tenant_stage' | 'default_stage' } | undefined;
  const override = overrides && Object.prototype.hasOwnProperty.call(overrides, statusId) ? overrides[statusId] : undefined;
  if (override !== undefined) candidate = { status: override, via: 'override' };
  else if (stage === undefined) return { mapped: false, reason: 'unmapped_status', detail: `iCIMS status ${statusId} has no stage in the tenant's statusMapping` };
  else if (tenantStages?.[stage] !== undefined) candidate = { status: tenantStages[stage] as string, via: 'tenant_stage' };
  else if (defaults[stage] !== undefined) candidate = { status: defaults[stage] as string, via: 'default_stage' };
  else return { mapped: false, reason: 'no_partner_status', detail: `stage ${stage} has no partner status (set stageMapping.${stage})` };
  if (!accepted.includes(candidate.status)) {
    return { mapped: false, reason: 'invalid_partner_status', detail: `configured status "${candidate.status}" is not one the partner accepts` };
  }
  return { mapped: true, ...candidate };
}

/** Maps one iCIMS status id for one tenant to its stage and each partner's status. */
export function mapStatus(tenant: Pick<TenantConfig, 'statusMapping' | 'stepstone' | 'seek'>, statusId: string): StatusMapping {
  const stage = Object.prototype.hasOwnProperty.call(tenant.statusMapping, statusId) ? tenant.statusMapping[statusId] : undefined;
  const stepstoneAccepted = [...STEPSTONE_STATUSES, ...(tenant.stepstone?.extraStatuses ?? [])];
  return {
    statusId,
    stage,
    stepstone: decide(statusId, stage, tenant.stepstone?.statusOverrides, tenant.stepstone?.stageMapping, DEFAULT_STEPSTONE_BY_STAGE, stepstoneAccepted),
    seek: decide(statusId, stage, tenant.seek?.statusOverrides, tenant.seek?.stageMapping, DEFAULT_SEEK_BY_STAGE, SEEK_STATUS_CODES),
  };
}

/** The stage of a status id for a tenant (e.g. the event's oldStatus), if mapped. */
export function stageOf(tenant: Pick<TenantConfig, 'statusMapping'>, statusId: string): CanonicalStage | undefined {
  return Object.prototype.hasOwnProperty.call(tenant.statusMapping, statusId) ? tenant.statusMapping[statusId] : undefined;
}
