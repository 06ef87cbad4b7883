import { getVariableValues, parse, type OperationDefinitionNode } from 'graphql';
import type { StatusChange } from '@status-bridge/core';
import { type SeekDeliveryJob } from '@status-bridge/seek';
import { sampleStatusChange } from '@status-bridge/testing';
import { SEEK_DOCUMENTS, type SeekOperationName } from '../src/documents';
import type { SeekActor } from '../src/delivery';
import { actingParty, actionDescription, DEFAULT_FALLBACK_PARTY_NAME, planProcessHistoryItem, planUploadCandidate, MAX_ACTION_DESCRIPTION } from '../src/inputs';
import { seekSchema } from '../src/schema';

const statusChange = sampleStatusChange;

const RILEY: SeekActor = { formattedName: 'Riley Recruiter', givenName: 'Riley', familyName: 'Recruiter', email: 'riley.recruiter@example.com' };
const seek: SeekDeliveryJob['seek'] = { idempotencyId: '00000000-0000-0000-0000-000000000002', statusCode: 'Interview', sourceName: 'Recruitment Agency', actor: RILEY };

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
      partyFrom: 'actor',
      item: {
        action: { code: 'CandidateWorkflowTransition', name: 'Second interview', description: 'Status changed to Second interview for Warehouse lead' },
        actionDate: '2026-11-23T18:00:00.000Z',
        idempotencyId: seek.idempotencyId,
        // The recruiter who changed the status ("the parties that executed the action"), not the candidate.
        primaryParties: [{ person: { name: { formattedName: 'Riley Recruiter', given: 'Riley', family: 'Recruiter' }, communication: { email: [{ address: 'riley.recruiter@example.com' }], phone: [] } } }],
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
  ])('%s', (_what, overrides, name, description) => {
    const plan = planProcessHistoryItem({ statusChange: statusChange(overrides as Partial<StatusChange>), seek, tenant: transitionTenant, positionProfileId: 'pp' });
    if (plan.kind !== 'create') throw new Error('expected create');
    expect(plan.item.action.name).toBe(name);
    expect(plan.item.action.description).toBe(description);
  });

  it('keeps the description within 1,000 characters', () => {
    expect(actionDescription('x'.repeat(600), 'y'.repeat(600))).toHaveLength(MAX_ACTION_DESCRIPTION);
  });

  it("a nameless candidate still gets an item: the candidate's name is not part of it", () => {
    const plan = planProcessHistoryItem({ statusChange: statusChange({ candidate: { formattedName: ' ' } }), seek, tenant: transitionTenant, positionProfileId: 'pp' });
    expect(plan).toMatchObject({ kind: 'create', partyFrom: 'actor', item: { primaryParties: [{ person: { name: { formattedName: 'Riley Recruiter' } } }] } });
  });
});

describe('primaryParties: the acting iCIMS user, else the fallback party, never the candidate', () => {
  const noContact = { email: [], phone: [] };
  const fallback = (formattedName: string) => ({ person: { name: { formattedName }, communication: noContact }, from: 'fallback' });
  const cases: Array<[string, { actor?: SeekActor; tenantName?: string; change?: Partial<StatusChange> }, unknown]> = [
    ['the recruiter, with the email SEEK allows in communication', { actor: RILEY }, { person: { name: { formattedName: 'Riley Recruiter', given: 'Riley', family: 'Recruiter' }, communication: { email: [{ address: 'riley.recruiter@example.com' }], phone: [] } }, from: 'actor' }],
    ['a recruiter with a first name only', { actor: { formattedName: 'Riley', givenName: 'Riley' } }, { person: { name: { formattedName: 'Riley', given: 'Riley' }, communication: noContact }, from: 'actor' }],
    ['blank given/family are left out, names trimmed', { actor: { formattedName: ' Riley R ', givenName: ' ', familyName: '' } }, { person: { name: { formattedName: 'Riley R' }, communication: noContact }, from: 'actor' }],
    ['an email that is not a plain address is left out', { actor: { ...RILEY, email: 'riley at example' } }, { person: { name: { formattedName: 'Riley Recruiter', given: 'Riley', family: 'Recruiter' }, communication: noContact }, from: 'actor' }],
    ['an email over 255 bytes is left out', { actor: { ...RILEY, email: `${'r'.repeat(250)}@example.com` } }, { person: { name: { formattedName: 'Riley Recruiter', given: 'Riley', family: 'Recruiter' }, communication: noContact }, from: 'actor' }],
    ['no actor (not readable, or a job queued before actors): the default fallback', {}, fallback(DEFAULT_FALLBACK_PARTY_NAME)],
    ["no actor: the tenant's fallback name, trimmed", { tenantName: '  Acme Talent  ' }, fallback('Acme Talent')],
    ['a blank tenant fallback name: the default', { tenantName: '   ' }, fallback(DEFAULT_FALLBACK_PARTY_NAME)],
    ["an actor without a name: the fallback, not the candidate's name", { actor: { formattedName: '  ', email: 'riley.recruiter@example.com' }, tenantName: 'Acme Talent' }, fallback('Acme Talent')],
    ['the acting user is the candidate (same iCIMS person): the fallback', { actor: { formattedName: 'Hayden Robinson' }, change: { userId: '1364' } }, fallback(DEFAULT_FALLBACK_PARTY_NAME)],
  ];

  it.each(cases)('%s', (_what, { actor, tenantName, change }, expected) => {
    const candidateChange = statusChange(change);
    expect(actingParty(candidateChange, actor, tenantName)).toEqual(expected);
    // Through the item builder, for both item shapes; valid against SEEK's schema; no candidate data.
    for (const positionProfileId of ['pp', undefined]) {
      const plan = planProcessHistoryItem({ statusChange: candidateChange, seek: { ...seek, actor }, tenant: { withoutPosition: 'interaction', fallbackPartyName: tenantName }, positionProfileId });
      if (plan.kind !== 'create') throw new Error('expected create');
      expect(plan.item.primaryParties).toEqual([{ person: (expected as { person: unknown }).person }]);
      expect(plan.partyFrom).toBe((expected as { from: string }).from);
      expect(JSON.stringify(plan.item.primaryParties)).not.toMatch(/Hayden|Robinson|hayden@example\.com|\+61/);
      expect(coercionErrors('CreateCandidateProcessHistoryItem', { input: { candidateProfile: { profileId: 'p' }, candidateProcessHistoryItem: plan.item } })).toEqual([]);
    }
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

  it("the candidate's formatted name falls back to given + family", () => {
    const plan = planUploadCandidate(statusChange({ candidate: { formattedName: '', givenName: 'Terry', familyName: 'Astley', email: 't@example.com' } }), 'h');
    expect(plan.kind === 'upload' && plan.input.candidate.person.name).toEqual({ formattedName: 'Terry Astley', given: 'Terry', family: 'Astley' });
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
