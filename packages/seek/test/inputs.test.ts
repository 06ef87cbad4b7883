import { getVariableValues, parse, type OperationDefinitionNode } from 'graphql';
import type { StatusChange } from '@status-bridge/core';
import { type SeekDeliveryJob } from '@status-bridge/seek';
import { sampleStatusChange } from '@status-bridge/testing';
import { SEEK_DOCUMENTS, type SeekOperationName } from '../src/documents';
import { actionDescription, planProcessHistoryItem, planUploadCandidate, MAX_ACTION_DESCRIPTION } from '../src/inputs';
import { seekSchema } from '../src/schema';

const statusChange = sampleStatusChange;

const seek: SeekDeliveryJob['seek'] = { idempotencyId: '00000000-0000-0000-0000-000000000002', statusCode: 'Interview', sourceName: 'Recruitment Agency' };

/** Coerces variables against the operation's variable definitions, exactly as a GraphQL server does. */
function coercionErrors(operation: SeekOperationName, variables: Record<string, unknown>): string[] {
  const definition = parse(SEEK_DOCUMENTS[operation]).definitions[0] as OperationDefinitionNode;
  const result = getVariableValues(seekSchema(), definition.variableDefinitions ?? [], variables);
  return 'errors' in result && result.errors ? result.errors.map((error) => error.message) : [];
}

describe('planProcessHistoryItem', () => {
  const transitionTenant = { withoutPosition: 'interaction' as const };

  it('builds a CandidateWorkflowTransition with status, position profile and source (seed example shape)', () => {
    const plan = planProcessHistoryItem({ statusChange: statusChange(), seek, tenant: transitionTenant, positionProfileId: 'globalPublicTest:positionProfile:unposted:QnwpqZfzXu1NRmZw5tjswn' });
    expect(plan).toEqual({
      kind: 'create',
      mode: 'transition',
      item: {
        action: { code: 'CandidateWorkflowTransition', name: 'Second interview', description: 'Status changed to Second interview for Warehouse lead' },
        actionDate: '2026-11-23T18:00:00.000Z',
        idempotencyId: seek.idempotencyId,
        primaryParties: [{ person: { name: { formattedName: 'Hayden Robinson', given: 'Hayden', family: 'Robinson' }, communication: { email: [], phone: [] } } }],
        positionProfile: { profileId: 'globalPublicTest:positionProfile:unposted:QnwpqZfzXu1NRmZw5tjswn' },
        seekSource: { name: 'Recruitment Agency' },
        status: { code: 'Interview' },
      },
    });
    if (plan.kind !== 'create') throw new Error('expected create');
    expect(coercionErrors('CreateCandidateProcessHistoryItem', { input: { candidateProfile: { profileId: 'p' }, candidateProcessHistoryItem: plan.item } })).toEqual([]);
  });

  it.each([
    ['interaction with the default Note code', { withoutPosition: 'interaction' as const }, 'Note'],
    ['interaction with the tenant code', { withoutPosition: 'interaction' as const, interactionActionCode: 'Screening' }, 'Screening'],
  ])('without a position profile: %s, no status/positionProfile/seekSource', (_what, tenant, code) => {
    const plan = planProcessHistoryItem({ statusChange: statusChange(), seek, tenant, positionProfileId: undefined });
    expect(plan.kind).toBe('create');
    if (plan.kind !== 'create') return;
    expect(plan.mode).toBe('interaction');
    expect(plan.item.action).toEqual({ code, name: 'Second interview', description: 'Status changed to Second interview for Warehouse lead' });
    expect(plan.item).not.toHaveProperty('status');
    expect(plan.item).not.toHaveProperty('positionProfile');
    expect(plan.item).not.toHaveProperty('seekSource');
    expect(coercionErrors('CreateCandidateProcessHistoryItem', { input: { candidateProfile: { profileId: 'p' }, candidateProcessHistoryItem: plan.item } })).toEqual([]);
  });

  it('without a position profile and withoutPosition=skip: a counted skip', () => {
    expect(planProcessHistoryItem({ statusChange: statusChange(), seek, tenant: { withoutPosition: 'skip' }, positionProfileId: undefined })).toEqual({ kind: 'skip', reason: 'no_position_profile' });
  });

  it.each([
    ['no status name: the SEEK code is the action name', { newStatus: { id: '9782' } }, 'Interview', 'Status changed to Interview for Warehouse lead'],
    ['no job title', { job: {} }, 'Second interview', 'Status changed to Second interview'],
    ['blank given/family are left out', { candidate: { formattedName: 'Hayden R', givenName: ' ', familyName: '' } }, 'Second interview', undefined],
  ])('%s', (_what, overrides, name, description) => {
    const plan = planProcessHistoryItem({ statusChange: statusChange(overrides as Partial<StatusChange>), seek, tenant: transitionTenant, positionProfileId: 'pp' });
    if (plan.kind !== 'create') throw new Error('expected create');
    expect(plan.item.action.name).toBe(name);
    if (description) expect(plan.item.action.description).toBe(description);
    if (_what.startsWith('blank')) expect(plan.item.primaryParties[0].person.name).toEqual({ formattedName: 'Hayden R' });
  });

  it('keeps the description within 1,000 characters', () => {
    expect(actionDescription('x'.repeat(600), 'y'.repeat(600))).toHaveLength(MAX_ACTION_DESCRIPTION);
  });

  it('a nameless candidate is invalid (formattedName is required)', () => {
    const plan = planProcessHistoryItem({ statusChange: statusChange({ candidate: { formattedName: ' ' } }), seek, tenant: transitionTenant, positionProfileId: 'pp' });
    expect(plan.kind).toBe('invalid');
  });

  it('falls back to given + family for the formatted name', () => {
    const plan = planProcessHistoryItem({ statusChange: statusChange({ candidate: { formattedName: '', givenName: 'Terry', familyName: 'Astley' } }), seek, tenant: transitionTenant, positionProfileId: 'pp' });
    if (plan.kind !== 'create') throw new Error('expected create');
    expect(plan.item.primaryParties[0].person.name.formattedName).toBe('Terry Astley');
  });
});

