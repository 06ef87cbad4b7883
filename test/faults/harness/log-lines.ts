/**
 * Every line our processes print must be one JSON object (operators ship them to a log store that
 * parses JSON). Counts the lines that are not, over every process a scenario started, killed ones
 * included. (A shared `nonJsonLines` helper is coming to packages/testing; this is the suite's own
 * small counter until then.)
 */
export interface ProcessOutput {
  name: string;
  lines: string[];
  /** Killed with SIGKILL: its last line may have been cut mid-write, which is not a line it printed. */
  killedHard: boolean;
}

export interface NonJsonCount {
  count: number;
  /** A few of them, prefixed with the process name, for the failure message. */
  samples: string[];
}

function isJsonObject(line: string): boolean {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

export function countNonJsonLines(outputs: ProcessOutput[]): NonJsonCount {
  const result: NonJsonCount = { count: 0, samples: [] };
  for (const output of outputs) {
    output.lines.forEach((line, index) => {
      if (isJsonObject(line)) return;
      const cutByKill = output.killedHard && index === output.lines.length - 1 && line.startsWith('{');
      if (cutByKill) return;
      result.count += 1;
      if (result.samples.length < 5) result.samples.push(`${output.name}: ${line.slice(0, 200)}`);
    });
  }
  return result;
}
