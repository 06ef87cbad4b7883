/**
 * The HTTP paths every long-running process (ingest, worker, dashboard) serves for its
 * orchestrator and for Prometheus. The Kubernetes probes and scrape annotations in deploy/kubernetes
 * name them; test/kubernetes-manifests.test.ts checks the manifests against these constants.
 */
export const HEALTH_PATHS = {
  /** 200 while the process is up (liveness). */
  live: '/healthz',
  /** 200 when Redis answers and the process is not shutting down (readiness). */
  ready: '/readyz',
  /** Prometheus exposition, without authentication: keep it off public routes. */
  metrics: '/metrics',
} as const;
