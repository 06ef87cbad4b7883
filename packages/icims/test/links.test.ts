import { checkRecordLink, recordUrl } from '../src/links';

const expected = { origin: 'https://api.icims.com', customerId: '1234', kind: 'people' as const };

describe('checkRecordLink: the allow-list for event links', () => {
  const allowed: Array<[string, string, string]> = [
    ['the seed link', 'https://api.icims.com/customers/1234/people/1364', 'https://api.icims.com/customers/1234/people/1364'],
    ['explicit default port', 'https://api.icims.com:443/customers/1234/people/1364', 'https://api.icims.com/customers/1234/people/1364'],
    ['host case does not matter', 'https://API.icims.com/customers/1234/people/1364', 'https://api.icims.com/customers/1234/people/1364'],
  ];
  it.each(allowed)('allows %s', (_name, link, url) => {
    expect(checkRecordLink(link, expected)).toEqual({ allowed: true, url, id: '1364' });
  });

  const refused: Array<[string, string]> = [
    ['another host', 'https://evil.example.com/customers/1234/people/1364'],
    ['userinfo before the real host', 'https://api.icims.com@evil.com/customers/1234/people/1364'],
    ['userinfo with password', 'https://user:pw@api.icims.com/customers/1234/people/1364'],
    ['another port', 'https://api.icims.com:8443/customers/1234/people/1364'],
    ['http instead of https', 'http://api.icims.com/customers/1234/people/1364'],
    ['trailing-dot host', 'https://api.icims.com./customers/1234/people/1364'],
    ['lookalike suffix host', 'https://api.icims.com.evil.com/customers/1234/people/1364'],
    ['the EU host when the origin is the US one', 'https://api-eu.icims.com/customers/1234/people/1364'],
    ['another customer', 'https://api.icims.com/customers/9999/people/1364'],
    ['customer prefix trick', 'https://api.icims.com/customers/12345/people/1364'],
    ['dot-dot to another customer', 'https://api.icims.com/customers/1234/../9999/people/1364'],
    ['encoded dot-dot', 'https://api.icims.com/customers/1234/%2e%2e/9999/people/1364'],
    ['encoded slash', 'https://api.icims.com/customers/1234%2fpeople/1364'],
    ['double slash', 'https://api.icims.com//customers/1234/people/1364'],
    ['backslash authority trick', 'https://evil.com\\@api.icims.com/customers/1234/people/1364'],
    ['query string', 'https://api.icims.com/customers/1234/people/1364?fields=usssn'],
    ['fragment', 'https://api.icims.com/customers/1234/people/1364#x'],
    ['trailing slash', 'https://api.icims.com/customers/1234/people/1364/'],
    ['sub-resource', 'https://api.icims.com/customers/1234/people/1364/fields/resume/binary'],
    ['non-digit id', 'https://api.icims.com/customers/1234/people/abc'],
    ['wrong record kind', 'https://api.icims.com/customers/1234/jobs/1364'],
    ['uppercase path', 'https://api.icims.com/Customers/1234/people/1364'],
    ['other scheme', 'ftp://api.icims.com/customers/1234/people/1364'],
    ['protocol-relative', '//api.icims.com/customers/1234/people/1364'],
    ['whitespace', 'https://api.icims.com/customers/1234/people/1364 '],
    ['empty', ''],
    ['encoded host', 'https://api%2eicims.com/customers/1234/people/1364'],
    ['IP literal', 'https://10.0.0.1/customers/1234/people/1364'],
    ['leading-zero default port', 'https://api.icims.com:0443/customers/1234/people/1364'],
    ['empty port', 'https://api.icims.com:/customers/1234/people/1364'],
  ];
  it.each(refused)('refuses %s', (_name, link) => {
    const decision = checkRecordLink(link, expected);
    expect(decision.allowed).toBe(false);
    expect(decision.allowed === false && decision.reason.length).toBeGreaterThan(5);
  });

  it('a tenant override origin is the only origin for that tenant', () => {
    const eu = { ...expected, origin: 'https://api-eu.icims.com' };
    expect(checkRecordLink('https://api-eu.icims.com/customers/1234/people/1364', eu).allowed).toBe(true);
    expect(checkRecordLink('https://api.icims.com/customers/1234/people/1364', eu).allowed).toBe(false);
  });

  it('an http sandbox origin with a port allows exactly that origin', () => {
    const local = { ...expected, origin: 'http://127.0.0.1:4000' };
    expect(checkRecordLink('http://127.0.0.1:4000/customers/1234/people/1364', local)).toMatchObject({ allowed: true });
    expect(checkRecordLink('http://127.0.0.1:4001/customers/1234/people/1364', local).allowed).toBe(false);
    expect(checkRecordLink('http://localhost:4000/customers/1234/people/1364', local).allowed).toBe(false);
    // Spellings the URL parser rewrites to the same address are refused: the text sent must be the origin.
    for (const authority of ['127.1:4000', '2130706433:4000', '0x7f.0.0.1:4000', '127.0.0.1:04000', '[::ffff:127.0.0.1]:4000']) {
      expect({ authority, allowed: checkRecordLink(`http://${authority}/customers/1234/people/1364`, local).allowed }).toEqual({ authority, allowed: false });
    }
    const v6 = { ...expected, origin: 'http://[::1]:4000' };
    expect(checkRecordLink('http://[::1]:4000/customers/1234/people/1364', v6)).toMatchObject({ allowed: true });
    expect(checkRecordLink('http://[0:0::1]:4000/customers/1234/people/1364', v6).allowed).toBe(false);
  });

  it('recordUrl builds from the origin and digit ids only', () => {
    expect(recordUrl('https://api.icims.com/', '1234', 'applicantworkflows', '2203')).toBe('https://api.icims.com/customers/1234/applicantworkflows/2203');
    expect(() => recordUrl('https://api.icims.com', '1234', 'people', '../1')).toThrow(/digits/);
  });
});
