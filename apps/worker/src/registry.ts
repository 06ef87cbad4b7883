import { QUEUE_KEYS, type QueueKey } from '@status-bridge/core';
import type { ProcessorFactory } from './processor';
import { createEnrichProcessor } from './processors/enrich';
import { createStepStoneProcessor } from './processors/stepstone';
import { createSeekProcessor } from './processors/seek';

/** Every queue of the contract → its processor. The type makes a missing entry a compile error. */
export const processorRegistry: { [K in QueueKey]: ProcessorFactory<K> } = {
  enrich: createEnrichProcessor,
  stepstone: createStepStoneProcessor,
  seek: createSeekProcessor,
};

/** Start-up check (also covers registries assembled at run time): refuse to start with a queue unserved. */
export function assertRegistryComplete(registry: Partial<Record<QueueKey, unknown>> = processorRegistry): void {
  const missing = QUEUE_KEYS.filter((key) => typeof registry[key] !== 'function');
  if (missing.length > 0) throw new Error(`no processor registered for queue(s): ${missing.join(', ')}`);
}
