import { Router } from 'express';
import { HEALTH_PATHS } from '@status-bridge/core';
import type { IngestMetrics } from '../metrics';

export interface HealthDeps {
  metrics: IngestMetrics;
  /** Redis answers and the process is not shutting down. */
  isReady(): Promise<{ ready: boolean; redis: boolean; shuttingDown: boolean }>;
}

/** GET /healthz (process up), GET /readyz (can accept events), GET /metrics (Prometheus). */
export function createHealthRouter(deps: HealthDeps): Router {
  const router = Router();
  router.get(HEALTH_PATHS.live, (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  router.get(HEALTH_PATHS.ready, async (_req, res) => {
    const state = await deps.isReady();
    res.status(state.ready ? 200 : 503).json({ status: state.ready ? 'ready' : 'not ready', redis: state.redis, shuttingDown: state.shuttingDown });
  });
  router.get(HEALTH_PATHS.metrics, async (_req, res) => {
    res.status(200).type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
