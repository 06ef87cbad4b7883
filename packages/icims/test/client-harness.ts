import { Redis } from 'ioredis';
import { cleanupPrefix, TEST_REDIS_URL, uniquePrefix } from '@status-bridge/testing';
import { SANDBOX_ICIMS_AUDIENCE, SANDBOX_ICIMS_CLIENT, start, type IcimsSandbox } from '@status-bridge/sandbox/src/icims';
import { IcimsClient, type IcimsTenantAccess } from '../src/client';

type ClientOptions = ConstructorParameters<typeof IcimsClient>[0];

/** What a client test holds: the iCIMS sandbox over HTTP, the real Redis under its own prefix, and makers. */
export interface IcimsClientHarness {
  /** The key prefix of this file's clients (its own, so caches start cold). */
  readonly prefix: string;
  readonly sandbox: IcimsSandbox;
  readonly redis: Redis;
  /** A client on the harness's Redis and prefix (closed after all tests), `defaults` then `options`. */
  client(options?: Partial<ClientOptions>): IcimsClient;
  /** A fresh tenant id per call (gates, budgets and caches are per tenant); all talk to sandbox customer 1234. */
  freshAccess(): IcimsTenantAccess;
  /** A record URL of sandbox customer 1234. */
  url(path: string): string;
  /** The sandbox's API requests (not token requests), optionally for one path of customer 1234. */
  apiRequests(path?: string): ReturnType<IcimsSandbox['state']['apiRequests']>;
}

/**
 * Sets up the hooks every IcimsClient test against the sandbox needs: the sandbox and a Redis
 * connection before all tests (and, unless `warmToken: false`, one read, so the token request does
 * not interleave with the counts a test makes), the sandbox's faults and request log cleared before each, everything
 * closed and the prefix removed after all. Call at the top of a test file.
 */
export function useIcimsClientHarness(label: string, defaults: Partial<ClientOptions> = {}, options: { warmToken?: boolean } = {}): IcimsClientHarness {
  const prefix = uniquePrefix(`icims-${label}`);
  const clients: IcimsClient[] = [];
  let tenantCounter = 0;
  let sandbox: IcimsSandbox | undefined;
  let redis: Redis | undefined;
  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the iCIMS client harness has no ${what} outside the tests (use it inside a hook or test)`);
    return value;
  };

  const harness: IcimsClientHarness = {
    prefix,
    get sandbox() {
      return ready(sandbox, 'sandbox');
    },
    get redis() {
      return ready(redis, 'Redis connection');
    },
    client(options = {}) {
      const made = new IcimsClient({ redis: harness.redis, prefix, timeoutMs: 2000, jobCacheTtlSeconds: 60, ...defaults, ...options });
      clients.push(made);
      return made;
    },
    freshAccess() {
      return {
        tenantId: `${label}-${++tenantCounter}`,
        origin: harness.sandbox.url,
        credentials: { type: 'oauth', ...SANDBOX_ICIMS_CLIENT, tokenUrl: harness.sandbox.tokenUrl, audience: SANDBOX_ICIMS_AUDIENCE },
        dailyRequestBudget: 10_000,
      };
    },
    url: (path) => `${harness.sandbox.url}/customers/1234/${path}`,
    apiRequests: (path) => harness.sandbox.state.apiRequests().filter((request) => path === undefined || request.path === `/customers/1234/${path}`),
  };

  beforeAll(async () => {
    sandbox = await start();
    redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 3 });
    if (options.warmToken !== false) await harness.client().getRecord(harness.freshAccess(), { url: harness.url('people/1364'), fields: ['firstname'], what: 'people 1364' });
  });
  afterAll(async () => {
    await Promise.all(clients.map((made) => made.close()));
    await sandbox?.close();
    await cleanupPrefix(TEST_REDIS_URL, prefix);
    redis?.disconnect();
  });
  beforeEach(() => harness.sandbox.reset());
  return harness;
}
