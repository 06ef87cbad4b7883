import Ajv from 'ajv';
import { CANONICAL_STAGES, ConfigError } from '@status-bridge/core';
import { sectionSecrets, webhookSectionSchema, type WebhookSection } from '../src/section';
import { newSigningSecret, signerFromEnv, signingSecretProblem } from '../src/signing-secret';
import { endpointUrlProblem, isLoopbackHost, originOf } from '../src/url-policy';

// The tenants loader compiles partner schemas with defaults on (design: "with `default`s").
const validate = new Ajv({ allErrors: true, strict: false, useDefaults: true }).compile(webhookSectionSchema);

describe('tenants.<id>.webhook schema', () => {
  it('fills the defaults: every stage, no candidate, enabled', () => {
    const section = { endpoints: { crm: { url: 'https://hooks.example.com/in', secretEnv: 'CRM_SECRET' } } };
    expect(validate(section)).toBe(true);
    expect(section.endpoints.crm).toEqual({ url: 'https://hooks.example.com/in', secretEnv: 'CRM_SECRET', stages: [...CANONICAL_STAGES], includeCandidate: false, enabled: true });
  });

  it('gives each endpoint its own copy of the default stage list', () => {
    const section = { endpoints: { a: { url: 'https://a.example', secretEnv: 'A' }, b: { url: 'https://b.example', secretEnv: 'B' } } } as unknown as WebhookSection;
    expect(validate(section)).toBe(true);
    expect(section.endpoints.a.stages).not.toBe(section.endpoints.b.stages);
  });

  it.each([
    ['no endpoints', { endpoints: {} }],
    ['endpoints missing', {}],
    ['an unknown property', { endpoints: { crm: { url: 'https://a.example', secretEnv: 'A', secret: 'whsec_x' } } }],
    ['an endpoint name with a dot (it ends the webhook-id)', { endpoints: { 'c.rm': { url: 'https://a.example', secretEnv: 'A' } } }],
    ['an endpoint name with a colon (it ends the job id)', { endpoints: { 'c:rm': { url: 'https://a.example', secretEnv: 'A' } } }],
    ['an upper-case endpoint name', { endpoints: { CRM: { url: 'https://a.example', secretEnv: 'A' } } }],
    ['a URL that is not http(s)', { endpoints: { crm: { url: 'ftp://a.example', secretEnv: 'A' } } }],
    ['a URL with credentials', { endpoints: { crm: { url: 'https://user:pass@a.example/in', secretEnv: 'A' } } }],
    ['a secret value where its env name belongs', { endpoints: { crm: { url: 'https://a.example', secretEnv: 'whsec_abc' } } }],
    ['an unknown stage', { endpoints: { crm: { url: 'https://a.example', secretEnv: 'A', stages: ['shortlisted'] } } }],
    ['an empty stage list', { endpoints: { crm: { url: 'https://a.example', secretEnv: 'A', stages: [] } } }],
    ['includeCandidate as text', { endpoints: { crm: { url: 'https://a.example', secretEnv: 'A', includeCandidate: 'yes' } } }],
  ])('refuses %s', (_name, section) => {
    expect(validate(section)).toBe(false);
  });

  it('names the secrets of enabled endpoints, with the field referencing each', () => {
    const section: WebhookSection = {
      endpoints: {
        crm: { url: 'https://a.example', secretEnv: 'CRM_SECRET', previousSecretEnv: 'CRM_SECRET_OLD' },
        audit: { url: 'https://b.example', secretEnv: 'AUDIT_SECRET', enabled: false },
      },
    };
    expect(sectionSecrets(section)).toEqual([
      { env: 'CRM_SECRET', field: 'endpoints.crm.secretEnv' },
      { env: 'CRM_SECRET_OLD', field: 'endpoints.crm.previousSecretEnv' },
    ]);
    expect(sectionSecrets({ ...section, enabled: false })).toEqual([]);
  });
});

describe('signing secrets (Standard Webhooks whsec_ format)', () => {
  const bytes = (count: number): string => `whsec_${Buffer.alloc(count, 7).toString('base64')}`;
  it.each([
    ['a generated secret', newSigningSecret(), undefined],
    ['24 bytes', bytes(24), undefined],
    ['64 bytes', bytes(64), undefined],
    ['no prefix', Buffer.alloc(32, 7).toString('base64'), 'must start with whsec_'],
    ['hex after the prefix', `whsec_${'ab'.repeat(32)}1`, 'standard base64'],
    ['base64url characters', `whsec_${Buffer.alloc(32, 251).toString('base64url')}`, 'standard base64'],
    ['nothing after the prefix', 'whsec_', 'standard base64'],
    ['too short', bytes(16), 'must encode 24 to 64 bytes (got 16)'],
    ['too long', bytes(65), 'must encode 24 to 64 bytes (got 65)'],
  ])('%s', (_name, value, problem) => {
    const found = signingSecretProblem(value);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it('the start-up error names the variable and the field, never the value', () => {
    const value = `whsec_${'ab'.repeat(32)}1`;
    let error: unknown;
    try {
      signerFromEnv(value, 'TENANT_1234_WEBHOOK_CRM_SECRET', 'tenants.1234.webhook.endpoints.crm.secretEnv');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('TENANT_1234_WEBHOOK_CRM_SECRET');
    expect(message).toContain('tenants.1234.webhook.endpoints.crm.secretEnv');
    expect(message).not.toContain(value.slice(6));
  });
});

describe('endpoint URL policy', () => {
  it.each([
    ['https anywhere', 'https://hooks.example.com/in', false, undefined],
    ['http to 127.0.0.1', 'http://127.0.0.1:4040/hooks/1234/crm', false, undefined],
    ['http to 127.1.2.3', 'http://127.1.2.3/x', false, undefined],
    ['http to localhost', 'http://localhost:8080/x', false, undefined],
    ['http to [::1]', 'http://[::1]:8080/x', false, undefined],
    ['http to another host', 'http://receiver:8080/x', false, 'must be https'],
    ['http to a private address', 'http://10.0.0.5/x', false, 'must be https'],
    ['http to another host with WEBHOOK_ALLOW_HTTP', 'http://receiver:8080/x', true, undefined],
    ['a host that only starts like loopback', 'http://127.0.0.1.example.com/x', false, 'must be https'],
    ['credentials in the URL', 'https://u:p@hooks.example.com/x', false, 'must not carry credentials'],
    ['another scheme', 'ftp://hooks.example.com/x', true, 'must be https'],
    ['not a URL', 'https://', false, 'not a valid URL'],
  ])('%s', (_name, url, allowHttp, problem) => {
    const found = endpointUrlProblem(url, allowHttp);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  it('loopback hosts and logged origins', () => {
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('LOCALHOST')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(originOf('https://hooks.example.com/T000/B000/secretpath?k=v')).toBe('https://hooks.example.com');
  });
});
