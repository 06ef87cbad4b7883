import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/**
 * CPU time a process has used so far, in ms: utime + stime (fields 14 and 15 of
 * /proc/<pid>/stat), 10 ms resolution. Measured from outside, so it costs the process nothing.
 */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

/** CPU used by a set of processes between `start` and `read`. */
export class CpuMeter {
  private readonly base = new Map<number, number>();

  constructor(private readonly pids: number[]) {
    for (const pid of pids) this.base.set(pid, cpuMs(pid));
  }

  /** ms of CPU per pid since the meter was made. */
  read(): Map<number, number> {
    return new Map(this.pids.map((pid) => [pid, cpuMs(pid) - this.base.get(pid)!]));
  }

  total(): number {
    let sum = 0;
    for (const value of this.read().values()) sum += value;
    return sum;
  }
}
