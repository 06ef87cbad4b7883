import type { CanonicalStage } from './stages';
import type { AnyPartnerDefinition, PartnerSectionBase } from './partner';
import type { TenantConfig } from './tenants';

/**
 * Status mapping, per tenant: iCIMS status id (the event's newStatus) → canonical stage (the
 * tenant's `statusMapping`) → each partner's own status. A partner section's `statusOverrides`
 * (status id → partner status) win over everything, then its `stageMapping` (stage → partner
 * status), then the partner's default table (PartnerDefinition.statuses). Pure: no I/O, no config
 * reading; the enrichment worker calls it per event.
 *
 * An unmapped status is not an error: the partner is skipped with a reason that is logged and
 * counted (`status_bridge_skips_total{partner,reason}`).
 */

export type SkipReason =
  /** The tenant's statusMapping has no stage for this status id, and no partner override either. */
  | 'unmapped_status'
  /** The stage is known but this partner has no status for it (a stage the partner's default table leaves out). */
  | 'no_partner_status'
  /** Configured partner status is not one the partner accepts (a typo in the tenants file). */
  | 'invalid_partner_status';

export type PartnerStatusDecision =
  | { mapped: true; status: string; via: 'override' | 'tenant_stage' | 'default_stage' }
  | { mapped: false; reason: SkipReason; detail: string };

export interface StatusMapping {
  statusId: string;
  stage?: CanonicalStage;
  /** One decision per registered partner, by partner key. */
  partners: Record<string, PartnerStatusDecision>;
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

/**
 * Maps one iCIMS status id for one tenant to its stage and every partner's status. A partner the
 * tenant has no section for is mapped with its defaults (the caller decides whether it delivers).
 */
export function mapStatus(tenant: Pick<TenantConfig, 'statusMapping'> & Readonly<Record<string, unknown>>, statusId: string, partners: readonly Pick<AnyPartnerDefinition, 'key' | 'statuses'>[]): StatusMapping {
  const stage = stageOf(tenant, statusId);
  const decisions: Record<string, PartnerStatusDecision> = {};
  for (const partner of partners) {
    const section = (tenant[partner.key] as PartnerSectionBase | undefined) ?? {};
    decisions[partner.key] = decidePartnerStatus(statusId, stage, section, partner.statuses);
  }
  return { statusId, stage, partners: decisions };
}

/** The stage of a status id for a tenant (e.g. the event's oldStatus), if mapped. */
export function stageOf(tenant: Pick<TenantConfig, 'statusMapping'>, statusId: string): CanonicalStage | undefined {
  return Object.prototype.hasOwnProperty.call(tenant.statusMapping, statusId) ? tenant.statusMapping[statusId] : undefined;
}
