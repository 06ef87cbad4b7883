import { maskEmail, maskEmailsInText, maskJobData, maskName, maskPhone } from '../src/masking';

describe('maskName', () => {
  test.each([
    ['Jane Doe', 'J*** D***'],
    ['  Jane   van Doe ', 'J*** v*** D***'],
    ['Zoë', 'Z***'],
    ['Émile Zola', 'É*** Z***'],
    ['李 小龙', '李*** 小***'],
    ['', '***'],
  ])('%j → %j', (input, expected) => expect(maskName(input)).toBe(expected));
});

describe('maskEmail', () => {
  test.each([
    ['jane.doe@example.com', 'j***@example.com'],
    ['J@x.io', 'J***@x.io'],
    ['weird"local@part"@example.org', 'w***@example.org'],
    ['not-an-email', '***'],
    ['@example.com', '***'],
  ])('%j → %j', (input, expected) => expect(maskEmail(input)).toBe(expected));
});

describe('maskPhone', () => {
  test.each([
    ['+61 412 345 123', '+61 *** *** 123'],
    ['+61412345123', '+61 *** *** 123'],
    ['+1 (555) 010-0199', '+1 *** *** 199'],
    ['+49-30-1234567', '+49 *** *** 567'],
    ['0412 345 123', '*** *** 123'],
    ['12345', '***'],
    ['ext. 12', '***'],
  ])('%j → %j', (input, expected) => expect(maskPhone(input)).toBe(expected));
});

describe('maskEmailsInText', () => {
  test.each([
    ['candidate jane.doe@example.com rejected', 'candidate j***@example.com rejected'],
    ['a@b.co and c.d@e.org', 'a***@b.co and c***@e.org'],
    ['HTTP 400 invalid status', 'HTTP 400 invalid status'],
  ])('%j → %j', (input, expected) => expect(maskEmailsInText(input)).toBe(expected));
});

describe('maskJobData', () => {
  const statusChange = {
    tenantId: '1234',
    customerId: '1234',
    systemId: '2203',
    personId: '1364',
    newStatus: { id: '9782', stage: 'interview', name: 'Phone Screen' },
    candidate: { formattedName: 'Jane Doe', givenName: 'Jane', familyName: 'Doe', email: 'jane.doe@example.com', phone: '+61 412 345 123' },
    job: { title: 'Nurse', location: 'Sydney' },
    enrichJobId: 'c1234-w2203-1752-9782-abc',
  };

  test.each<[string, unknown, unknown]>([
    [
      'StatusChange candidate fields, status name untouched',
      { statusChange, stepstone: { atsiApplicationId: 'A-1', status: 'INTERVIEW' } },
      {
        statusChange: {
          ...statusChange,
          candidate: { formattedName: 'J*** D***', givenName: 'J***', familyName: 'D***', email: 'j***@example.com', phone: '+61 *** *** 123' },
        },
        stepstone: { atsiApplicationId: 'A-1', status: 'INTERVIEW' },
      },
    ],
    [
      "the SEEK job's acting user (the recruiter's name and email, PII too)",
      { seek: { idempotencyId: 'i-1', statusCode: 'Interview', sourceName: 'iCIMS', actor: { formattedName: 'Riley Recruiter', givenName: 'Riley', familyName: 'Recruiter', email: 'riley.recruiter@example.com' } } },
      { seek: { idempotencyId: 'i-1', statusCode: 'Interview', sourceName: 'iCIMS', actor: { formattedName: 'R*** R***', givenName: 'R***', familyName: 'R***', email: 'r***@example.com' } } },
    ],
    [
      "a webhook job's payload for an endpoint with includeCandidate (name and email in data.candidate)",
      { webhook: { endpoint: 'hr', payload: { type: 'application.status_changed', version: 1, data: { workflowId: '2203', newStatus: { id: '9820', stage: 'rejected', name: 'Rejected' }, candidate: { name: 'Jane Doe', givenName: 'Jane', familyName: 'Doe', email: 'jane.doe@example.com' } } } } },
      { webhook: { endpoint: 'hr', payload: { type: 'application.status_changed', version: 1, data: { workflowId: '2203', newStatus: { id: '9820', stage: 'rejected', name: 'Rejected' }, candidate: { name: 'J*** D***', givenName: 'J***', familyName: 'D***', email: 'j***@example.com' } } } } },
    ],
    ['bare name inside a person object', { person: { name: 'Jane Doe', id: '1' } }, { person: { name: 'J*** D***', id: '1' } }],
    ['bare name elsewhere is not a person', { source: { name: 'SEEK' } }, { source: { name: 'SEEK' } }],
    [
      'secret-looking keys, any case or nesting',
      { auth: { clientSecret: 's3cr3t', Authorization: 'Bearer x', apiKey: 'k', password: 'p', accessToken: { value: 't' } } },
      { auth: { clientSecret: '***', Authorization: '***', apiKey: '***', password: '***', accessToken: '***' } },
    ],
    ['emails and phones in arrays', { emails: ['a.b@example.com'], mobilePhones: ['+44 7700 900123'] }, { emails: ['a***@example.com'], mobilePhones: ['+44 *** *** 123'] }],
    ['numeric phone', { phone: 61412345123 }, { phone: '*** *** 123' }],
    ['email hidden in free text', { note: 'sent to jane.doe@example.com' }, { note: 'sent to j***@example.com' }],
    ['ids, numbers, booleans and nulls pass through', { id: 7, ok: true, missing: null, stage: 'offer' }, { id: 7, ok: true, missing: null, stage: 'offer' }],
    ['a bare string return value', 'delivered to a@b.com', 'delivered to a***@b.com'],
    ['undefined stays undefined', undefined, undefined],
  ])('%s', (_label, input, expected) => expect(maskJobData(input)).toEqual(expected));

  test('does not mutate the job data it is given', () => {
    const data = { statusChange: JSON.parse(JSON.stringify(statusChange)) as typeof statusChange };
    const before = JSON.stringify(data);
    maskJobData(data);
    expect(JSON.stringify(data)).toBe(before);
  });
});
