import type { EnrichedRecords } from '@status-bridge/core';
import { sampleStatusChange } from '@status-bridge/testing';
import { planSeekDelivery } from '../src/plan';
import type { SeekSection } from '../src/section';

/** The SEEK job's data after the iCIMS read: the acting user travels with it, or nothing (delivery then names the fallback party). */
const section: SeekSection = { hirerId: 'h', defaultSource: 'iCIMS', withoutPosition: 'interaction', fallbackPartyName: 'Recruiting team' };
const records = (actor?: EnrichedRecords['actor']): EnrichedRecords => ({ workflow: { custom: {} }, person: { custom: {} }, job: { custom: {} }, ...(actor ? { actor } : {}) });

describe('planSeekDelivery: actor', () => {
  it.each([
    ['the acting user with a name', { formattedName: 'Riley Recruiter', givenName: 'Riley', familyName: 'Recruiter', email: 'riley.recruiter@example.com' }, { formattedName: 'Riley Recruiter', givenName: 'Riley', familyName: 'Recruiter', email: 'riley.recruiter@example.com' }],
    ['a name with spaces around it, trimmed', { formattedName: ' Riley ' }, { formattedName: 'Riley' }],
    ['no actor: none in the job', undefined, undefined],
    ['an actor without a name: none in the job', { email: 'riley.recruiter@example.com' }, undefined],
  ])('%s', async (_what, actor, expected) => {
    const planned = await planSeekDelivery({ tenantId: '1234', section, statusChange: sampleStatusChange(), status: 'Interview', records: records(actor) });
    if (!('delivery' in planned)) throw new Error('expected one delivery');
    expect(planned.delivery.actor).toEqual(expected);
    if (expected === undefined) expect(planned.delivery).not.toHaveProperty('actor');
  });
});
