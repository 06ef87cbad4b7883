import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { CANONICAL_STAGES, type CanonicalStage } from './stages';
import { ConfigError, type EnvSource } from './env';
import { sectionEnabled, type AnyPartnerDefinition, type PartnerSectionBase } from './partner';

/**
 * The tenants file (`CONFIG_FILE`): one entry per iCIMS customerId. Secrets are never written
 * here; every `...Env` field names the environment variable that holds the secret, so the file
 * can be committed or mounted from a ConfigMap. Documented in docs/configuration.md.
 */
export interface BasicCredentialsRef {
  username: string;
  passwordEnv: string;
}

export interface OAuthClientRef {
  clientId: string;
  clientSecretEnv: string;
}

/** How iCIMS authenticates itself when it calls our ingest endpoint. */
export interface InboundAuthConfig {
  basic?: BasicCredentialsRef;
  oauth?: OAuthClientRef;
}

export type IcimsApiAuthConfig =
  | { type: 'oauth'; clientId: string; clientSecretEnv: string; tokenUrl?: string; audience?: string }
  | { type: 'basic'; username: string; passwordEnv: string };

export interface IcimsTenantConfig {
  /** Overrides ICIMS_API_BASE_URL for this customer (EU-hosted customers use https://api-eu.icims.com). */
  apiBaseUrl?: string;
  auth: IcimsApiAuthConfig;
  /** Requests per day this customer's licence allows (default ICIMS_DAILY_REQUEST_BUDGET). */
  dailyRequestBudget?: number;
}

export interface TenantConfig {
  name?: string;
  inbound?: InboundAuthConfig;
  icims?: IcimsTenantConfig;
  /** iCIMS status id (the event's newStatus, e.g. "9782" or "D10100") → canonical stage. */
  statusMapping: Record<string, CanonicalStage>;
  /** One section per registered partner, under its key (PartnerDefinition.tenant; read with `Tenants.section`). */
  [partnerKey: string]: unknown;
}

export interface TenantsFile {
  /** Partner-wide inbound credentials, used for a tenant that has no `inbound` of its own. */
  defaultInbound?: InboundAuthConfig;
  tenants: Record<string, TenantConfig>;
}

const envName = { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' };
const url = { type: 'string', pattern: '^https?://' };
const statusId = { type: 'string', pattern: '^[A-Za-z0-9._-]{1,64}$' };
const stageMap = {
  type: 'object',
  propertyNames: { enum: [...CANONICAL_STAGES] },
  additionalProperties: { type: 'string', minLength: 1 },
};
const inbound = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    basic: {
      type: 'object',
      additionalProperties: false,
      required: ['username', 'passwordEnv'],
      properties: { username: { type: 'string', minLength: 1 }, passwordEnv: envName },
    },
    oauth: {
      type: 'object',
      additionalProperties: false,
      required: ['clientId', 'clientSecretEnv'],
      properties: { clientId: { type: 'string', minLength: 1 }, clientSecretEnv: envName },
    },
  },
};

const commonSectionProperties = {
  enabled: { type: 'boolean', default: true },
  stageMapping: stageMap,
  statusOverrides: { type: 'object', propertyNames: statusId, additionalProperties: { type: 'string', minLength: 1 } },
};

/** What the tenants file needs of a partner: its key and the schema of its section (PartnerDefinition.tenant.schema). */
export type TenantSectionPartner = Pick<AnyPartnerDefinition, 'key'> & { tenant: Pick<AnyPartnerDefinition['tenant'], 'schema'> };

/** A partner's section: its own schema plus every partner's `enabled`, `stageMapping` and `statusOverrides`. */
function partnerSectionSchema(partner: TenantSectionPartner): Record<string, unknown> {
  const own = partner.tenant.schema as { properties?: Record<string, unknown> };
  return { type: 'object', additionalProperties: false, ...own, properties: { ...commonSectionProperties, ...own.properties } };
}

/**
 * The schema of the tenants file: the common tenant fields plus one optional section per partner,
 * under its key. Built from the registry (packages/partners), which also writes it to
 * config/tenants.schema.json. `default`s are filled in when a file is loaded.
 */
export function buildTenantsSchema(partners: readonly TenantSectionPartner[]): Record<string, unknown> {
  return {
    type: 'object',
    additionalProperties: false,
    required: ['tenants'],
    properties: {
      $schema: { type: 'string' },
      defaultInbound: inbound,
      tenants: {
        type: 'object',
        propertyNames: { pattern: '^[0-9]+$' },
        additionalProperties: {
          type: 'object',
          additionalProperties: false,
          required: ['statusMapping'],
          properties: {
            name: { type: 'string' },
            inbound,
            icims: {
              type: 'object',
              additionalProperties: false,
              required: ['auth'],
              properties: {
                apiBaseUrl: url,
                dailyRequestBudget: { type: 'integer', minimum: 1 },
                auth: {
                  oneOf: [
                    {
                      type: 'object',
                      additionalProperties: false,
                      required: ['type', 'clientId', 'clientSecretEnv'],
                      properties: {
                        type: { const: 'oauth' },
                        clientId: { type: 'string', minLength: 1 },
                        clientSecretEnv: envName,
                        tokenUrl: url,
                        audience: { type: 'string', minLength: 1 },
                      },
                    },
                    {
                      type: 'object',
                      additionalProperties: false,
                      required: ['type', 'username', 'passwordEnv'],
                      properties: { type: { const: 'basic' }, username: { type: 'string', minLength: 1 }, passwordEnv: envName },
                    },
                  ],
                },
              },
            },
            statusMapping: {
              type: 'object',
              propertyNames: statusId,
              additionalProperties: { enum: [...CANONICAL_STAGES] },
            },
            ...Object.fromEntries(partners.map((partner) => [partner.key, partnerSectionSchema(partner)])),
          },
        },
      },
    },
  };
}