describe('planUploadCandidate', () => {
  it('uploads with ProactiveSourcing, the email as primary address, phone, empty required lists, dates from occurredAt', () => {
    const plan = planUploadCandidate(statusChange(), ' seekAnz:organization:seek:93WyyF1h ');
    expect(plan).toEqual({
      kind: 'upload',
      input: {
        candidate: {
          distributionGuidelines: { seekProductCodes: ['ProactiveSourcing'] },
          person: {
            name: { formattedName: 'Hayden Robinson', given: 'Hayden', family: 'Robinson' },
            communication: { email: [{ address: 'hayden@example.com' }], phone: [{ formattedNumber: '+61 400 000 000' }] },
          },
          seekPrimaryEmailAddress: 'hayden@example.com',
        },
        candidateProfile: { createDateTime: '2026-11-23T18:00:00.000Z', updateDateTime: '2026-11-23T18:00:00.000Z', positionPreferences: [], seekActions: [], seekProcessHistory: [] },
        hiringOrganization: { id: 'seekAnz:organization:seek:93WyyF1h' },
      },
    });
    if (plan.kind !== 'upload') return;
    expect(coercionErrors('UploadCandidate', { input: plan.input })).toEqual([]);
  });

  it('no phone: an empty phone list', () => {
    const plan = planUploadCandidate(statusChange({ candidate: { formattedName: 'A B', email: 'a@example.com' } }), 'h');
    expect(plan.kind === 'upload' && plan.input.candidate.person.communication.phone).toEqual([]);
  });

  it.each([['no email', undefined], ['blank email', '  ']])('%s: skipped with a reason', (_what, email) => {
    expect(planUploadCandidate(statusChange({ candidate: { formattedName: 'A B', email } }), 'h')).toEqual({ kind: 'skip', reason: 'no_candidate_email' });
  });

  it('the coercion check can fail: a person without communication is rejected by the schema', () => {
    const plan = planUploadCandidate(statusChange(), 'h');
    if (plan.kind !== 'upload') throw new Error('expected upload');
    const { communication: _dropped, ...person } = plan.input.candidate.person;
    expect(coercionErrors('UploadCandidate', { input: { ...plan.input, candidate: { ...plan.input.candidate, person } } }).join()).toMatch(/communication/);
  });
});
