import { partner as stepstone } from '@status-bridge/stepstone';
import { partner as seek } from '@status-bridge/seek';
import { partner as webhook } from '@status-bridge/webhook';

/**
 * THE REGISTRY: every delivery partner, one entry each. Adding a partner is its package (which
 * exports its `PartnerDefinition`) plus one line here; queues, the tenants file schema, the worker's
 * env, the enrichment fan-out, ingest routes, the dashboard, metrics, replay and the sandboxes all
 * derive from this list (docs/architecture.md, "Adding a partner").
 *
 * This is the one source file outside the partner packages that names a partner
 * (test/partner-names.test.ts keeps it so). Order is the enrichment's order of planning and the
 * dashboard's order of queues.
 */
export const PARTNERS = [stepstone, seek, webhook] as const;
