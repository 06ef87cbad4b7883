import { fieldText, listField, parseIcimsDateTime, readJob, readPerson, readWorkflow } from '../src/records';

describe('records are read as maps', () => {
  it.each([
    ['2026-11-23 09:41 AM', '2026-11-23T09:41:00.000Z'],
    ['2026-11-23 12:05 AM', '2026-11-23T00:05:00.000Z'],
    ['2026-11-23 12:05 PM', '2026-11-23T12:05:00.000Z'],
    ['2026-11-23 11:59 pm', '2026-11-23T23:59:00.000Z'],
    ['2026-11-23T10:00:00Z', '2026-11-23T10:00:00.000Z'],
    ['2026-11-23', undefined],
    ['yesterday', undefined],
    [undefined, undefined],
  ])('parseIcimsDateTime(%s) → %s', (text, iso) => {
    expect(parseIcimsDateTime(text)).toBe(iso);
  });

  it.each([
    ['dropdown', { status: { id: 'D10100', value: 'Recently Applied' } }, { id: 'D10100', value: 'Recently Applied' }],
    ['dropdown with numeric id', { status: { id: 9782, value: 'Interview' } }, { id: '9782', value: 'Interview' }],
    ['formattedvalue only', { status: { id: 'C1', formattedvalue: 'Custom' } }, { id: 'C1', value: 'Custom' }],
    ['bare string', { status: 'Applied' }, { value: 'Applied' }],
    ['missing', {}, undefined],
    ['null', { status: null }, undefined],
    ['array', { status: [] }, undefined],
    ['empty object', { status: {} }, undefined],
  ])('listField: %s', (_name, record, expected) => {
    expect(listField(record, 'status')).toEqual(expected);
  });

  it('fieldText reads text, numbers and dropdown values; blank is missing', () => {
    expect(fieldText({ field1: ' abc ' }, 'FIELD1')).toBe('abc');
    expect(fieldText({ field1: 12 }, 'field1')).toBe('12');
    expect(fieldText({ field1: { id: 'x', value: 'v' } }, 'field1')).toBe('v');
    expect(fieldText({ field1: '   ' }, 'field1')).toBeUndefined();
  });

  it('a workflow with only some fields (permissions, empty fields) is still a workflow', () => {
    expect(readWorkflow('1', { source: 'Identify Feature', newfield: { nested: true } })).toEqual({ id: '1', source: 'Identify Feature', custom: {} });
    expect(readWorkflow('1', { status: { id: '9782', value: 'Second Interview' }, updateddate: '2026-11-23 09:41 AM', field51234: 'uuid' }, ['field51234'])).toEqual({
      id: '1',
      status: { id: '9782', value: 'Second Interview' },
      updatedAt: '2026-11-23T09:41:00.000Z',
      custom: { field51234: 'uuid' },
    });
  });

  it('a person: mobile phone preferred, missing fields stay missing', () => {
    const person = readPerson('1364', {
      firstname: 'A',
      lastname: 'B',
      phones: [{ phonetype: { value: 'Home' }, phonenumber: '1' }, { phonetype: { id: 'x', value: 'Mobile' }, phonenumber: '2' }, 'junk'],
    });
    expect(person).toEqual({ id: '1364', givenName: 'A', familyName: 'B', phone: '2', custom: {} });
    expect(readPerson('1', { phones: [{ phonenumber: '5' }] }).phone).toBe('5');
    expect(readPerson('1', {})).toEqual({ id: '1', custom: {} });
  });

  it('a job: location from the location link', () => {
    expect(readJob('1', { jobtitle: 'T', joblocation: { profile: 'https://x/customers/1/locations/2', id: 2, value: 'Berlin' }, field61234: 'pp' }, ['field61234'])).toEqual({
      id: '1',
      title: 'T',
      location: 'Berlin',
      custom: { field61234: 'pp' },
    });
  });
});
