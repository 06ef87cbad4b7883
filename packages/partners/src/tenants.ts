import { buildTenantsSchema, Tenants, type EnvSource, type SecretSection } from '@status-bridge/core';
import { PARTNERS } from './registry';

/** The tenants file schema with every registered partner's section (written to config/tenants.schema.json by scripts/write-tenants-schema.ts). */
export const TENANTS_FILE_SCHEMA = buildTenantsSchema(PARTNERS);

/** Reads and validates CONFIG_FILE with every registered partner's section, loading the secrets the process needs. */
export function loadTenants(path: string, env: EnvSource, requireSecrets: readonly SecretSection[] = []): Tenants {
  return Tenants.fromFile(path, env, PARTNERS, requireSecrets);
}

/** As `loadTenants`, from an object (tests, the manifest checks). */
export function tenantsFromObject(value: unknown, env: EnvSource, requireSecrets: readonly SecretSection[] = [], source?: string): Tenants {
  return Tenants.fromObject(value, env, PARTNERS, requireSecrets, source);
}
