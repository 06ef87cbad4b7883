import { SEED_EVENT } from '@status-bridge/testing';
import { FIELD_DESCRIPTIONS, statusEventSchema, validateStatusEvent } from '../src/event-schema';

const seedWith = (overrides: Record<string, unknown>): Record<string, unknown> => {
  const event: Record<string, unknown> = { ...SEED_EVENT, ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete event[key];
  return event;
};

describe('validateStatusEvent', () => {
  it('accepts the seed event and returns exactly its fields', () => {
    const result = validateStatusEvent(SEED_EVENT);
    expect(result).toEqual({ ok: true, event: SEED_EVENT });
  });

  it.each<[string, Record<string, unknown>]>([
    ['alphanumeric status ids (workflow API shows D10100)', { newStatus: 'D10100', oldStatus: 'C.2_x-1' }],
    ['an empty links list', { links: [] }],
    ['64-character status', { newStatus: 'A'.repeat(64) }],
    ['20-digit ids', { personId: '12345678901234567890' }],
  ])('accepts %s', (_label, overrides) => {
    expect(validateStatusEvent(seedWith(overrides)).ok).toBe(true);
  });

  it('tolerates unknown fields and drops them, also inside links', () => {
    const result = validateStatusEvent(
      seedWith({ addedByIcimsLater: 'x', links: [{ title: 'Job Profile', rel: 'job', url: 'https://api.icims.com/customers/1234/jobs/1242', extra: 1 }] }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.event).not.toHaveProperty('addedByIcimsLater');
    expect(result.event.links).toEqual([{ title: 'Job Profile', rel: 'job', url: 'https://api.icims.com/customers/1234/jobs/1242' }]);
  });

  it.each<[string, unknown, string, RegExp]>([
    ['missing newStatus', seedWith({ newStatus: undefined }), 'newStatus', /new status \(newStatus\) is missing/],
    ['empty oldStatus', seedWith({ oldStatus: '' }), 'oldStatus', /previous status \(oldStatus\) .* not valid/],
    ['status with a colon (would break job ids)', seedWith({ newStatus: 'a:b' }), 'newStatus', /newStatus/],
    ['status of 65 characters', seedWith({ newStatus: 'A'.repeat(65) }), 'newStatus', /newStatus/],
    ['numeric customerId', seedWith({ customerId: 1234 }), 'customerId', /customer ID \(customerId\)/],
    ['non-digit systemId', seedWith({ systemId: '22O3' }), 'systemId', /Workflow System ID/],
    ['missing personId', seedWith({ personId: undefined }), 'personId', /candidate's system ID \(personId\) is missing/],
    ['missing jobId', seedWith({ jobId: undefined }), 'jobId', /job's system ID/],
    ['negative userId', seedWith({ userId: '-3' }), 'userId', /userId/],
    ['links not an array', seedWith({ links: 'x' }), 'links', /links/],
    ['a link without url', seedWith({ links: [{ title: 'a', rel: 'job' }] }), 'links[0].url', /links\[0\]\.url\) is missing|links\[0\]\.url/],
    ['a link with a numeric rel', seedWith({ links: [{ title: 'a', rel: 1, url: 'u' }] }), 'links[0].rel', /links\[0\]\.rel/],
    ['missing eventType', seedWith({ eventType: undefined }), 'eventType', /event type \(eventType\) is missing/],
    ['not an object', [SEED_EVENT], '(body)', /not a JSON object/],
    ['null', null, '(body)', /not a JSON object/],
  ])('rejects %s, naming the field', (_label, body, field, message) => {
    const result = validateStatusEvent(body);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problem.kind).toBe('invalid');
    expect(result.problem.field).toBe(field);
    expect(result.problem.userMessage).toMatch(message);
    expect(result.problem.debugErrorMessage).toContain(field === '(body)' ? 'JSON object' : field);
  });

  it('answers "unsupported" for another iCIMS event type, even when our fields are missing', () => {
    const result = validateStatusEvent({ eventType: 'ApplicationCompleteEvent', customerId: '1234' });
    expect(result).toEqual({ ok: false, problem: expect.objectContaining({ kind: 'unsupported', field: 'eventType' }) });
    if (result.ok) return;
    expect(result.problem.debugErrorMessage).toContain('ApplicationCompleteEvent');
  });

  it('never echoes an untrusted value into a message', () => {
    const hostile = 'Jane.Doe@example.com <script>';
    for (const body of [seedWith({ eventType: hostile }), seedWith({ newStatus: hostile }), seedWith({ systemId: hostile })]) {
      const result = validateStatusEvent(body);
      expect(result.ok).toBe(false);
      if (result.ok) continue;
      expect(JSON.stringify(result.problem)).not.toContain('Jane');
    }
  });

  it('has a recruiter-facing description for every required field', () => {
    for (const field of statusEventSchema.required) expect(FIELD_DESCRIPTIONS[field]).toBeDefined();
  });
});
