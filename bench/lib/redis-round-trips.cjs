/**
 * Preloaded into a benchmarked process (`node --require`, see workers.ts and stack.ts) to count
 * its Redis round trips from the client's side, as issue "Performance" defines them: a command
 * sent on its own is one, a pipeline or a MULTI…EXEC block is one. ioredis writes each of those
 * to the socket in one write() call, so the count is the write() calls on every ioredis socket
 * (each socket is wrapped the first time a command goes through it). The process's count is
 * written to $BENCH_ROUND_TRIPS_DIR/<pid>.json every 100 ms and at exit, for the harness to read.
 * Plain CommonJS, so it loads before tsx; main thread only (not tsx's loader thread).
 */
'use strict';
const { isMainThread } = require('node:worker_threads');

const dir = process.env.BENCH_ROUND_TRIPS_DIR;
if (isMainThread && dir) {
  const { renameSync, writeFileSync } = require('node:fs');
  const { join } = require('node:path');
  const { Redis } = require(require.resolve('ioredis', { paths: [process.cwd()] }));
  let roundTrips = 0;
  const sendCommand = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function countingSendCommand(command, stream) {
    const socket = this.stream;
    if (socket && !socket.benchRoundTrips) {
      socket.benchRoundTrips = true;
      const write = socket.write;
      socket.write = function countedWrite(...args) {
        roundTrips += 1;
        return write.apply(this, args);
      };
    }
    return sendCommand.call(this, command, stream);
  };
  const file = join(dir, `${process.pid}.json`);
  // Written aside and renamed: the harness reads the file every run, and a read between the
  // truncate and the write of writeFileSync found it empty (scaling section, a busy machine).
  const save = () => {
    writeFileSync(`${file}.tmp`, JSON.stringify({ roundTrips }));
    renameSync(`${file}.tmp`, file);
  };
  setInterval(save, 100).unref();
  process.on('exit', save);
}
