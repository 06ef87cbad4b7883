/**
 * Runs the iCIMS sandbox and every registered partner's sandbox (PartnerDefinition.sandbox) as one
 * process, for the quick start (`npm start` when no partner URL is set), the demo and tests that
 * need them as a child process.
 *
 * The sandboxes accept exactly the credentials the services will present, read from the same
 * environment: for every tenant in CONFIG_FILE, its iCIMS OAuth client (or Basic user) with the
 * secret named by `clientSecretEnv`/`passwordEnv`, and every enabled partner section's secrets;
 * partner-wide credentials as each partner's sandbox reads them (e.g. a client id). A missing
 * secret stops the process with the variable's name.
 *
 * Logs {"message":"ready","url":<iCIMS origin>,"icims":…,"<partner key>":<its origin>,…,
 * "workerEnv":["NAME=value",…]} once all listen: `workerEnv` points a worker at the sandboxes.
 */
import { createLogger, envSchema, loadEnv, runService, type EnvProperty, type EnvSource, type Logger, type RunningPartnerSandbox, type Tenants } from '@status-bridge/core';
import { loadTenants, PARTNERS, sandboxPortVariable } from '@status-bridge/partners';
import { start as startIcims, SANDBOX_ICIMS_AUDIENCE, type IcimsSandbox } from './icims';
import type { BasicUser, OAuthClient } from './icims/state';

export interface SandboxEnv {
  CONFIG_FILE: string;
  LOG_LEVEL: string;
  SHUTDOWN_TIMEOUT_MS: number;
  SANDBOX_HOST: string;
  SANDBOX_ICIMS_PORT: number;
  ICIMS_AUDIENCE?: string;
  /** SANDBOX_<KEY>_PORT of every partner with a sandbox. */
  [variable: string]: unknown;
}

const port = (fallback: number, partner: string): EnvProperty => ({ type: 'integer', minimum: 0, maximum: 65535, default: fallback, description: `port of the ${partner} sandbox (0: any free port)` });

/** Partners that bring a sandbox, with it. */
const SANDBOXED = PARTNERS.flatMap((partner) => (partner.sandbox ? [{ partner, sandbox: partner.sandbox }] : []));

export const sandboxEnvProperties: Record<string, EnvProperty> = {
  SANDBOX_HOST: { type: 'string', default: '127.0.0.1', description: 'interface the sandboxes listen on (loopback: they accept development secrets)' },
  SANDBOX_ICIMS_PORT: port(4010, 'iCIMS'),
  ...Object.fromEntries(SANDBOXED.map(({ partner, sandbox }) => [sandboxPortVariable(partner.key), port(sandbox.defaultPort, partner.title)])),
  ICIMS_AUDIENCE: { type: 'string', description: 'audience the worker asks iCIMS tokens for; accepted besides the default' },
};

export interface SandboxCredentials {
  icimsClients: OAuthClient[];
  icimsUsers: BasicUser[];
}

/** The iCIMS credentials the worker will present, from the tenants file and the secrets it names. */
export function credentialsFromTenants(tenants: Tenants): SandboxCredentials {
  const credentials: SandboxCredentials = { icimsClients: [], icimsUsers: [] };
  for (const customerId of tenants.ids()) {
    const auth = tenants.get(customerId)?.icims?.auth;
    if (auth?.type === 'oauth') credentials.icimsClients.push({ clientId: auth.clientId, clientSecret: tenants.secret(auth.clientSecretEnv) });
    if (auth?.type === 'basic') credentials.icimsUsers.push({ username: auth.username, password: tenants.secret(auth.passwordEnv) });
  }
  return credentials;
}

export interface RunningSandboxes {
  icims: IcimsSandbox;
  /** By partner key. */
  partners: Record<string, RunningPartnerSandbox>;
  /** Env that points a worker at every sandbox (iCIMS's API and token URL, each partner's `workerEnv`). */
  workerEnv: Record<string, string>;
  stop(): Promise<void>;
}

export async function startSandboxes(env: SandboxEnv, tenants: Tenants, logger: Logger, source: EnvSource = process.env): Promise<RunningSandboxes> {
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
    const partners: Record<string, RunningPartnerSandbox> = {};
    const workerEnv: Record<string, string> = { ICIMS_API_BASE_URL: icims.url, ICIMS_TOKEN_URL: icims.tokenUrl };
    for (const { partner, sandbox } of SANDBOXED) {
      const running = await sandbox.start({
        host: env.SANDBOX_HOST,
        port: env[sandboxPortVariable(partner.key)] as number,
        tenants: tenants.idsWith(partner.key).map((tenantId) => ({ tenantId, section: tenants.section(tenantId, partner.key) })),
        secret: (name) => tenants.secret(name),
        env: source,
      });
      started.push(running);
      partners[partner.key] = running;
      Object.assign(workerEnv, running.workerEnv);
    }
    logger.info('ready', {
      url: icims.url,
      icims: icims.url,
      ...Object.fromEntries(Object.entries(partners).map(([key, running]) => [key, running.url])),
      // "NAME=value" strings: an object keyed by NAME would have its *_TOKEN_URL values masked by the log redaction.
      workerEnv: Object.entries(workerEnv).map(([name, value]) => `${name}=${value}`),
      tenants: tenants.ids(),
    });
    return { icims, partners, workerEnv, stop: async () => void (await Promise.all(started.map((sandbox) => sandbox.close()))) };
  } catch (error) {
    // A port in use must not leave the other sandboxes listening.
    await Promise.all(started.map((sandbox) => sandbox.close().catch(() => undefined)));
    throw error;
  }
}

export function loadSandboxEnv(source: EnvSource = process.env): { env: SandboxEnv; tenants: Tenants; source: EnvSource } {
  const env = loadEnv<SandboxEnv>(envSchema(sandboxEnvProperties), source);
  // The sandboxes must know the iCIMS and partner secrets (to accept them), not the inbound ones.
  const tenants = loadTenants(env.CONFIG_FILE, source, ['icims', 'partners']);
  return { env, tenants, source };
}

if (require.main === module) {
  runService({
    name: 'sandbox',
    loadConfig: () => loadSandboxEnv(),
    createLogger: ({ env }) => createLogger('sandbox', env.LOG_LEVEL),
    shutdownTimeoutMs: ({ env }) => env.SHUTDOWN_TIMEOUT_MS,
    start: ({ env, tenants, source }, logger) => startSandboxes(env, tenants, logger, source),
  });
}
