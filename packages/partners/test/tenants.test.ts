import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@status-bridge/core';
import { loadTenants, TENANTS_FILE_SCHEMA, tenantsFromObject } from '../src';

const repoRoot = join(__dirname, '..', '..', '..');

describe('Tenants', () => {
  const exampleEnv = {
    INBOUND_DEFAULT_PASSWORD: 'default-pass',
    TENANT_1234_INBOUND_PASSWORD: 'p',
    TENANT_1234_INBOUND_CLIENT_SECRET: 's',
    TENANT_1234_ICIMS_CLIENT_SECRET: 'i',
    TENANT_1234_STEPSTONE_TOKEN: 't',
    TENANT_1234_WEBHOOK_CRM_SECRET: 'w',
  };

  it('loads the shipped example with every secret resolved', () => {
    const tenants = loadTenants(join(repoRoot, 'config', 'tenants.example.json'), exampleEnv, ['inbound', 'icims', 'partners']);
    expect(tenants.ids()).toEqual(['1234']);
    expect(tenants.get('1234')?.statusMapping['9782']).toBe('interview');
    expect(tenants.secret('TENANT_1234_STEPSTONE_TOKEN')).toBe('t');
    expect(tenants.inboundFor('1234')?.basic?.username).toBe('icims-1234');
    expect(tenants.inboundFor('9999')).toBeUndefined();
    expect(tenants.get('constructor')).toBeUndefined();
  });

  it('names each missing secret and where it is referenced', () => {
    expect(() => loadTenants(join(repoRoot, 'config', 'tenants.example.json'), { TENANT_1234_INBOUND_PASSWORD: 'p' }, ['inbound'])).toThrow(
      /INBOUND_DEFAULT_PASSWORD \(referenced by defaultInbound\.inbound\.basic\.passwordEnv\)[\s\S]*TENANT_1234_INBOUND_CLIENT_SECRET \(referenced by tenants\.1234\.inbound\.oauth\.clientSecretEnv\)/,
    );
  });

  it('only requires the secrets of the sections a process uses', () => {
    expect(() => loadTenants(join(repoRoot, 'config', 'tenants.example.json'), {}, [])).not.toThrow();
  });

  it.each([
    [{ tenants: { abc: { statusMapping: {} } } }, /must match pattern "\^\[0-9\]\+\$"/],
    [{ tenants: { '1': { statusMapping: { '9782': 'interviewing' } } } }, /statusMapping\/9782 must be equal to one of the allowed values/],
    [{ tenants: { '1': { statusMapping: {}, stepstone: { tokenEnv: 'lower-case' } } } }, /stepstone\/tokenEnv must match pattern/],
    [{ tenants: { '1': { statusMapping: {}, stepstone: { token: 'inline-secret', tokenEnv: 'X' } } } }, /must NOT have additional properties/],
    [{ tenants: {} , extra: 1 }, /must NOT have additional properties/],
  ])('rejects an invalid file with the path at fault: %j', (file, message) => {
    expect(() => tenantsFromObject(file, {})).toThrow(message);
    expect(() => tenantsFromObject(file, {})).toThrow(ConfigError);
  });

  it('reports a file that is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-tenants-'));
    writeFileSync(join(dir, 'bad.json'), '{ "tenants": ');
    expect(() => loadTenants(join(dir, 'bad.json'), {})).toThrow(/CONFIG_FILE: ".*bad.json" is not valid JSON/);
    expect(() => loadTenants(join(dir, 'missing.json'), {})).toThrow(/CONFIG_FILE: cannot read tenants file/);
  });

  it('ships config/tenants.schema.json equal to the schema the services use (npx tsx scripts/write-tenants-schema.ts)', () => {
    const shipped = JSON.parse(readFileSync(join(repoRoot, 'config', 'tenants.schema.json'), 'utf8')) as Record<string, unknown>;
    const { $schema: _draft, title: _title, ...rest } = shipped;
    expect(rest).toEqual(JSON.parse(JSON.stringify(TENANTS_FILE_SCHEMA)));
  });
});

describe('defaults instead of required noise', () => {
  it('a minimal partner section loads, with every documented default filled in', () => {
    const tenants = tenantsFromObject(
      { tenants: { '1': { statusMapping: {}, seek: { hirerId: 'h' }, stepstone: { tokenEnv: 'T_TOKEN' } } } },
      { T_TOKEN: 'secret' },
      ['partners'],
    );
    expect(tenants.section('1', 'seek')).toEqual({ hirerId: 'h', enabled: true, defaultSource: 'iCIMS', withoutPosition: 'interaction', interactionActionCode: 'Note', fallbackPartyName: 'Recruiting team' });
    expect(tenants.section('1', 'stepstone')).toEqual({ tokenEnv: 'T_TOKEN', enabled: true, sendRawStatus: true, sendBusinessDate: true });
    expect(tenants.idsWith('seek')).toEqual(['1']);
  });

  it('a value that is given wins over the default', () => {
    const tenants = tenantsFromObject({ tenants: { '1': { statusMapping: {}, seek: { hirerId: 'h', withoutPosition: 'skip', enabled: false } } } }, {});
    expect(tenants.section('1', 'seek')).toMatchObject({ withoutPosition: 'skip', enabled: false, defaultSource: 'iCIMS' });
  });

  it('a blank seek.fallbackPartyName is refused, naming the path (SEEK requires a formatted name)', () => {
    expect(() => tenantsFromObject({ tenants: { '1': { statusMapping: {}, seek: { hirerId: 'h', fallbackPartyName: '   ' } } } }, {})).toThrow(/tenants\.1\.seek\.fallbackPartyName|tenants\/1\/seek\/fallbackPartyName/);
  });

    it("a disabled partner's secrets are not required", () => {
    expect(() => tenantsFromObject({ tenants: { '1': { statusMapping: {}, stepstone: { tokenEnv: 'T_TOKEN', enabled: false } } } }, {}, ['partners'])).not.toThrow();
    expect(() => tenantsFromObject({ tenants: { '1': { statusMapping: {}, stepstone: { tokenEnv: 'T_TOKEN' } } } }, {}, ['partners'])).toThrow(/T_TOKEN \(referenced by tenants\.1\.stepstone\.tokenEnv\)/);
  });
});
