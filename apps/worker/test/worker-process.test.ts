import { QUEUE_KEYS } from '@status-bridge/partners';
import { assertRegistryComplete, processorRegistry } from '../src/registry';
import { seedEvent, startHarness, type Harness } from './enrich-harness';

/**
 * The worker process as operators run it: queues from WORKER_QUEUES, a registry it checks at
 * start, and an ordered, bounded shutdown (the enrich queue against the iCIMS sandbox).
 */
describe('registry', () => {
  it('covers every queue of the contract', () => {
    expect(() => assertRegistryComplete()).not.toThrow();
    // enrich and one entry per registered partner.
    expect(Object.keys(processorRegistry).sort()).toEqual([...QUEUE_KEYS].sort());
  });

  it('refuses a registry with a queue unserved, naming it', () => {
    const { seek: _seek, ...partial } = processorRegistry;
    expect(() => assertRegistryComplete(partial)).toThrow('no processor registered for queue(s): seek');
  });
});

describe('worker process', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness('worker-process', { workers: 0 });
  }, 30_000);

  afterAll(async () => {
    await harness?.close();
  });

  it('consumes only the queues in WORKER_QUEUES', async () => {
    const worker = await harness.spawnWorker({ WORKER_QUEUES: 'enrich' });
    expect(worker.ready).toMatchObject({ queues: ['enrich'], concurrency: expect.any(Object) });
    expect(await worker.stop('SIGTERM')).toBe(0);
  });

  it('refuses to start with an unknown queue name', async () => {
    await expect(harness.spawnWorker({ WORKER_QUEUES: 'enrich,bogus' })).rejects.toThrow(/WORKER_QUEUES: unknown queue\(s\) bogus/);
  });

  it('SIGTERM lets the job in progress finish, then closes and exits 0', async () => {
    const worker = await harness.spawnWorker();
    harness.sandbox.faults({ latencyMs: 600 });
    try {
      const jobId = await harness.enqueue(seedEvent(harness.sandbox.url, { oldStatus: 'S1' }));
      await harness.waitForState('enrich', jobId, ['active']);
      expect(await worker.stop('SIGTERM')).toBe(0);
      expect(await harness.waitForState('enrich', jobId, ['completed', 'failed', 'active', 'waiting'], 1000)).toBe('completed');
      const messages = worker.logs().map((line) => line.message);
      expect(messages.indexOf('shutting down')).toBeLessThan(messages.indexOf('job completed'));
      expect(messages.indexOf('job completed')).toBeLessThan(messages.indexOf('stopped'));
    } finally {
      harness.sandbox.faults({ latencyMs: 0 });
    }
  });

  it('a job that does not finish in time does not hold the shutdown past its bound', async () => {
    const worker = await harness.spawnWorker({ SHUTDOWN_TIMEOUT_MS: '3000', ICIMS_REQUEST_TIMEOUT_MS: '20000' });
    harness.sandbox.faults({ hang: { count: 3 } });
    const jobId = await harness.enqueue(seedEvent(harness.sandbox.url, { oldStatus: 'S2' }));
    await harness.waitForState('enrich', jobId, ['active']);
    const code = await worker.stop('SIGTERM', 10_000);
    expect(code).toBe(0);
    expect(worker.logs().some((line) => line.message === 'workers did not finish in time; cancelling, unfinished jobs will be retried')).toBe(true);
    expect(worker.logs().some((line) => line.message === 'stopped')).toBe(true);
    // The cancelled attempt is retried; the next worker completes the job.
    harness.sandbox.reset();
    await harness.spawnWorker();
    expect(await harness.waitForState('enrich', jobId, ['completed', 'failed'], 45_000)).toBe('completed');
  }, 60_000);
});
