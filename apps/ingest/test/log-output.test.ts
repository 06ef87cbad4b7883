import { PassThrough } from 'node:stream';
import { createLogger } from '@status-bridge/core';
import { sleep, waitFor } from '@status-bridge/testing';
import { BatchedStdout, LOG_FLUSH_BYTES, LOG_FLUSH_INTERVAL_MS, useBatchedStdout } from '../src/log-output';

/** Batched log output: same lines, same order, fewer writes. */
function collector() {
  const out = new PassThrough();
  const writes: string[] = [];
  out.on('data', (chunk: Buffer) => writes.push(chunk.toString('utf8')));
  return { out, writes };
}

it('writes many log lines in one batch, in order, with the core format and redaction', async () => {
  const { out, writes } = collector();
  const logger = useBatchedStdout(createLogger('ingest', 'info'), out);
  for (let i = 0; i < 20; i++) logger.info('event accepted', { jobId: `j${i}`, authorization: 'Basic c2VjcmV0' });
  expect(writes).toHaveLength(0);
  await waitFor(() => writes.length > 0, { timeoutMs: 2000 });
  await sleep(LOG_FLUSH_INTERVAL_MS * 2);
  expect(writes).toHaveLength(1);
  const lines = writes.join('').trim().split('\n').map((line) => JSON.parse(line));
  expect(lines.map((line) => line.jobId)).toEqual(Array.from({ length: 20 }, (_, i) => `j${i}`));
  expect(lines[0].authorization).toBe('[redacted]');
});

it('flushes at once when a batch reaches its size bound, and on demand', () => {
  const { out, writes } = collector();
  const stream = new BatchedStdout(out);
  stream.write(Buffer.alloc(LOG_FLUSH_BYTES, 'a'));
  expect(writes).toHaveLength(1);
  stream.write('tail\n');
  expect(writes).toHaveLength(1);
  stream.flush();
  expect(writes[1]).toBe('tail\n');
});
