import { allowedStatuses, buildStatusMessage, toIsoUtc, validateStatusMessage } from '../src/message';

const ID = '51c3be16-0f93-41ed-9cc0-9092222d7333';

describe('buildStatusMessage', () => {
  it('sends RawStatus and BusinessDate by default, BusinessDate as ISO-8601 UTC', () => {
    expect(buildStatusMessage({ atsiApplicationId: ID, status: 'INTERVIEW', rawStatus: '1st phone interview', occurredAt: '2026-11-23T19:00:00+01:00' })).toEqual({
      AtsiApplicationId: ID,
      Status: 'INTERVIEW',
      RawStatus: '1st phone interview',
      BusinessDate: '2026-11-23T18:00:00.000Z',
    });
  });
  it.each([
    ['raw status off', { sendRawStatus: false }, ['AtsiApplicationId', 'Status', 'BusinessDate']],
    ['business date off', { sendBusinessDate: false }, ['AtsiApplicationId', 'Status', 'RawStatus']],
    ['both off', { sendRawStatus: false, sendBusinessDate: false }, ['AtsiApplicationId', 'Status']],
    ['no raw status known', { rawStatus: undefined }, ['AtsiApplicationId', 'Status', 'BusinessDate']],
    ['blank raw status', { rawStatus: '  ' }, ['AtsiApplicationId', 'Status', 'BusinessDate']],
    ['unreadable date', { occurredAt: 'yesterday' }, ['AtsiApplicationId', 'Status', 'RawStatus']],
  ])('%s', (_name, overrides, fields) => {
    const message = buildStatusMessage({ atsiApplicationId: ID, status: 'OFFER', rawStatus: 'Offer', occurredAt: '2026-11-23T18:00:00Z', ...overrides });
    expect(Object.keys(message)).toEqual(fields);
  });
  it('toIsoUtc', () => {
    expect(toIsoUtc('2022-07-29T11:26:11.106Z')).toBe('2022-07-29T11:26:11.106Z');
    expect(toIsoUtc('')).toBeUndefined();
    expect(toIsoUtc(undefined)).toBeUndefined();
  });
});

describe('validateStatusMessage', () => {
  const ok = { AtsiApplicationId: ID, Status: 'APPLIED' };
  it.each([
    ['minimal seed message', ok, []],
    ['upper-case UUID', { ...ok, AtsiApplicationId: ID.toUpperCase() }, []],
    ['all eight statuses', null, []],
    ['with RawStatus and BusinessDate', { ...ok, RawStatus: 'Recently Applied', BusinessDate: '2022-07-29T11:26:11.106Z' }, []],
    ['BusinessDate without fraction', { ...ok, BusinessDate: '2022-07-29T11:26:11Z' }, []],
    ['not an object', 'APPLIED', ['message must be a JSON object']],
    ['array', [ok], ['message must be a JSON object']],
    ['id not a UUID', { ...ok, AtsiApplicationId: '2203' }, ['AtsiApplicationId must be a UUID (got "2203")']],
    ['id missing', { Status: 'APPLIED' }, ['AtsiApplicationId must be a UUID (got undefined)']],
    ['UUID with braces', { ...ok, AtsiApplicationId: `{${ID}}` }, [`AtsiApplicationId must be a UUID (got "{${ID}}")`]],
    ['status lower-case', { ...ok, Status: 'applied' }, ['Status must be one of LEAD, APPLIED, PRE_INTERVIEW, INTERVIEW, POST_INTERVIEW, OFFER, HIRED, REJECTED (got "applied")']],
    ['CONTACT without tenant extra', { ...ok, Status: 'CONTACT' }, ['Status must be one of LEAD, APPLIED, PRE_INTERVIEW, INTERVIEW, POST_INTERVIEW, OFFER, HIRED, REJECTED (got "CONTACT")']],
    ['unknown field', { ...ok, Candidate: 'x' }, ['unknown field Candidate']],
    ['empty RawStatus', { ...ok, RawStatus: '' }, ['RawStatus must be a non-empty string when present']],
    ['non-UTC BusinessDate', { ...ok, BusinessDate: '2022-07-29T11:26:11+02:00' }, ['BusinessDate must be ISO-8601 UTC like 2022-07-29T11:26:11.106Z (got "2022-07-29T11:26:11+02:00")']],
    ['date only', { ...ok, BusinessDate: '2022-07-29' }, ['BusinessDate must be ISO-8601 UTC like 2022-07-29T11:26:11.106Z (got "2022-07-29")']],
    ['impossible date', { ...ok, BusinessDate: '2022-13-45T11:26:11Z' }, ['BusinessDate must be ISO-8601 UTC like 2022-07-29T11:26:11.106Z (got "2022-13-45T11:26:11Z")']],
  ])('%s', (name, message, problems) => {
    if (message === null) {
      for (const Status of allowedStatuses()) expect(validateStatusMessage({ ...ok, Status })).toEqual([]);
      expect([...allowedStatuses()]).toHaveLength(8);
      return;
    }
    expect(validateStatusMessage(message)).toEqual(problems);
  });
  it('accepts a tenant extra status such as CONTACT', () => {
    expect(validateStatusMessage({ ...ok, Status: 'CONTACT' }, allowedStatuses(['CONTACT']))).toEqual([]);
  });
});
