import { Counter, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry } from '@status-bridge/core';

/** Prometheus series of the ingest process (GET /metrics). */
export interface IngestMetrics {
  registry: Registry;
  requests: Counter<'route' | 'outcome'>;
  duration: Histogram<'route'>;
  enqueueFailures: Counter<'reason'>;
}

export function createIngestMetrics(): IngestMetrics {
  const registry = createMetricsRegistry('ingest');
  return {
    registry,
    requests: new Counter({
      name: 'status_bridge_ingest_requests_total',
      help: 'Requests to the ingest API by route and outcome (accepted, deduplicated, unauthorized, bad_request, unavailable, ...)',
      labelNames: ['route', 'outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'status_bridge_ingest_request_duration_seconds',
      help: 'Time from request start to answer, by route',
      labelNames: ['route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    enqueueFailures: new Counter({
      name: 'status_bridge_ingest_enqueue_failures_total',
      help: 'Events Redis did not confirm (answered 503), by reason: timeout, redis_error or not_replicated (ENQUEUE_WAIT_REPLICAS)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  };
}
