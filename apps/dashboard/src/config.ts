import { envSchema, httpTimeoutEnvProperties, httpTimeoutsFromEnv, loadEnv, type CommonEnv, type EnvSource, type HttpServerTimeouts } from '@status-bridge/core';

/** Dashboard process configuration, read once at start from the environment. */
export interface DashboardEnv extends Omit<CommonEnv, 'CONFIG_FILE'> {
  CONFIG_FILE?: string;
  DASHBOARD_PORT: number;
  DASHBOARD_HOST: string;
  DASHBOARD_USER: string;
  DASHBOARD_PASSWORD: string;
  DASHBOARD_ALLOW_RETRY: boolean;
  DASHBOARD_ENVIRONMENT_LABEL: string;
  DASHBOARD_ENVIRONMENT_COLOR: string;
  DASHBOARD_POLL_INTERVAL_MS: number;
  DASHBOARD_REQUEST_TIMEOUT_MS: number;
  DASHBOARD_HEADERS_TIMEOUT_MS: number;
  DASHBOARD_CONNECTIONS_CHECKING_INTERVAL_MS: number;
}

// Board requests are small GETs and retry/clean POSTs without bodies worth waiting for.
export const DEFAULT_DASHBOARD_HTTP_TIMEOUTS: HttpServerTimeouts = { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, connectionsCheckingIntervalMs: 1_000 };

export const dashboardEnvProperties = {
  DASHBOARD_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3001, description: 'port of the dashboard (0: any free port)' },
  DASHBOARD_HOST: { type: 'string', default: '0.0.0.0', description: 'interface the dashboard listens on' },
  DASHBOARD_USER: { type: 'string', minLength: 1, default: 'admin', description: 'HTTP Basic user name for the dashboard' },
  DASHBOARD_PASSWORD: {
    type: 'string',
    // Anyone with it can read every queue (and retry jobs when enabled): treat it like Redis access.
    minLength: 12,
    description: 'HTTP Basic password for the dashboard, at least 12 characters',
  },
  DASHBOARD_ALLOW_RETRY: {
    type: 'boolean',
    default: false,
    description: 'true enables retry and clean of jobs; otherwise the board is read-only (writes answer 405)',
  },
  DASHBOARD_ENVIRONMENT_LABEL: { type: 'string', default: 'production', description: 'badge shown in the dashboard header, e.g. production or staging' },
  DASHBOARD_ENVIRONMENT_COLOR: { type: 'string', pattern: '^#[0-9A-Fa-f]{3,8}$', default: '#cc0000', description: 'badge colour (CSS hex)' },
  DASHBOARD_POLL_INTERVAL_MS: {
    type: 'integer',
    minimum: 1000,
    default: 5000,
    description: 'how often every open dashboard tab polls Redis; forced on all users (bull-board pollingInterval.forceInterval)',
  },
  ...httpTimeoutEnvProperties('DASHBOARD', DEFAULT_DASHBOARD_HTTP_TIMEOUTS),
};

const commonDashboardSchema = envSchema(dashboardEnvProperties, ['DASHBOARD_PASSWORD']);

/** The dashboard's env schema (also read by the Kubernetes manifest test for its required variables). */
export const dashboardEnvSchema = {
  ...commonDashboardSchema,
  // The dashboard reads queues only, not the tenants file, so CONFIG_FILE is optional here.
  required: (commonDashboardSchema.required as string[]).filter((name) => name !== 'CONFIG_FILE'),
};

export function loadDashboardEnv(source: EnvSource = process.env): DashboardEnv {
  const env = loadEnv<DashboardEnv>(dashboardEnvSchema, source);
  httpTimeoutsFromEnv(env, 'DASHBOARD');
  return env;
}
