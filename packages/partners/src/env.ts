import type { EnvProperty } from '@status-bridge/core';
import { PARTNERS } from './registry';

/** Every partner's partner-wide variables (PartnerDefinition.env), for the worker's env schema. */
export const partnerEnvProperties: Record<string, EnvProperty> = Object.assign({}, ...PARTNERS.map((partner) => partner.env.properties));

export const partnerEnvRequired: readonly string[] = PARTNERS.flatMap((partner) => partner.env.required ?? []);

/** The worker's per-queue concurrency variable of a queue key, e.g. WORKER_CONCURRENCY_ENRICH. */
export function concurrencyVariable(queueKey: string): string {
  return `WORKER_CONCURRENCY_${queueKey.toUpperCase().replace(/-/g, '_')}`;
}

/** The sandbox runner's port variable of a partner, e.g. SANDBOX_<KEY>_PORT. */
export function sandboxPortVariable(partnerKey: string): string {
  return `SANDBOX_${partnerKey.toUpperCase().replace(/-/g, '_')}_PORT`;
}
