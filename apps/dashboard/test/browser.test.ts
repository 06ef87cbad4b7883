import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { Redis } from 'ioredis';
import { deliveryJobId } from '@status-bridge/core';
import { createQueue, PARTNERS, QUEUES, sandboxPortVariable, type ContractQueue } from '@status-bridge/partners';
import { type StepStoneDeliveryJob } from '@status-bridge/stepstone';
import { newSigningSecret } from '@status-bridge/webhook';
import { cleanupPrefix, freePort, REPO_ROOT, sampleStatusChange, spawnService, TEST_REDIS_URL, uniquePrefix, waitFor, type ServiceHandle } from '@status-bridge/testing';

/**
 * Issue 6 "Done when", in a real browser (Playwright driving Debian's Chromium, no downloaded
 * browser): log into the dashboard, see every queue, open a failed StepStone job caused by a
 * sandbox 400, read its reason, fix the sandbox, retry from the UI, and watch the job complete.
 * Without credentials the page, an asset and the API answer 401. Takes the screenshots that
 * docs/ holds; they are written to docs/ only with UPDATE_SCREENSHOTS=1 (so a test run leaves the
 * working tree clean), else to a temporary folder.
 *
 * Everything runs as operators run it: sandboxes, worker (StepStone queue) and dashboard are child
 * processes with env-only config, on the real Redis under a unique prefix.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) {
  throw new Error(`Chromium not found at ${CHROMIUM}; .ci/run installs it (apt-get install chromium). The browser test may not be skipped in CI.`);
}
if (!haveChromium) {
  // eslint-disable-next-line no-console
  console.warn(`SKIPPING the dashboard browser test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);
}
const browserTest = haveChromium ? test : test.skip;
jest.setTimeout(60_000);

const prefix = uniquePrefix('dashboard-browser');
const USER = 'operator';
const PASSWORD = 'browser-test-password';
const SECRETS = {
  CONFIG_FILE: 'config/tenants.example.json',
  TENANT_1234_ICIMS_CLIENT_SECRET: 'browser-test-icims-secret',
  TENANT_1234_STEPSTONE_TOKEN: 'browser-test-stepstone-token',
  TENANT_1234_WEBHOOK_CRM_SECRET: newSigningSecret(),
  SEEK_CLIENT_ID: 'browser-test-seek-client',
  SEEK_CLIENT_SECRET: 'browser-test-seek-secret',
};
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SANDBOX_400_MESSAGE = 'Unknown AtsiApplicationId (browser test)';

let sandbox: ServiceHandle;
let worker: ServiceHandle;
let dashboard: ServiceHandle;
let connection: Redis;
let queue: ContractQueue<'stepstone'>;
const profiles: string[] = [];

async function stepstoneFaults(body: unknown): Promise<void> {
  const response = await fetch(`${String(sandbox.ready.stepstone)}/_sandbox/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
}

function deliveryJob(): { id: string; data: StepStoneDeliveryJob } {
  const enrichJobId = `c1234-w2203-1752-9782-${Date.now().toString(36)}`;
  const now = new Date().toISOString();
  return {
    id: deliveryJobId(enrichJobId, 'stepstone'),
    data: {
      statusChange: sampleStatusChange({
        newStatus: { id: '9782', stage: 'interview', name: 'Interview' },
        occurredAt: now,
        receivedAt: now,
        candidate: { formattedName: 'Erika Mustermann', givenName: 'Erika', familyName: 'Mustermann', email: 'erika.mustermann@example.com', phone: '+49 30 1234567' },
        job: { title: 'Nurse' },
        enrichJobId,
      }),
      stepstone: { atsiApplicationId: '51c3be16-0f93-41ed-9cc0-9092222d7333', status: 'INTERVIEW' },
    },
  };
}

/** A Chromium context with a fresh profile directory; fonts from Google are blocked (offline CI). */
async function browserContext(credentials?: { username: string; password: string }): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'sb-chromium-'));
  profiles.push(profile);
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    httpCredentials: credentials,
    viewport: { width: 1400, height: 860 },
  });
  await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route) => route.abort());
  return context;
}

