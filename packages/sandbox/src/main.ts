/**
 * Runs the iCIMS, StepStone and SEEK sandboxes as one process, for the quick start (`npm start`
 * when no partner URL is set), the demo and tests that need them as a child process.
 *
 * The sandboxes accept exactly the credentials the services will present, read from the same
 * environment: for every tenant in CONFIG_FILE, its iCIMS OAuth client (or Basic user) with the
 * secret named by `clientSecretEnv`/`passwordEnv`, and its StepStone `tokenEnv`; SEEK_CLIENT_ID and
 * SEEK_CLIENT_SECRET for SEEK. A missing secret stops the process with the variable's name.
 *
 * Logs {"message":"ready","url":<iCIMS origin>,"icims":…,"stepstone":…,"seek":…} once all listen.
 */
import { createLogger, envSchema, loadEnv, runService, Tenants, type EnvSource, type Logger } from '@status-bridge/core';
import { start as startIcims, SANDBOX_ICIMS_AUDIENCE, type IcimsSandbox } from './icims';
import { start as startStepStone, type StepStoneSandbox } from '@status-bridge/stepstone/src/sandbox';
import { start as startSeek, SEEK_AUDIENCES, type SeekSandbox } from '@status-bridge/seek/src/sandbox';
import type { BasicUser, OAuthClient } from './icims/state';

export interface SandboxEnv {
  CONFIG_FILE: string;
  LOG_LEVEL: string;
  SHUTDOWN_TIMEOUT_MS: number;
  SANDBOX_HOST: string;
  SANDBOX_ICIMS_PORT: number;
  SANDBOX_STEPSTONE_PORT: number;
  SANDBOX_SEEK_PORT: number;
  SEEK_CLIENT_ID: string;
  SEEK_CLIENT_SECRET: string;
  ICIMS_AUDIENCE?: string;
  SEEK_AUDIENCE?: string;
}

const port = (fallback: number, partner: string) => ({ type: 'integer', minimum: 0, maximum: 65535, default: fallback, description: `port of the ${partner} sandbox (0: any free port)` });

export const sandboxEnvProperties = {
  SANDBOX_HOST: { type: 'string', default: '127.0.0.1', description: 'interface the sandboxes listen on (loopback: they accept development secrets)' },
  SANDBOX_ICIMS_PORT: port(4010, 'iCIMS'),
  SANDBOX_STEPSTONE_PORT: port(4020, 'StepStone'),
  SANDBOX_SEEK_PORT: port(4030, 'SEEK'),
  SEEK_CLIENT_ID: { type: 'string', minLength: 1, description: 'the SEEK client id the worker uses; the SEEK sandbox accepts it' },
  SEEK_CLIENT_SECRET: { type: 'string', minLength: 1, description: 'the SEEK client secret the worker uses' },
  ICIMS_AUDIENCE: { type: 'string', description: 'audience the worker asks iCIMS tokens for; accepted besides the default' },
  SEEK_AUDIENCE: { type: 'string', description: 'audience the worker asks SEEK tokens for; accepted besides the live and Playground ones' },
};

export interface SandboxCredentials {
  icimsClients: OAuthClient[];
  icimsUsers: BasicUser[];
  stepstoneTokens: string[];
  stepstoneExtraStatuses: string[];
}

/** The credentials the services will present, from the tenants file and the secrets it names. */
export function credentialsFromTenants(tenants: Tenants): SandboxCredentials {
  const credentials: SandboxCredentials = { icimsClients: [], icimsUsers: [], stepstoneTokens: [], stepstoneExtraStatuses: [] };
  for (const customerId of tenants.ids()) {
    const tenant = tenants.get(customerId)!;
    const auth = tenant.icims?.auth;
    if (auth?.type === 'oauth') credentials.icimsClients.push({ clientId: auth.clientId, clientSecret: tenants.secret(auth.clientSecretEnv) });
    if (auth?.type === 'basic') credentials.icimsUsers.push({ username: auth.username, password: tenants.secret(auth.passwordEnv) });
    if (tenant.stepstone && tenant.stepstone.enabled !== false) {
      credentials.stepstoneTokens.push(tenants.secret(tenant.stepstone.tokenEnv));
      credentials.stepstoneExtraStatuses.push(...(tenant.stepstone.extraStatuses ?? []));
    }
  }
  return credentials;
}

export interface RunningSandboxes {
  icims: IcimsSandbox;
  stepstone: StepStoneSandbox;
  seek: SeekSandbox;
  stop(): Promise<void>;
}

export async function startSandboxes(env: SandboxEnv, tenants: Tenants, logger: Logger): Promise<RunningSandboxes> {
  const credentials = credentialsFromTenants(tenants);
  const started: Array<{ close(): Promise<void> }> = [];
  try {
    const icims = await startIcims({
      host: env.SANDBOX_HOST,
      port: env.SANDBOX_ICIMS_PORT,
      clients: credentials.icimsClients,
      users: credentials.icimsUsers,
      audience: env.ICIMS_AUDIENCE ?? SANDBOX_ICIMS_AUDIENCE,
    });
    started.push(icims);
    const stepstone = await startStepStone({
      host: env.SANDBOX_HOST,
      port: env.SANDBOX_STEPSTONE_PORT,
      tokens: credentials.stepstoneTokens,
      extraStatuses: [...new Set(credentials.stepstoneExtraStatuses)],
    });
    started.push(stepstone);
    const seek = await startSeek({
      host: env.SANDBOX_HOST,
      port: env.SANDBOX_SEEK_PORT,
      clients: [{ clientId: env.SEEK_CLIENT_ID, clientSecret: env.SEEK_CLIENT_SECRET }],
      audiences: [...new Set([...SEEK_AUDIENCES, ...(env.SEEK_AUDIENCE ? [env.SEEK_AUDIENCE] : [])])],
    });
    started.push(seek);
    logger.info('ready', {
      url: icims.url,
      icims: icims.url,
      stepstone: stepstone.url,
      seek: seek.url,
      icimsOAuthUrl: icims.tokenUrl,
      stepstoneStatusUrl: stepstone.seedStatusUrl,
      seekOAuthUrl: seek.tokenUrl,
      seekGraphqlUrl: seek.graphqlUrl,
      tenants: tenants.ids(),
    });
    return { icims, stepstone, seek, stop: async () => void (await Promise.all(started.map((sandbox) => sandbox.close()))) };
  } catch (error) {
    // A port in use must not leave the other sandboxes listening.
    await Promise.all(started.map((sandbox) => sandbox.close().catch(() => undefined)));
    throw error;
  }
}

export function loadSandboxEnv(source: EnvSource = process.env): { env: SandboxEnv; tenants: Tenants } {
  const schema = envSchema(sandboxEnvProperties, ['SEEK_CLIENT_ID', 'SEEK_CLIENT_SECRET']);
  const env = loadEnv<SandboxEnv>(schema, source);
  // The sandboxes must know the iCIMS and StepStone secrets (to accept them), not the inbound ones.
  const tenants = Tenants.fromFile(env.CONFIG_FILE, source, ['icims', 'stepstone']);
  return { env, tenants };
}

if (require.main === module) {
  runService({
    name: 'sandbox',
    loadConfig: () => loadSandboxEnv(),
    createLogger: ({ env }) => createLogger('sandbox', env.LOG_LEVEL),
    shutdownTimeoutMs: ({ env }) => env.SHUTDOWN_TIMEOUT_MS,
    start: ({ env, tenants }, logger) => startSandboxes(env, tenants, logger),
  });
}
