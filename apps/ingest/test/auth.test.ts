import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { Tenants } from '@status-bridge/core';
import { basicAuth } from '@status-bridge/testing';
import { BasicAuthenticator } from '../src/auth/basic';
import { BearerAuthenticator } from '../src/auth/bearer';
import { InboundAuth, type AuthDecision } from '../src/auth/inbound';
import { OAuthClients } from '../src/auth/oauth-clients';
import { AccessTokens } from '../src/auth/token';
import { contentEncodingOf, inflateBody, isJsonContentType } from '../src/body';
import { usesInboundOAuth } from '../src/config';

/** Pure pieces of inbound authentication and body handling, on tables of cases. */
const env = { P_DEF: 'pw-default', S_DEF: 'secret-default', P_A: 'pw-a', S_A: 'secret-a', P_B: 'pw-b', S_B: 'secret-b', S_SHARED: 'secret-shared' };
const tenants = Tenants.fromObject(
  {
    defaultInbound: { basic: { username: 'icims', passwordEnv: 'P_DEF' }, oauth: { clientId: 'default-client', clientSecretEnv: 'S_DEF' } },
    tenants: {
      '100': { inbound: { basic: { username: 'a', passwordEnv: 'P_A' }, oauth: { clientId: 'client-a', clientSecretEnv: 'S_A' } }, statusMapping: {} },
      '200': { inbound: { basic: { username: 'b', passwordEnv: 'P_B' }, oauth: { clientId: 'shared', clientSecretEnv: 'S_B' } }, statusMapping: {} },
      '300': { inbound: { oauth: { clientId: 'shared', clientSecretEnv: 'S_SHARED' } }, statusMapping: {} },
      '400': { statusMapping: {} },
    },
  },
  env,
  [],
  ['inbound'],
);
const SECRET = 'unit-test-token-secret-0123456789abcdef';
const tokens = new AccessTokens(SECRET, 3600);
const inbound = new InboundAuth(tenants, [new BasicAuthenticator(tenants), new BearerAuthenticator(tokens, tenants)]);
const bearer = (clientId: string, customers: string[]) => `Bearer ${tokens.issue(clientId, customers).accessToken}`;

describe('InboundAuth.authorize', () => {
  it.each<[string, string | undefined, string, AuthDecision]>([
    ["tenant A's Basic for A", basicAuth('a', 'pw-a'), '100', 'admitted'],
    ["tenant A's Basic for B", basicAuth('a', 'pw-a'), '200', 'denied'],
    ['wrong password', basicAuth('a', 'pw-b'), '100', 'denied'],
    ['right password, wrong user', basicAuth('b', 'pw-a'), '100', 'denied'],
    ['scheme in other case', `bAsIc ${Buffer.from('a:pw-a').toString('base64')}`, '100', 'admitted'],
    ['default Basic for a tenant without its own', basicAuth('icims', 'pw-default'), '400', 'admitted'],
    ['default Basic for a tenant with its own', basicAuth('icims', 'pw-default'), '100', 'denied'],
    ['default Basic for an unknown customer', basicAuth('icims', 'pw-default'), '999', 'unknown-tenant'],
    ['wrong Basic for an unknown customer', basicAuth('icims', 'nope'), '999', 'denied'],
    ['no header', undefined, '100', 'denied'],
    ['empty Basic', 'Basic ', '100', 'denied'],
    ["A's token for A", bearer('client-a', ['100']), '100', 'admitted'],
    ["A's token for B", bearer('client-a', ['100']), '200', 'denied'],
    ['a token naming B but issued to client A', bearer('client-a', ['200']), '200', 'denied'],
    ['default token for a default tenant', bearer('default-client', ['*']), '400', 'admitted'],
    ['default token for a tenant with its own', bearer('default-client', ['*']), '100', 'denied'],
    ['shared client id, token for 200, used for 300', bearer('shared', ['200']), '300', 'denied'],
    ['shared client id, token for 300', bearer('shared', ['300']), '300', 'admitted'],
    ['a token signed with another secret', `Bearer ${new AccessTokens('another-secret-0123456789abcdef0123', 3600).issue('client-a', ['100']).accessToken}`, '100', 'denied'],
    ['a Basic tenant has no oauth: token refused', bearer('client-a', ['100']), '400', 'denied'],
  ])('%s → %s', (_label, header, customerId, decision) => {
    expect(inbound.authorize(header, customerId, { headers: {} })).toBe(decision);
  });
});

