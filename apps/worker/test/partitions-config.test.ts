import { loadWorkerConfig, partitionConcurrency } from '../src/config';
import { startHarness, type Harness } from './enrich-harness';

/**
 * The worker's partition settings: which partitions a process consumes (QUEUE_PARTITIONS,
 * QUEUE_PARTITIONS_DRAIN, WORKER_PARTITIONS) and how WORKER_CONCURRENCY_<KEY>, a per-process
 * figure, is split over them.
 */
describe('partitionConcurrency', () => {
  it.each([
    [10, 1, [10]],
    [10, 8, [2, 2, 1, 1, 1, 1, 1, 1]],
    [16, 4, [4, 4, 4, 4]],
    [3, 5, [1, 1, 1, 1, 1]],
    [1, 1, [1]],
  ])('%i per process over %i partitions → %j', (total, partitions, expected) => {
    expect(partitionConcurrency(total, partitions)).toEqual(expected);
  });
});

describe('WORKER_PARTITIONS', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness('partitions-config', { workers: 0 });
  }, 30_000);

  afterAll(async () => {
    await harness?.close();
  });

  it.each([
    [{}, [0]],
    [{ QUEUE_PARTITIONS: '4' }, [0, 1, 2, 3]],
    [{ QUEUE_PARTITIONS: '8', WORKER_PARTITIONS: '0-3,5' }, [0, 1, 2, 3, 5]],
    // Lowered from 4 to 2: the drained partitions 2 and 3 are consumed too.
    [{ QUEUE_PARTITIONS: '2', QUEUE_PARTITIONS_DRAIN: '4' }, [0, 1, 2, 3]],
    [{ QUEUE_PARTITIONS: '2', QUEUE_PARTITIONS_DRAIN: '4', WORKER_PARTITIONS: '3' }, [3]],
  ])('%j → consumes %j', (env, partitions) => {
    expect(loadWorkerConfig({ ...harness.env, ...env }).partitions).toEqual(partitions);
  });

  it.each([
    [{ QUEUE_PARTITIONS: '4', WORKER_PARTITIONS: '4' }, /WORKER_PARTITIONS: partition 4 does not exist: there are 4 \(0-3\)/],
    [{ QUEUE_PARTITIONS: '4', WORKER_PARTITIONS: 'even' }, /WORKER_PARTITIONS: "even" is not a partition number or range/],
    [{ QUEUE_PARTITIONS: '2', QUEUE_PARTITIONS_DRAIN: '4', WORKER_PARTITIONS: '5' }, /WORKER_PARTITIONS: partition 5 does not exist: there are 4 \(0-3\) \(QUEUE_PARTITIONS_DRAIN included\)/],
    [{ QUEUE_PARTITIONS: '0' }, /QUEUE_PARTITIONS must be >= 1/],
  ])('%j is refused, naming the variable', (env, message) => {
    expect(() => loadWorkerConfig({ ...harness.env, ...env })).toThrow(message);
  });
});
