import type { Response } from 'express';
import { listenSandbox } from '@status-bridge/core';
import { createSeekSandboxApp, SEEK_GRAPHQL_PATH, SEEK_TOKEN_PATH } from './app';
import { sandboxSchema } from './schema';
import { SeekSandboxState, type DuplicateUploadMode, type OperationRecord, type SeekClientCredentials, type SeekFaultRequest, type SeekSandboxSettings } from './state';

export * from './app';
export * from './schema';
export * from './state';

/** Credentials the sandbox accepts by default (use as SEEK_CLIENT_ID / SEEK_CLIENT_SECRET in dev). */
export const SANDBOX_SEEK_CLIENT: SeekClientCredentials = { clientId: 'status-bridge-sandbox', clientSecret: 'sandbox-seek-secret' };
/** Live and Playground audiences (developer.seek.com/auth/partner-tokens). */
export const SEEK_AUDIENCES = ['https://graphql.seek.com', 'https://test.graphql.seek.com'];

export interface SeekSandboxOptions {
  /** 0 (default): any free port. */
  port?: number;
  host?: string;
  clients?: SeekClientCredentials[];
  audiences?: string[];
  /** expires_in of issued tokens (default 1800, SEEK's example). */
  tokenLifetimeSeconds?: number;
  duplicateUpload?: DuplicateUploadMode;
  forbiddenHirers?: string[];
}

export interface SeekSandbox {
  /** Origin, e.g. http://127.0.0.1:41234 */
  url: string;
  /** Use as SEEK_TOKEN_URL. */
  tokenUrl: string;
  /** Use as SEEK_GRAPHQL_URL. */
  graphqlUrl: string;
  state: SeekSandboxState;
  /** Every GraphQL request, in arrival order, with full variables (live array; PII: do not log). */
  operations: OperationRecord[];
  faults(request: SeekFaultRequest): void;
  settings(settings: Partial<Omit<SeekSandboxSettings, 'forbiddenHirers'>> & { forbiddenHirers?: string[] }): void;
  /** Expires every token issued so far; the next GraphQL request with one gets UNAUTHENTICATED. */
  expireTokens(): void;
  reset(): void;
  close(): Promise<void>;
}

export async function start(options: SeekSandboxOptions = {}): Promise<SeekSandbox> {
  const state = new SeekSandboxState({
    clients: options.clients ?? [SANDBOX_SEEK_CLIENT],
    audiences: options.audiences ?? SEEK_AUDIENCES,
    settings: {
      tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 1800,
      duplicateUpload: options.duplicateUpload ?? 'conflict',
      forbiddenHirers: new Set(options.forbiddenHirers ?? []),
    },
  });
  // Build the executable schema now: the first request must not pay for parsing 294 types (a
  // client with a short timeout would see a timeout that is the sandbox's fault).
  sandboxSchema();
  const hung = new Set<Response>();
  const { url, close } = await listenSandbox(createSeekSandboxApp(state, hung), options, hung);
  return {
    url,
    tokenUrl: `${url}${SEEK_TOKEN_PATH}`,
    graphqlUrl: `${url}${SEEK_GRAPHQL_PATH}`,
    state,
    operations: state.operations,
    faults: (request) => state.applyFaults(request),
    settings: (settings) => state.applySettings(settings),
    expireTokens: () => {
      state.expireTokens();
    },
    reset: () => state.reset(),
    close,
  };
}
