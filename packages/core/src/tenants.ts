import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { CANONICAL_STAGES, type CanonicalStage } from './stages';
import { ConfigError, type EnvSource } from './env';

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

export interface StepStoneTenantConfig {
  enabled?: boolean;
  /** Overrides STEPSTONE_STATUS_URL for this customer (e.g. .../qs-api/public/atsi/v1/{ATS_ID}). */
  statusUrl?: string;
  tokenEnv: string;
  /** iCIMS applicant-workflow field that holds the AtsiApplicationId (e.g. "field51234"); absent: our correlation records only. */
  applicationIdField?: string;
  sendRawStatus?: boolean;
  sendBusinessDate?: boolean;
  /** Statuses StepStone accepts beyond the seed's eight (e.g. "CONTACT"). */
  extraStatuses?: string[];
  /** Canonical stage → StepStone status, replacing the default table for this customer. */
  stageMapping?: Partial<Record<CanonicalStage, string>>;
  /** iCIMS status id → StepStone status, winning over the stage mapping. */
  statusOverrides?: Record<string, string>;
  rateLimit?: { max: number; durationMs: number };
}

export interface SeekTenantConfig {
  enabled?: boolean;
  /** SEEK hirer id (needs a ProactiveSourcing relationship), e.g. seekAnz:organization:seek:93WyyF1h. */
  hirerId: string;
  /** iCIMS person field that holds the SEEK candidate profile id, if the hirer stores it. */
  candidateProfileField?: string;
  /** iCIMS job field that holds the SEEK position profile id. */
  positionProfileField?: string;
  /** iCIMS applicant-workflow field used as seekSource.name (default "source"). */
  sourceField?: string;
  defaultSource: string;
  /** What to do when a job has no SEEK position profile. */
  withoutPosition: 'interaction' | 'skip';
  /** Action code for a change recorded without a position (default "Note"). */
  interactionActionCode?: string;
  stageMapping?: Partial<Record<CanonicalStage, string>>;
  statusOverrides?: Record<string, string>;
}

export interface TenantConfig {
  name?: string;
  inbound?: InboundAuthConfig;
  icims?: IcimsTenantConfig;
  /** iCIMS status id (the event's newStatus, e.g. "9782" or "D10100") → canonical stage. */
  statusMapping: Record<string, CanonicalStage>;
  stepstone?: StepStoneTenantConfig;
  seek?: SeekTenantConfig;
}

export interface TenantsFile {
  /** Partner-wide inbound credentials, used for a tenant that has no `inbound` of its own. */
  defaultInbound?: InboundAuthConfig;
  tenants: Record<string, TenantConfig>;
}

const envName = { type: 'string', pattern: '^[A-Z_][A-Z0-9_]*$' };
const fieldId = { type: 'string', pattern: '^[a-z0-9_]+$' };
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

export const tenantsFileSchema = {
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
          stepstone: {
            type: 'object',
            additionalProperties: false,
            required: ['tokenEnv'],
            properties: {
              enabled: { type: 'boolean' },
              statusUrl: url,
              tokenEnv: envName,
              applicationIdField: fieldId,
              sendRawStatus: { type: 'boolean' },
              sendBusinessDate: { type: 'boolean' },
              extraStatuses: { type: 'array', items: { type: 'string', pattern: '^[A-Z_]+$' } },
              stageMapping: stageMap,
              statusOverrides: { type: 'object', propertyNames: statusId, additionalProperties: { type: 'string', minLength: 1 } },
              rateLimit: {
                type: 'object',
                additionalProperties: false,
                required: ['max', 'durationMs'],
                properties: { max: { type: 'integer', minimum: 1 }, durationMs: { type: 'integer', minimum: 1 } },
              },
            },
          },
          seek: {
            type: 'object',
            additionalProperties: false,
            required: ['hirerId', 'defaultSource', 'withoutPosition'],
            properties: {
              enabled: { type: 'boolean' },
              hirerId: { type: 'string', minLength: 1 },
              candidateProfileField: fieldId,
              positionProfileField: fieldId,
              sourceField: fieldId,
              defaultSource: { type: 'string', minLength: 1 },
              withoutPosition: { enum: ['interaction', 'skip'] },
              interactionActionCode: { type: 'string', minLength: 1 },
              stageMapping: stageMap,
              statusOverrides: { type: 'object', propertyNames: statusId, additionalProperties: { type: 'string', minLength: 1 } },
            },
          },
        },
      },
    },
  },
} as const;

export type SecretSection = 'inbound' | 'icims' | 'stepstone' | 'seek';

/** The validated tenants file plus the secrets it references, read once at start. */
export class Tenants {
  private constructor(
    readonly file: TenantsFile,
    private readonly secrets: ReadonlyMap<string, string>,
  ) {}

  static fromFile(path: string, env: EnvSource, requireSecrets: readonly SecretSection[] = []): Tenants {
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
    return Tenants.fromObject(parsed, env, requireSecrets, path);
  }

  static fromObject(value: unknown, env: EnvSource, requireSecrets: readonly SecretSection[] = [], source = 'tenants config'): Tenants {
    const validate = new Ajv({ allErrors: true, strict: false }).compile<TenantsFile>(tenantsFileSchema);
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
      if (requireSecrets.includes('stepstone') && tenant.stepstone && tenant.stepstone.enabled !== false) {
        want(tenant.stepstone.tokenEnv, `${where}.stepstone.tokenEnv`);
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