describe('AccessTokens', () => {
  it('round-trips claims and refuses tampering and expiry', () => {
    let now = 1_000_000_000_000;
    const issuer = new AccessTokens(SECRET, 60, () => now);
    const { accessToken, expiresIn } = issuer.issue('client-a', ['100']);
    expect(expiresIn).toBe(60);
    expect(issuer.verify(accessToken)).toEqual({ cid: 'client-a', cus: ['100'], iat: 1_000_000_000, exp: 1_000_000_060 });
    const [version, claims, signature] = accessToken.split('.');
    const forged = Buffer.from(JSON.stringify({ cid: 'client-a', cus: ['200'], iat: 1, exp: 9_999_999_999 })).toString('base64url');
    expect(issuer.verify(`${version}.${forged}.${signature}`)).toBeUndefined();
    expect(issuer.verify(`${version}.${claims}.${signature.slice(0, -2)}`)).toBeUndefined();
    expect(issuer.verify(`xx1.${claims}.${signature}`)).toBeUndefined();
    expect(issuer.verify('')).toBeUndefined();
    now += 59_000;
    expect(issuer.verify(accessToken)).toBeDefined();
    now += 1_000;
    expect(issuer.verify(accessToken)).toBeUndefined();
  });
});

describe('OAuthClients', () => {
  const clients = new OAuthClients(tenants);
  it.each<[string, string, string[] | undefined]>([
    ['client-a', 'secret-a', ['100']],
    ['client-a', 'secret-b', undefined],
    ['shared', 'secret-b', ['200']],
    ['shared', 'secret-shared', ['300']],
    ['default-client', 'secret-default', ['*']],
    ['nobody', 'secret-a', undefined],
  ])('%s with its secret → %j', (clientId, secret, customers) => {
    expect(clients.authenticate(clientId, secret)).toEqual(customers);
  });

  it('knows whether any tenant uses inbound OAuth (INGEST_TOKEN_SECRET is then required)', () => {
    expect(usesInboundOAuth(tenants)).toBe(true);
    expect(usesInboundOAuth(Tenants.fromObject({ tenants: { '1': { inbound: { basic: { username: 'u', passwordEnv: 'P_A' } }, statusMapping: {} } } }, env, [], ['inbound']))).toBe(false);
  });
});

describe('body helpers', () => {
  it.each<[string | undefined, boolean]>([
    ['application/json', true],
    ['Application/JSON; charset=utf-8', true],
    [' application/json ;charset=UTF-8', true],
    ['application/json-patch+json', false],
    ['text/json', false],
    ['', false],
    [undefined, false],
  ])('content type %j is JSON: %s', (header, expected) => {
    expect(isJsonContentType(header)).toBe(expected);
  });

  it.each<[string | undefined, string | undefined]>([
    [undefined, 'identity'],
    ['', 'identity'],
    ['identity', 'identity'],
    ['GZIP', 'gzip'],
    ['x-gzip', 'gzip'],
    ['deflate', 'deflate'],
    ['br', undefined],
    ['gzip, br', undefined],
  ])('content encoding %j → %j', (header, expected) => {
    expect(contentEncodingOf(header)).toBe(expected);
  });

  it('inflates gzip, zlib and raw deflate, and stops at the limit', () => {
    const text = Buffer.from('{"a":1}');
    expect(inflateBody(gzipSync(text), 'gzip', 100)).toEqual({ ok: true, bytes: text });
    expect(inflateBody(deflateSync(text), 'deflate', 100)).toEqual({ ok: true, bytes: text });
    expect(inflateBody(deflateRawSync(text), 'deflate', 100)).toEqual({ ok: true, bytes: text });
    expect(inflateBody(gzipSync(Buffer.alloc(101)), 'gzip', 100)).toEqual({ ok: false, reason: 'too-large' });
    expect(inflateBody(deflateSync(Buffer.alloc(101)), 'deflate', 100)).toEqual({ ok: false, reason: 'too-large' });
    expect(inflateBody(gzipSync(Buffer.alloc(100)), 'gzip', 100).ok).toBe(true);
    expect(inflateBody(Buffer.from('junk'), 'gzip', 100)).toEqual({ ok: false, reason: 'corrupt' });
    expect(inflateBody(text, 'identity', 100)).toEqual({ ok: true, bytes: text });
  });
});
