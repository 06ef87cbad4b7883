import { seedEvent, startHarness, type Harness } from './enrich-harness';

/**
 * iCIMS throttles clients that ask for many tokens: two worker processes that start together and
 * take events at the same moment must fetch ONE token between them (shared through Redis).
 */
let harness: Harness;

beforeAll(async () => {
  // Two processes, two jobs each at a time, and a slow API so both processes hold jobs at once.
  harness = await startHarness('enrich-token', { workers: 2, env: { WORKER_CONCURRENCY_ENRICH: '2' } });
}, 40_000);

afterAll(async () => {
  await harness?.close();
});

it('two worker processes fetch the token once', async () => {
  // A slow token endpoint: without the shared lock both processes would be fetching at once.
  harness.sandbox.faults({ latencyMs: 150, tokenLatencyMs: 500 });
  const jobIds = await Promise.all(Array.from({ length: 8 }, (_, i) => harness.enqueue(seedEvent(harness.sandbox.url, { oldStatus: `P${i}` }))));
  for (const jobId of jobIds) expect(await harness.waitForState('enrich', jobId, ['completed', 'failed'], 20_000)).toBe('completed');

  // Both processes did work (otherwise the test would prove nothing about sharing) ...
  for (const worker of harness.workers) {
    expect(worker.logs().filter((line) => line.message === 'job completed').length).toBeGreaterThan(0);
  }
  // ... and iCIMS saw one token request, every API call carrying a bearer token.
  expect(harness.sandbox.state.tokenRequests()).toHaveLength(1);
  expect(harness.sandbox.state.apiRequests().every((request) => request.auth === 'bearer' && request.answer === 200)).toBe(true);
});
