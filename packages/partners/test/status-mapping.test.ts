import { CANONICAL_STAGES, mapStatus as mapStatusFor, stageOf, type CanonicalStage, type PartnerStatusDecision, type TenantConfig } from '@status-bridge/core';
import { DEFAULT_SEEK_BY_STAGE } from '@status-bridge/seek';
import { DEFAULT_STEPSTONE_BY_STAGE } from '@status-bridge/stepstone';
import { PARTNERS, type PartnerKey } from '../src';

// Core's generic mapping (decidePartnerStatus per partner) over the registered partners' tables.
const mapStatus = (tenant: Parameters<typeof mapStatusFor>[0], statusId: string) => {
  const { partners, ...rest } = mapStatusFor(tenant, statusId, PARTNERS);
  return { ...rest, ...partners } as typeof rest & Record<PartnerKey, PartnerStatusDecision>;
};

// One iCIMS status id per canonical stage, so every stage goes through the mapping.
const statusByStage: Record<CanonicalStage, string> = {
  lead: 'L1',
  applied: 'D10100',
  screening: '1752',
  interview: '9782',
  assessment: '9790',
  offer: '9800',
  hired: '9810',
  rejected: '9820',
  withdrawn: '9830',
};

const baseTenant: Pick<TenantConfig, 'statusMapping' | 'stepstone' | 'seek'> = {
  statusMapping: Object.fromEntries(CANONICAL_STAGES.map((stage) => [statusByStage[stage], stage])),
  stepstone: { tokenEnv: 'T' },
  seek: { hirerId: 'h', defaultSource: 'iCIMS', withoutPosition: 'interaction' },
};

describe('mapStatus: defaults over every canonical stage', () => {
  const table: Array<[CanonicalStage, string, string | undefined]> = [
    ['lead', 'LEAD', undefined],
    ['applied', 'APPLIED', 'Application'],
    ['screening', 'PRE_INTERVIEW', 'HirerShortlist'],
    ['interview', 'INTERVIEW', 'Interview'],
    ['assessment', 'POST_INTERVIEW', 'TestingOrQualificationsCheck'],
    ['offer', 'OFFER', 'Offer'],
    ['hired', 'HIRED', 'Successful'],
    ['rejected', 'REJECTED', 'Unsuccessful'],
    ['withdrawn', 'REJECTED', 'Unsuccessful'],
  ];

  it('the table covers every canonical stage', () => {
    expect(table.map(([stage]) => stage).sort()).toEqual([...CANONICAL_STAGES].sort());
    expect(Object.keys(DEFAULT_STEPSTONE_BY_STAGE).sort()).toEqual([...CANONICAL_STAGES].sort());
  });

  it.each(table)('%s → StepStone %s, SEEK %s', (stage, stepstone, seek) => {
    const mapping = mapStatus(baseTenant, statusByStage[stage]);
    expect(mapping.stage).toBe(stage);
    expect(mapping.stepstone).toEqual({ mapped: true, status: stepstone, via: 'default_stage' });
    if (seek === undefined) {
      expect(mapping.seek).toMatchObject({ mapped: false, reason: 'no_partner_status' });
    } else {
      expect(mapping.seek).toEqual({ mapped: true, status: seek, via: 'default_stage' });
      expect(DEFAULT_SEEK_BY_STAGE[stage]).toBe(seek);
    }
  });
});

describe('mapStatus: tenant overrides and unmapped statuses', () => {
  const tenant: Pick<TenantConfig, 'statusMapping' | 'stepstone' | 'seek'> = {
    statusMapping: { ...baseTenant.statusMapping },
    stepstone: {
      tokenEnv: 'T',
      extraStatuses: ['CONTACT'],
      stageMapping: { screening: 'CONTACT', offer: 'NOT_A_STATUS' },
      statusOverrides: { '9782': 'POST_INTERVIEW', X1: 'APPLIED' },
    },
    seek: {
      hirerId: 'h',
      defaultSource: 'iCIMS',
      withoutPosition: 'interaction',
      stageMapping: { lead: 'HirerShortlist' },
      statusOverrides: { '9830': 'Unsuccessful', '9810': 'Hired' },
    },
  };

  const table: Array<[string, string, string | undefined, object, object]> = [
    ['override beats the stage', '9782', 'interview', { mapped: true, status: 'POST_INTERVIEW', via: 'override' }, { mapped: true, status: 'Interview', via: 'default_stage' }],
    ['tenant stage mapping beats the default, extra status accepted', '1752', 'screening', { mapped: true, status: 'CONTACT', via: 'tenant_stage' }, { mapped: true, status: 'HirerShortlist', via: 'default_stage' }],
    ['tenant gives SEEK a status for lead', 'L1', 'lead', { mapped: true, status: 'LEAD', via: 'default_stage' }, { mapped: true, status: 'HirerShortlist', via: 'tenant_stage' }],
    ['override for a status id without a stage', 'X1', undefined, { mapped: true, status: 'APPLIED', via: 'override' }, { mapped: false, reason: 'unmapped_status' }],
    ['unknown status id: skipped for both', '55555', undefined, { mapped: false, reason: 'unmapped_status' }, { mapped: false, reason: 'unmapped_status' }],
    ['typo in stage mapping is a skip, not a bad delivery', '9800', 'offer', { mapped: false, reason: 'invalid_partner_status' }, { mapped: true, status: 'Offer', via: 'default_stage' }],
    ['typo in SEEK override is a skip', '9810', 'hired', { mapped: true, status: 'HIRED', via: 'default_stage' }, { mapped: false, reason: 'invalid_partner_status' }],
    ['SEEK override with a valid code', '9830', 'withdrawn', { mapped: true, status: 'REJECTED', via: 'default_stage' }, { mapped: true, status: 'Unsuccessful', via: 'override' }],
    ['prototype keys are not statuses', 'constructor', undefined, { mapped: false, reason: 'unmapped_status' }, { mapped: false, reason: 'unmapped_status' }],
  ];

  it.each(table)('%s (%s)', (_name, statusId, stage, stepstone, seek) => {
    const mapping = mapStatus(tenant, statusId);
    expect(mapping.stage).toBe(stage);
    expect(mapping.stepstone).toMatchObject(stepstone);
    expect(mapping.seek).toMatchObject(seek);
  });

  it('a tenant without partner sections still maps (the caller decides whether the partner is enabled)', () => {
    const mapping = mapStatus({ statusMapping: { '9782': 'interview' } }, '9782');
    expect(mapping.stepstone).toMatchObject({ mapped: true, status: 'INTERVIEW' });
    expect(mapping.seek).toMatchObject({ mapped: true, status: 'Interview' });
  });

  it('stageOf reads the old status stage and ignores prototype keys', () => {
    expect(stageOf(tenant, '1752')).toBe('screening');
    expect(stageOf(tenant, 'toString')).toBeUndefined();
  });

  it('unmapped decisions carry a readable detail', () => {
    const mapping = mapStatus(tenant, '55555');
    expect(mapping.stepstone.mapped === false && mapping.stepstone.detail).toContain('55555');
  });
});
