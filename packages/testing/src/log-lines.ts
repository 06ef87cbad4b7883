/**
 * Operators' log pipelines parse every line of a process's output as one JSON object
 * (docs/operations.md). These helpers find the lines that would break that: a stack trace's
 * continuation lines, a library's `console.error`, a plain-text message.
 */

/** One output line as a JSON object, or undefined when it is not one (arrays and strings do not count). */
export function parseJsonLine(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** The lines that are not JSON objects (empty lines count: a log line is never empty). */
export function nonJsonLines(lines: readonly string[]): string[] {
  return lines.filter((line) => parseJsonLine(line) === undefined);
}