/**
 * bull-board's job actions are icon buttons named only by a hover tooltip; in a failed job's card
 * the first one is Retry. The confirmation text that follows proves the right one was pressed.
 */
async function clickFirstJobAction(page: Page, jobId: string): Promise<void> {
  const card = page.getByText(jobId, { exact: true }).first().locator('xpath=ancestor::*[.//button][1]');
  await card.locator('button').first().click();
}

beforeAll(async () => {
  if (!haveChromium) return;
  // Fixed free ports let the three processes start at once (the worker needs the StepStone URL);
  // one for every registered partner's sandbox, so none falls back to its quick-start port.
  const [icimsPort, ...partnerPorts] = await Promise.all([freePort(), ...PARTNERS.map(() => freePort())]);
  const sandboxPorts = Object.fromEntries(PARTNERS.map((partner, index) => [sandboxPortVariable(partner.key), String(partnerPorts[index])]));
  const stepstonePort = sandboxPorts[sandboxPortVariable('stepstone')];
  [sandbox, worker, dashboard] = await Promise.all([
    spawnService('packages/sandbox/src/main.ts', { ...SECRETS, SANDBOX_ICIMS_PORT: String(icimsPort), ...sandboxPorts }),
    spawnService('apps/worker/src/main.ts', {
      ...SECRETS,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      WORKER_QUEUES: 'stepstone',
      METRICS_PORT: '0',
      METRICS_HOST: '127.0.0.1',
      STEPSTONE_STATUS_URL: `http://127.0.0.1:${stepstonePort}/api/application-status`,
      RETRY_BASE_DELAY_MS: '50',
      RETRY_MAX_DELAY_MS: '200',
    }),
    spawnService('apps/dashboard/src/main.ts', {
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: prefix,
      DASHBOARD_PORT: '0',
      DASHBOARD_HOST: '127.0.0.1',
      DASHBOARD_USER: USER,
      DASHBOARD_PASSWORD: PASSWORD,
      DASHBOARD_ALLOW_RETRY: 'true',
      DASHBOARD_ENVIRONMENT_LABEL: 'browser test',
      DASHBOARD_POLL_INTERVAL_MS: '1000',
    }),
  ]);
  // The runner names the env that points a worker at each sandbox (before: a stepstoneStatusUrl field).
  expect(sandbox.ready.workerEnv).toContain(`STEPSTONE_STATUS_URL=http://127.0.0.1:${stepstonePort}/api/application-status`);
  connection = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
  queue = createQueue('stepstone', connection, prefix);
});

afterAll(async () => {
  if (!haveChromium) return;
  await Promise.all([dashboard?.stop(), worker?.stop(), sandbox?.stop()]);
  await queue?.close();
  connection?.disconnect();
  for (const profile of profiles) rmSync(profile, { recursive: true, force: true });
  await cleanupPrefix(TEST_REDIS_URL, prefix);
});

browserTest('without credentials the page, an asset and the API answer 401', async () => {
  const context = await browserContext();
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    // Chromium turns a 401 it has no credentials for into a navigation error; the response is still seen.
    const [response] = await Promise.all([page.waitForResponse(`${dashboard.url}/admin/queues`), page.goto(`${dashboard.url}/admin/queues`).catch(() => null)]);
    expect(response.status()).toBe(401);
    expect(response.headers()['www-authenticate']).toMatch(/^Basic /);
    expect(await response.text()).not.toContain('deliver-stepstone');
    for (const path of ['/admin/queues/static/images/logo.svg', '/admin/queues/api/queues']) {
      const answer = await context.request.get(`${dashboard.url}${path}`);
      expect({ path, status: answer.status() }).toEqual({ path, status: 401 });
    }
  } finally {
    await context.close();
  }
});

