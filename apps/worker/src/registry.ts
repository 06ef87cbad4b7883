import { PARTNERS, QUEUE_KEYS, type QueueKey } from '@status-bridge/partners';
import type { ProcessorFactory } from './processor';
import { createDeliveryProcessor } from './delivery-processor';
import { createEnrichProcessor } from './processors/enrich';

/** Every queue of the contract → its processor: enrich, and the delivery shell for each registered partner. */
export const processorRegistry = {
  enrich: createEnrichProcessor,
  ...Object.fromEntries(PARTNERS.map((partner) => [partner.key, createDeliveryProcessor(partner)])),
} as { [K in QueueKey]: ProcessorFactory<K> };

/** Start-up check (also covers registries assembled at run time): refuse to start with a queue unserved. */
export function assertRegistryComplete(registry: Partial<Record<QueueKey, unknown>> = processorRegistry): void {
  const missing = QUEUE_KEYS.filter((key) => typeof registry[key] !== 'function');
  if (missing.length > 0) throw new Error(`no processor registered for queue(s): ${missing.join(', ')}`);
}
