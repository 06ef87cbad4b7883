import { countNonJsonLines } from './harness';

test('counts lines that are not one JSON object, except the cut last line of a process killed with SIGKILL', () => {
  const lines = ['{"level":"info","message":"ready"}', 'Error: connect ECONNREFUSED 127.0.0.1:6390', '    at TCPConnectWrap.afterConnect', '[1,2]', '{"level":"info","mess'];
  expect(countNonJsonLines([{ name: 'worker-1', lines, killedHard: false }])).toEqual({
    count: 4,
    samples: ['worker-1: Error: connect ECONNREFUSED 127.0.0.1:6390', 'worker-1:     at TCPConnectWrap.afterConnect', 'worker-1: [1,2]', 'worker-1: {"level":"info","mess'],
  });
  expect(countNonJsonLines([{ name: 'worker-1', lines, killedHard: true }]).count).toBe(3);
  expect(countNonJsonLines([{ name: 'ingest-1', lines: ['{"a":1}', 'plain'], killedHard: true }]).count).toBe(1);
});