browserTest('an operator sees every queue, reads why a StepStone job failed, fixes the cause and retries it', async () => {
  // The partner rejects everything with 400, as StepStone does for an unknown AtsiApplicationId.
  await stepstoneFaults({ rejectAll: { enabled: true, message: SANDBOX_400_MESSAGE } });
  const { id: jobId, data } = deliveryJob();
  await queue.add(QUEUES.stepstone.jobName, data, { jobId });
  await waitFor(async () => (await queue.getJobState(jobId)) === 'failed', { timeoutMs: 15_000, what: 'the StepStone job to fail on the sandbox 400' });

  const context = await browserContext({ username: USER, password: PASSWORD });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    // The board must work under its Content-Security-Policy: only the refused Google Fonts link may complain.
    const cspViolations: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text()) && !message.text().includes('fonts.googleapis.com')) cspViolations.push(message.text());
    });
    page.on('pageerror', (error) => cspViolations.push(`page error: ${error.message}`));
    const screenshotDir = process.env.UPDATE_SCREENSHOTS === '1' ? join(REPO_ROOT, 'docs') : mkdtempSync(join(tmpdir(), 'sb-screens-'));
    mkdirSync(screenshotDir, { recursive: true });
    const response = await page.goto(`${dashboard.url}/admin/queues`);
    expect(response?.status()).toBe(200);
    // Every queue of the contract is listed in the menu, and the environment badge is shown.
    const menu = page.getByRole('navigation');
    for (const definition of Object.values(QUEUES)) await expect(menu.getByText(definition.name, { exact: true }).waitFor()).resolves.toBeUndefined();
    await page.getByText('browser test', { exact: true }).first().waitFor();

    // The failed list of the StepStone queue, then the job itself (as from a log line: queue/jobId).
    await menu.getByText(QUEUES.stepstone.name, { exact: true }).click();
    await page.getByText(/^Failed/i).first().click();
    await page.getByText(jobId).first().waitFor();
    await page.goto(`${dashboard.url}/admin/queues/queue/${QUEUES.stepstone.name}/${jobId}`);
    const reason = page.getByText(/\[stepstone tenant 1234\] HTTP 400 \(attempt 1\/35\)/).first();
    await reason.waitFor();
    const reasonText = await reason.innerText();
    expect(reasonText).toContain('StepStone rejected the status message');
    expect(reasonText).toContain(SANDBOX_400_MESSAGE);

    // Job data is masked: the hint is there, the candidate's name, email and phone are not.
    await page.getByRole('tab', { name: 'Data' }).click();
    await page.locator('xpath=//*[@role="treeitem"][span[normalize-space()="candidate:"]]/span[@role="button"]').first().click();
    await page.getByText('"E*** M***"').first().waitFor();
    await page.screenshot({ path: join(screenshotDir, 'dashboard-masked-data.png') });
    const shown = await page.locator('body').innerText();
    expect(shown).toContain('e***@example.com');
    for (const pii of ['Erika', 'Mustermann', 'erika.mustermann', '1234567']) expect(shown).not.toContain(pii);
    await page.getByRole('tab', { name: 'Error' }).click();
    await reason.waitFor();
    await page.screenshot({ path: join(screenshotDir, 'dashboard.png') });

    // The operator fixes the cause (here: the sandbox accepts again) and retries from the UI.
    await stepstoneFaults({ rejectAll: { enabled: false } });
    await clickFirstJobAction(page, jobId);
    const confirm = page.getByRole('alertdialog');
    await confirm.getByText('Are you sure that you want to retry this job?').waitFor();
    await confirm.getByRole('button', { name: 'Confirm', exact: true }).click();

    await waitFor(async () => (await queue.getJobState(jobId)) === 'completed', { timeoutMs: 15_000, what: 'the retried job to complete' });
    // The board shows it too (it polls every second in this test).
    await page.reload();
    await page.getByText(/Finished at|Completed at/i).first().waitFor({ timeout: 10_000 });
    expect(dashboard.logs().some((line) => line.message === 'dashboard write' && String(line.path).endsWith(`${jobId}/retry`))).toBe(true);
    expect(cspViolations).toEqual([]);
    const received = (await (await fetch(`${String(sandbox.ready.stepstone)}/_sandbox/received`)).json()) as { received: Array<{ body: Record<string, unknown> }> };
    expect(received.received.map((item) => item.body.AtsiApplicationId ?? item.body.atsiApplicationId)).toContain(data.stepstone.atsiApplicationId);
  } finally {
    await context.close();
  }
});
