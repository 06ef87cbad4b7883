import { loadEnv, type EnvProperty, type PartnerSandboxDefinition } from '@status-bridge/core';

const sandboxEnv: { properties: Record<string, EnvProperty>; required: string[] } = {
  properties: {
    SEEK_CLIENT_ID: { type: 'string', minLength: 1, description: 'the SEEK client id the worker uses; the SEEK sandbox accepts it' },
    SEEK_CLIENT_SECRET: { type: 'string', minLength: 1, description: 'the SEEK client secret the worker uses' },
    SEEK_AUDIENCE: { type: 'string', description: 'audience the worker asks SEEK tokens for; accepted besides the live and Playground ones' },
  },
  required: ['SEEK_CLIENT_ID', 'SEEK_CLIENT_SECRET'],
};

/**
 * The SEEK stand-in for `npm start`, the demo and tests (PartnerDefinition.sandbox): token endpoint
 * and GraphQL on SEEK's schema. It accepts the partner client the worker uses (SEEK_CLIENT_ID,
 * SEEK_CLIENT_SECRET; a missing one stops the runner naming it). Loaded only when it starts.
 */
export const seekSandbox: PartnerSandboxDefinition = {
  defaultPort: 4030,
  liveEnv: ['SEEK_GRAPHQL_URL'],
  quickStartEnv: { SEEK_CLIENT_ID: 'dev-seek-client', SEEK_CLIENT_SECRET: 'dev-seek-client-secret', SEEK_AUDIENCE: 'https://graphql.seek.com' },
  async start({ host, port, env }) {
    const settings = loadEnv<{ SEEK_CLIENT_ID: string; SEEK_CLIENT_SECRET: string; SEEK_AUDIENCE?: string }>({ type: 'object', ...sandboxEnv }, env);
    const { start, SEEK_AUDIENCES } = await import('./sandbox');
    const sandbox = await start({
      host,
      port,
      clients: [{ clientId: settings.SEEK_CLIENT_ID, clientSecret: settings.SEEK_CLIENT_SECRET }],
      audiences: [...new Set([...SEEK_AUDIENCES, ...(settings.SEEK_AUDIENCE ? [settings.SEEK_AUDIENCE] : [])])],
    });
    return {
      url: sandbox.url,
      workerEnv: { SEEK_GRAPHQL_URL: sandbox.graphqlUrl, SEEK_TOKEN_URL: sandbox.tokenUrl },
      received: async () => sandbox.operations.map(({ at, operation, outcome, httpStatus }) => ({ at, operation, outcome, httpStatus })),
      close: () => sandbox.close(),
    };
  },
  async describeReceived(url, sinceMs) {
    const response = await fetch(`${url}/_sandbox/operations`);
    if (!response.ok) throw new Error(`GET ${url}/_sandbox/operations answered ${response.status}`);
    const { operations } = (await response.json()) as { operations: Array<{ at: number; operation: string; outcome: string; httpStatus: number; variables: unknown }> };
    const recent = operations.filter((item) => item.at >= sinceMs);
    if (recent.length === 0) return ['nothing'];
    return recent.map((item) => `${item.operation} → ${item.outcome} (HTTP ${item.httpStatus})  ${idsAndCodes(item.variables).join('  ')}`);
  },
};

/** "path=value" for the ids and codes in a GraphQL input: what an operator compares with SEEK (no candidate details). */
function idsAndCodes(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => idsAndCodes(item, path));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) => {
    const here = path ? `${path}.${key}` : key;
    if (typeof inner === 'string' && /^(id|profileId|idempotencyId|code)$/.test(key)) return [`${here.replace(/^input\./, '')}=${inner}`];
    return idsAndCodes(inner, here);
  });
}
