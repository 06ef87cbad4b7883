import { PermanentError, type IcimsStatusEvent } from '@status-bridge/core';
import { seedEvent } from '@status-bridge/testing';
import { checkEventRecordUrls, resolveEventRecordUrls } from '../src/event-links';
import { checkRecordLink } from '../src/links';

const ORIGIN = 'https://api.icims.com';
const event = (overrides: Record<string, unknown> = {}): IcimsStatusEvent => seedEvent(overrides) as unknown as IcimsStatusEvent;
const withLink = (rel: string, url: string): IcimsStatusEvent => {
  const base = event();
  return { ...base, links: base.links.map((link) => (link.rel === rel ? { ...link, url } : link)) };
};
const seedLinksWithoutUser = () => event().links.filter((link) => link.rel !== 'user');
const withPersonLink = (url: string): IcimsStatusEvent => withLink('person', url);

describe('checkEventRecordUrls: the allow-list over an event (ingest) and resolveEventRecordUrls (worker)', () => {
  it('gives the record URLs for the seed event (the user is a person record), and builds them from the ids without links', () => {
    const expected = {
      workflow: { url: `${ORIGIN}/customers/1234/applicantworkflows/2203`, id: '2203' },
      person: { url: `${ORIGIN}/customers/1234/people/1364`, id: '1364' },
      job: { url: `${ORIGIN}/customers/1234/jobs/1242`, id: '1242' },
      user: { url: `${ORIGIN}/customers/1234/people/3`, id: '3' },
    };
    expect(checkEventRecordUrls(event(), ORIGIN)).toEqual({ ok: true, urls: expected });
    expect(checkEventRecordUrls(event({ links: [] }), ORIGIN)).toEqual({ ok: true, urls: expected });
    expect(resolveEventRecordUrls(event(), ORIGIN, '1234')).toEqual(expected);
  });

  const refused: Array<[string, string, string]> = [
    ['another host', 'https://evil.example.com/customers/1234/people/1364', 'foreign_host'],
    ['another customer', 'https://api.icims.com/customers/5678/people/1364', 'other_customer'],
    ['another record kind', 'https://api.icims.com/customers/1234/jobs/1364', 'other_kind'],
    ['dot-dot', 'https://api.icims.com/customers/1234/people/../people/1364', 'not_record_path'],
    ['encoded dot-dot', 'https://api.icims.com/customers/1234/%2E%2e/1234/people/1364', 'not_record_path'],
    ['userinfo', 'https://user:pw@api.icims.com/customers/1234/people/1364', 'userinfo'],
    ['backslash', 'https://evil.com\\@api.icims.com/customers/1234/people/1364', 'bad_characters'],
    ['query string', 'https://api.icims.com/customers/1234/people/1364?x=1', 'query_or_fragment'],
    ['fragment', 'https://api.icims.com/customers/1234/people/1364#x', 'query_or_fragment'],
    ['another scheme', 'ftp://api.icims.com/customers/1234/people/1364', 'not_http_url'],
    ['IPv6 literal', 'https://[::1]:443/customers/1234/people/1364', 'foreign_host'],
    ['id of another person', 'https://api.icims.com/customers/1234/people/1365', 'id_mismatch'],
  ];
  it.each(refused)('refuses a person link to %s with code %s, and the worker fails LINK_REFUSED', (_name, url, code) => {
    const check = checkEventRecordUrls(withPersonLink(url), ORIGIN);
    expect(check).toMatchObject({ ok: false, problem: { type: 'link', index: 2, rel: 'person', title: 'Person Profile', record: 'people', idField: 'personId', code } });
    expect(() => resolveEventRecordUrls(withPersonLink(url), ORIGIN, '1234')).toThrow(PermanentError);
    try {
      resolveEventRecordUrls(withPersonLink(url), ORIGIN, '1234');
    } catch (error) {
      expect((error as PermanentError).message).toMatch(/^refused the event's person link: .*; no request was made$/);
      expect((error as PermanentError).details.code).toBe('LINK_REFUSED');
    }
  });

  it('names both ids on a mismatch, and ignores links it does not follow', () => {
    const check = checkEventRecordUrls(withPersonLink('https://api.icims.com/customers/1234/people/1365'), ORIGIN);
    expect(check).toMatchObject({ ok: false, problem: { code: 'id_mismatch', linkId: '1365', eventId: '1364' } });
    const base = event();
    const other = { ...base, links: [...base.links, { title: 'Elsewhere', rel: 'self', url: 'https://evil.example.com/x' }] };
    expect(checkEventRecordUrls(other, ORIGIN).ok).toBe(true);
  });

  const refusedUser: Array<[string, string, string]> = [
    ['another host', 'https://evil.example.com/customers/1234/people/3', 'foreign_host'],
    ['another customer', 'https://api.icims.com/customers/5678/people/3', 'other_customer'],
    ['another record kind', 'https://api.icims.com/customers/1234/jobs/3', 'other_kind'],
    ['dot-dot', 'https://api.icims.com/customers/1234/people/../people/3', 'not_record_path'],
    ['a user other than the event\'s userId', 'https://api.icims.com/customers/1234/people/4', 'id_mismatch'],
  ];
  it.each(refusedUser)('refuses a user link to %s (%s) like the others: the whole event, before any request', (_name, url, code) => {
    expect(checkEventRecordUrls(withLink('user', url), ORIGIN)).toMatchObject({ ok: false, problem: { type: 'link', index: 3, rel: 'user', record: 'people', idField: 'userId', code } });
    expect(() => resolveEventRecordUrls(withLink('user', url), ORIGIN, '1234')).toThrow(expect.objectContaining({ details: expect.objectContaining({ code: 'LINK_REFUSED' }) }));
  });

  it('a userId that cannot make a URL (19 digits) and no user link: no user URL, the event is not refused (the actor is optional)', () => {
    const longId = '1'.repeat(19);
    const check = checkEventRecordUrls(event({ userId: longId, links: seedLinksWithoutUser() }), ORIGIN);
    expect(check.ok && check.urls.user).toBeUndefined();
    expect(check.ok && check.urls.person.id).toBe('1364');
  });

  it('refuses ids the URL cannot be built from (the schema allows 20 digits, URLs 18) with BAD_ID', () => {
    const longId = '1'.repeat(19);
    expect(checkEventRecordUrls(event({ links: [], personId: longId }), ORIGIN)).toMatchObject({ ok: false, problem: { type: 'id', idField: 'personId' } });
    expect(checkEventRecordUrls(event({ links: [], customerId: longId }), ORIGIN)).toMatchObject({ ok: false, problem: { type: 'id', idField: 'customerId' } });
    expect(() => resolveEventRecordUrls(event({ links: [], systemId: longId }), ORIGIN, '1234')).toThrow(expect.objectContaining({ details: expect.objectContaining({ code: 'BAD_ID' }) }));
  });

  it('the link decision carries a code next to its reason', () => {
    expect(checkRecordLink('https://api.icims.com/customers/1234/people/1', { origin: ORIGIN, customerId: '1234', kind: 'people' })).toEqual({ allowed: true, url: `${ORIGIN}/customers/1234/people/1`, id: '1' });
    expect(checkRecordLink('https://api.icims.com/customers/1234/people/1234567890123456789', { origin: ORIGIN, customerId: '1234', kind: 'people' })).toMatchObject({ allowed: false, code: 'id_too_long' });
  });
});
