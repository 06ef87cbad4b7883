import { Counter, Histogram, type Registry } from 'prom-client';
import { createMetricsRegistry } from '@status-bridge/core';

/** The worker's Prometheus series, shared by every processor. Names are part of the operators' contract (deploy/grafana). */
export interface WorkerMetrics {
  registry: Registry;
  /** Jobs processed, by queue and outcome (completed, retry, failed, rate_limited). */
  jobs: Counter<'queue' | 'outcome'>;
  /** Processing time of one attempt. */
  jobDuration: Histogram<'queue' | 'outcome'>;
  /**
   * Partner deliveries by outcome: delivered, duplicate (already recorded), failed, retry,
   * rate_limited, superseded (a current-state partner: a newer change of the record was delivered,
   * nothing sent, on purpose) and the reason of a `later` (a deliverer's wait, e.g. tenant_limited,
   * application_busy). Label values are part of the operators' contract (deploy/grafana).
   */
  deliveries: Counter<'partner' | 'outcome'>;
  /** Destinations skipped on purpose (unmapped status, no partner id for the application, partner disabled …). */
  skips: Counter<'partner' | 'reason'>;
  /**
   * Deliveries planned without the acting iCIMS user a partner asked for (it names its fallback
   * party instead; not a skip, not a failure), by partner and reason: not_found (unknown to
   * iCIMS or hidden from the integration user), read_error, no_name, no_user_id, candidate.
   */
  actorFallbacks: Counter<'partner' | 'reason'>;
  /** Time from ingest receiving the event to the partner accepting it. */
  deliveryLatency: Histogram<'partner'>;
  /** Jobs that used up their attempts (the alerting hook). */
  exhausted: Counter<'queue'>;
  /** iCIMS API requests by tenant and outcome. */
  icimsRequests: Counter<'tenant' | 'outcome'>;
  /** Closings of a tenant's iCIMS back-off gate (a 429 while it was open), counted by the process that closed it. */
  icimsBackoffClosings: Counter<'tenant'>;
}

export function createWorkerMetrics(): WorkerMetrics {
  const registry = createMetricsRegistry('worker');
  const registers = [registry];
  return {
    registry,
    jobs: new Counter({ name: 'status_bridge_jobs_total', help: 'Jobs processed by queue and outcome', labelNames: ['queue', 'outcome'], registers }),
    jobDuration: new Histogram({
      name: 'status_bridge_job_duration_seconds',
      help: 'Processing time of one job attempt',
      labelNames: ['queue', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    deliveries: new Counter({ name: 'status_bridge_deliveries_total', help: 'Partner deliveries by partner and outcome', labelNames: ['partner', 'outcome'], registers }),
    skips: new Counter({ name: 'status_bridge_skips_total', help: 'Destinations skipped on purpose, by partner and reason', labelNames: ['partner', 'reason'], registers }),
    actorFallbacks: new Counter({
      name: 'status_bridge_actor_fallbacks_total',
      help: 'Deliveries planned with the partner\'s fallback party because the acting iCIMS user could not be named, by partner and reason',
      labelNames: ['partner', 'reason'],
      registers,
    }),
    deliveryLatency: new Histogram({
      name: 'status_bridge_delivery_latency_seconds',
      help: 'Time from ingest receive to partner acceptance',
      labelNames: ['partner'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400],
      registers,
    }),
    exhausted: new Counter({ name: 'status_bridge_jobs_exhausted_total', help: 'Jobs that failed for good (attempts used up or permanent error)', labelNames: ['queue'], registers }),
    icimsRequests: new Counter({ name: 'status_bridge_icims_requests_total', help: 'iCIMS API requests by tenant and outcome', labelNames: ['tenant', 'outcome'], registers }),
    icimsBackoffClosings: new Counter({
      name: 'status_bridge_icims_backoff_closings_total',
      help: "Closings of a tenant's iCIMS back-off gate after a 429 (one per closing across all workers)",
      labelNames: ['tenant'],
      registers,
    }),
  };
}
