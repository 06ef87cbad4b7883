import type { EnvProperty } from '@status-bridge/core';

/** SEEK API settings. One SEEK partner account serves every hirer, so these are partner-wide. */
export interface SeekEnv {
  SEEK_TOKEN_URL: string;
  SEEK_GRAPHQL_URL: string;
  SEEK_AUDIENCE: string;
  SEEK_CLIENT_ID?: string;
  SEEK_CLIENT_SECRET?: string;
  SEEK_REQUEST_TIMEOUT_MS: number;
  SEEK_TOKEN_MARGIN_SECONDS: number;
}

export const seekEnvProperties: Record<string, EnvProperty> = {
  SEEK_TOKEN_URL: { type: 'string', pattern: '^https?://', default: 'https://auth.seek.com/oauth/token', description: 'SEEK partner token endpoint' },
  SEEK_GRAPHQL_URL: { type: 'string', pattern: '^https?://', default: 'https://graphql.seek.com/graphql', description: 'SEEK GraphQL endpoint' },
  SEEK_AUDIENCE: { type: 'string', default: 'https://graphql.seek.com', description: 'token audience (https://test.graphql.seek.com for the Playground)' },
  SEEK_CLIENT_ID: { type: 'string', minLength: 1, description: 'SEEK partner client id (needed when a tenant delivers to SEEK)' },
  SEEK_CLIENT_SECRET: { type: 'string', minLength: 1, description: 'SEEK partner client secret' },
  SEEK_REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 100, default: 10_000, description: 'timeout of one SEEK request' },
  SEEK_TOKEN_MARGIN_SECONDS: {
    type: 'integer',
    minimum: 0,
    default: 60,
    description: "seconds taken off the token's expires_in when caching it (SEEK suggests a buffer of about a minute); lifetimes under twice the margin are cached for half",
  },
};