/** Secrets a process needs loaded: inbound credentials (ingest), iCIMS API credentials, every enabled partner section's (`tenant.secrets`). */
export type SecretSection = 'inbound' | 'icims' | 'partners';

/** What loading the tenants file needs of a partner. */
export type TenantsFilePartner = TenantSectionPartner & { tenant: Pick<AnyPartnerDefinition['tenant'], 'schema' | 'secrets'> };

/** The validated tenants file plus the secrets it references, read once at start. */
export class Tenants {
  private constructor(
    readonly file: TenantsFile,
    private readonly secrets: ReadonlyMap<string, string>,
  ) {}

  static fromFile(path: string, env: EnvSource, partners: readonly TenantsFilePartner[], requireSecrets: readonly SecretSection[] = []): Tenants {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (error) {
      throw new ConfigError(`CONFIG_FILE: cannot read tenants file "${path}": ${(error as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(`CONFIG_FILE: "${path}" is not valid JSON: ${(error as Error).message}`);
    }
    return Tenants.fromObject(parsed, env, partners, requireSecrets, path);
  }

  /** Validates (filling in the schema's defaults) and loads the secrets the file references. */
  static fromObject(value: unknown, env: EnvSource, partners: readonly TenantsFilePartner[], requireSecrets: readonly SecretSection[] = [], source = 'tenants config'): Tenants {
    // useDefaults: a setting left out gets the default its schema documents (docs/configuration.md).
    const validate = new Ajv({ allErrors: true, strict: false, useDefaults: true }).compile<TenantsFile>(buildTenantsSchema(partners));
    if (!validate(value)) {
      const problems = (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
      throw new ConfigError(`CONFIG_FILE: ${source} is invalid:\n  - ${problems.join('\n  - ')}`, problems.map((problem) => `CONFIG_FILE: ${source}: ${problem}`));
    }
    const file = value as TenantsFile;
    const secrets = new Map<string, string>();
    const missing: string[] = [];
    const want = (name: string, where: string): void => {
      const secret = env[name];
      if (secret === undefined || secret === '') missing.push(`${name} (referenced by ${where})`);
      else secrets.set(name, secret);
    };
    const collectInbound = (config: InboundAuthConfig | undefined, where: string): void => {
      if (config?.basic) want(config.basic.passwordEnv, `${where}.inbound.basic.passwordEnv`);
      if (config?.oauth) want(config.oauth.clientSecretEnv, `${where}.inbound.oauth.clientSecretEnv`);
    };
    if (requireSecrets.includes('inbound')) collectInbound(file.defaultInbound, 'defaultInbound');
    for (const [customerId, tenant] of Object.entries(file.tenants)) {
      const where = `tenants.${customerId}`;
      if (requireSecrets.includes('inbound')) collectInbound(tenant.inbound, where);
      if (requireSecrets.includes('icims') && tenant.icims) {
        const auth = tenant.icims.auth;
        want(auth.type === 'oauth' ? auth.clientSecretEnv : auth.passwordEnv, `${where}.icims.auth`);
      }
      if (requireSecrets.includes('partners')) {
        for (const partner of partners) {
          const section = tenant[partner.key] as PartnerSectionBase | undefined;
          if (!sectionEnabled(section)) continue;
          for (const secret of partner.tenant.secrets(section)) want(secret.env, `${where}.${partner.key}.${secret.field}`);
        }
      }
    }
    if (missing.length > 0) {
      throw new ConfigError(`Missing secrets referenced by ${source}:\n  - ${missing.join('\n  - ')}`, missing.map((secret) => `${secret} is not set`));
    }
    return new Tenants(file, secrets);
  }

  get(customerId: string): TenantConfig | undefined {
    return Object.prototype.hasOwnProperty.call(this.file.tenants, customerId) ? this.file.tenants[customerId] : undefined;
  }

  ids(): string[] {
    return Object.keys(this.file.tenants);
  }

  /** A tenant's section for a partner (enabled or not), as validated and with its defaults. */
  section<Section>(customerId: string, partnerKey: string): Section | undefined {
    return this.get(customerId)?.[partnerKey] as Section | undefined;
  }

  /** Tenants that have a section for this partner (enabled or not). */
  idsWith(partnerKey: string): string[] {
    return this.ids().filter((customerId) => this.section(customerId, partnerKey) !== undefined);
  }

  /** Inbound credentials that admit events for this customer: its own, else the partner-wide default. */
  inboundFor(customerId: string): InboundAuthConfig | undefined {
    const tenant = this.get(customerId);
    if (!tenant) return undefined;
    return tenant.inbound ?? this.file.defaultInbound;
  }

  /** The value of a secret named in the file. Throws if it was not loaded (a programming error). */
  secret(envName: string): string {
    const value = this.secrets.get(envName);
    if (value === undefined) throw new ConfigError(`secret ${envName} was not loaded; is its section in requireSecrets?`);
    return value;
  }
}
